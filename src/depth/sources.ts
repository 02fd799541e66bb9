/**
 * Where the 3D corruptions get each image's depth map: a file next to the image or under a depth
 * folder (maps.ts), else a local monocular depth model whose maps are cached in the store
 * (model.ts). Without either, a clear error before any inference.
 */
import type { Dataset, DatasetItem } from '../data/index.js';
import { HoloclipError } from '../errors.js';
import type { FileHashIndex } from '../store/hash.js';
import type { ProgressSink } from '../util/progress.js';
import { findDepthMap } from './maps.js';
import { DepthModel, depthMapsFromModel } from './model.js';

export interface DepthSources {
  /** A folder holding depth maps at the images' relative paths. */
  readonly depthDir?: string;
  /** A depth-estimation model folder (transformers.js layout) for the images without a depth map. */
  readonly depthModel?: string;
}

export interface FoundDepthMaps {
  readonly paths: Map<number, string>;
  readonly missing: DatasetItem[];
}

/** Depth files for every item that has one (no model is run). */
export async function findDepthMaps(dataset: Dataset, depthDir: string | undefined): Promise<FoundDepthMaps> {
  const paths = new Map<number, string>();
  const missing: DatasetItem[] = [];
  for (const item of dataset.items) {
    const found = await findDepthMap(item.path, { depthDir, datasetRoot: dataset.root });
    if (found) paths.set(item.index, found);
    else missing.push(item);
  }
  return { paths, missing };
}

export function missingDepthError(corruption: string, missing: readonly DatasetItem[], total: number): HoloclipError {
  return new HoloclipError(
    `${corruption} needs a depth map per image; ${missing.length} of ${total} images have none (first: ${missing[0]?.id ?? '?'}). Put <image>.depth.npy or <image>.depth.png next to each image, give --depth-dir DIR holding them at the images' relative paths, or --depth-model DIR (a depth-estimation model)`,
  );
}

/**
 * Estimates the missing depth maps with the depth model (cached under `<storeRoot>/depth/`) and
 * returns every item's depth map. Images the model cannot read keep no depth map (the corruption
 * then reports them as failed images).
 */
export async function completeWithDepthModel(
  found: FoundDepthMaps,
  modelDir: string,
  store: { root: string; hashIndex: FileHashIndex },
  progress: ProgressSink,
  threads?: number,
): Promise<{ paths: Map<number, string>; computed: number }> {
  if (found.missing.length === 0) return { paths: found.paths, computed: 0 };
  const model = await DepthModel.open(modelDir, { threads, hashIndex: store.hashIndex });
  try {
    const res = await depthMapsFromModel(found.missing, model, store.root, store.hashIndex, progress);
    const paths = new Map(found.paths);
    for (const [index, p] of res.paths) paths.set(index, p);
    return { paths, computed: res.computed };
  } finally {
    await model.dispose();
  }
}
