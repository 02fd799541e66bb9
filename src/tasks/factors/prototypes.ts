/**
 * ImageNet-X's prototypical images: facebookresearch/imagenetx@6403d41a's `load_annotations` drops the
 * images of `prototypical_paths.csv` by default (`filter_prototypes=True`); holoclip does the same unless
 * told `keep`. One place decides which list is used and what result.json says about it. The list reader and the
 * reference data are loaded when a list is read: the task's options (suite check) need only the modes.
 */
import path from 'node:path';
import { HoloclipError } from '../../errors.js';

export const PROTOTYPE_MODES = ['drop', 'keep'] as const;
export type PrototypeMode = (typeof PROTOTYPE_MODES)[number];

/** The registered reference file used when no list is given. */
export const PROTOTYPICAL_RESOURCE = 'imagenetx/prototypical_paths.csv';

export interface PrototypeFilter {
  readonly mode: PrototypeMode;
  /** The file names to drop (undefined when kept). */
  readonly exclude?: ReadonlySet<string>;
  /** The list read (absolute), or null when kept. */
  readonly file: string | null;
  /** For result.json's conventions. */
  readonly convention: string;
}

export function parsePrototypeMode(value: string | undefined, flag: string): PrototypeMode {
  if (value === undefined) return 'drop';
  if ((PROTOTYPE_MODES as readonly string[]).includes(value)) return value as PrototypeMode;
  throw new HoloclipError(`${flag} ${value}: expected ${PROTOTYPE_MODES.join(' or ')} (drop: as imagenetx's load_annotations(filter_prototypes=True), the default)`);
}

/** The prototype filter of a run: `drop` reads `file` (default: the registered imagenetx list); `keep` reads nothing. */
export async function prototypeFilter(mode: PrototypeMode, file: string | undefined): Promise<PrototypeFilter> {
  if (mode === 'keep') {
    return { mode, file: null, convention: 'kept (prototypes: keep; imagenetx load_annotations(filter_prototypes=False))' };
  }
  const [{ readPrototypicalPaths }, { isOffline, resourcePath }] = await Promise.all([import('../../formats/index.js'), import('../../refdata/index.js')]);
  const list = file !== undefined ? path.resolve(file) : await resourcePath(PROTOTYPICAL_RESOURCE, { offline: isOffline() });
  const exclude = await readPrototypicalPaths(list);
  return {
    mode,
    exclude,
    file: list,
    convention: `dropped: the ${exclude.size} images listed in ${list} (default, as imagenetx load_annotations(filter_prototypes=True)); metrics.dropped_prototypical counts those annotated`,
  };
}
