import type { CorruptionSpec } from '../corruptions/catalog.js';

/** How a dataset is read: labelled images, an unlabelled image folder, a cue-conflict folder, captions, or keypoint-annotated image pairs (correspondence). */
export type DatasetRole = 'labelled' | 'unlabelled' | 'cue-conflict' | 'captions' | 'correspondence';

/** One image of a dataset: where it is and its class. No pixels are loaded. */
export interface DatasetItem {
  /** Position in dataset order (0-based). */
  index: number;
  /** Path relative to the dataset root, POSIX separators (absolute, with `/`, if outside the root). */
  id: string;
  /** Absolute path. */
  path: string;
  /** Class index into `Dataset.classnames`; -1 in unlabelled datasets. */
  label: number;
  /**
   * Any-of labels (ObjectNet): a prediction counts as correct when it is any of these class indices;
   * `label` is then the first of them.
   */
  labels?: readonly number[];
  /**
   * Where the bytes are when they are not the file at `path` (a WebDataset member): `path` is then a
   * display name (`<tar>#<member>`), and the image is `size` bytes at `offset` in `tar`.
   */
  source?: { readonly kind: 'tar'; readonly tar: string; readonly offset: number; readonly size: number };
}

/**
 * A dataset's items in dataset order, read by position: packed (data/item-list.ts), so an item is built on each `get`;
 * code that keeps items for long keeps their positions.
 */
export interface ItemList extends Iterable<DatasetItem> {
  readonly length: number;
  /** The item at `position` (an integer in [0, length)), built on each call; `index` is its dataset position. */
  get(position: number): DatasetItem;
  /** `get(position).label` without building the item (a per-row loop over logits). */
  labelAt(position: number): number;
  /** The items at positions [start, end) (clamped to the list) as an array: a batch. */
  slice(start?: number, end?: number): DatasetItem[];
}

export interface SkippedFiles {
  /** Hidden files and folders (leading `.`); a hidden folder counts once and is not entered. */
  hidden: number;
  /** Files without an image extension, and files lying directly in an ImageFolder root (outside class folders). */
  nonImage: number;
  /** A few skipped paths relative to the root, for messages. */
  examples: string[];
}

export interface Dataset {
  /** imagefolder / jsonl: labelled; images: an unlabelled folder (OOD sets); captions: a retrieval manifest. */
  readonly kind: 'imagefolder' | 'jsonl' | 'images' | 'captions';
  /** Absolute dataset root (the ImageFolder dir; the manifest's directory for JSONL). */
  readonly root: string;
  /** Absolute path the user gave (dir or manifest file). */
  readonly source: string;
  readonly classnames: string[];
  /** 'folder names' or the absolute classnames file path. */
  readonly classnamesSource: string;
  /** File paths only (cheap metadata), in dataset order, packed (data/item-list.ts: keep positions, not items). */
  readonly items: ItemList;
  readonly skipped: SkippedFiles;
  /**
   * A corrupted version of the data (ImageNet-C / 3DCC): every task embeds the corrupted images
   * instead of the files. `depthPaths` maps item index -> depth map for 3D corruptions.
   */
  readonly corruption?: { readonly spec: CorruptionSpec; readonly depthPaths?: ReadonlyMap<number, string> };
  /** Class names that repeat, kept because the user allowed it (or the dataset type's reference list has them). */
  readonly duplicateClasses?: ReadonlyArray<{ readonly name: string; readonly labels: readonly number[] }>;
  /** Pixels cropped from every border before preprocessing (ObjectNet: 2, as its authors specify). */
  readonly cropBorder?: number;
  /** Which dataset layout read it (e.g. "imagenet-r"), and how its classes relate to a larger list. */
  readonly adapter?: {
    readonly type: string;
    /** E.g. the 200 ImageNet-1k classes of ImageNet-R: `of` names the full list, `indices` the members, in label order. */
    readonly subset?: { readonly of: string; readonly indices: readonly number[] };
    /**
     * Parts of the dataset scored separately as well as pooled (ImageNet-D's background / texture /
     * material): an item belongs to the subset whose `prefix` its id starts with ('' = every item).
     */
    readonly subsets?: ReadonlyArray<{ readonly name: string; readonly prefix: string }>;
    /** Zero-shot templates shipped with the dataset (CLIP_benchmark WebDataset shards, ImageNet-D, objectnet-113). */
    readonly templates?: readonly string[];
    /** Anything else worth recording in results (mapping files, skipped classes...). */
    readonly notes?: Readonly<Record<string, string | number>>;
  };
}

export interface DatasetSpec {
  /** An ImageFolder directory or a `.jsonl` manifest. */
  path: string;
  /** Optional classnames file (.json array or one name per line); required for JSONL manifests. */
  classnames?: string;
}
