import { stat } from 'node:fs/promises';
import { HoloclipError } from '../errors.js';
import { resolveUserPath } from '../util/paths.js';
import { openImageFolder } from './imagefolder.js';
import { openJsonlManifest } from './jsonl-manifest.js';
import { openTypedDataset, parseTypedSpec } from './typed-spec.js';
import type { Dataset, DatasetSpec } from './types.js';

/**
 * Open a dataset: a directory is an ImageFolder, a `.jsonl` file a manifest. Lists file paths
 * and labels only; images are neither opened nor decoded.
 */
export async function openDataset(spec: DatasetSpec): Promise<Dataset> {
  const typed = parseTypedSpec(spec.path);
  if (typed) return openTypedDataset(typed, spec.classnames);
  const source = resolveUserPath(spec.path);
  const classnames = spec.classnames === undefined ? undefined : resolveUserPath(spec.classnames);
  let isDir: boolean;
  try {
    const st = await stat(source);
    isDir = st.isDirectory();
    if (!isDir && !st.isFile()) throw new HoloclipError(`dataset path ${source} is neither a directory (ImageFolder) nor a .jsonl manifest`);
  } catch (err) {
    if (err instanceof HoloclipError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new HoloclipError(`dataset path ${source} does not exist`, { cause: err });
    throw new HoloclipError(`cannot open dataset path ${source}: ${(err as Error).message}`, { cause: err });
  }
  if (isDir) return openImageFolder(source, classnames);
  if (source.toLowerCase().endsWith('.jsonl')) return openJsonlManifest(source, classnames);
  throw new HoloclipError(`dataset path ${source} is neither a directory (ImageFolder) nor a .jsonl manifest; give a folder of class sub-folders or a .jsonl file`);
}
