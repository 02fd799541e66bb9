/**
 * Image pairs for dense correspondence, what a pair adapter returns: keypoint-annotated pairs (spair-71k, the
 * embedded emoji-correspondence) or geometric pairs with depth, intrinsics and relative pose (navi, scannet-pairs).
 */
import path from 'node:path';
import { itemListOf } from './item-list.js';
import type { Dataset } from './types.js';

export interface PairKeypoint {
  x: number;
  y: number;
  visible: boolean;
}

export interface CorrespondenceImage {
  /** `<category>/<name>`. */
  readonly key: string;
  readonly category: string;
  readonly name: string;
  /** Absolute path. */
  readonly file: string;
  /** Keypoints by index (SPair: a fixed list per category; invisible ones at (0, 0)). */
  readonly kps: readonly PairKeypoint[];
}

export interface CorrespondencePair {
  readonly id: string;
  readonly category: string;
  /** Image keys. */
  readonly source: string;
  readonly target: string;
  /** [left, upper, right, lower]. */
  readonly sourceBbox: readonly [number, number, number, number];
  readonly targetBbox: readonly [number, number, number, number];
  /** [width, height]. */
  readonly sourceSize: readonly [number, number];
  readonly targetSize: readonly [number, number];
  /** SPair's viewpoint difference level (0, 1, 2); the embedded benchmark's warp strength. */
  readonly viewpointVariation: number;
  /** The embedded benchmark's warp kind (homography, tps, rotation, scale, background). */
  readonly warpKind?: string;
}

export interface KeypointPairs {
  readonly kind: 'keypoints';
  /** The images as a plain (unlabelled) dataset. */
  readonly dataset: Dataset;
  readonly images: ReadonlyMap<string, CorrespondenceImage>;
  readonly pairs: readonly CorrespondencePair[];
  readonly split: string;
  /** Every file besides the images that the pairs were read from (annotations), absolute: part of the unit key. */
  readonly annotationFiles: readonly string[];
}

/** How a geometric view's camera is given. */
export type ViewCamera =
  /** ScanNet: the intrinsics at the depth map's resolution, row-major 3x3. */
  | { readonly kind: 'intrinsics'; readonly K: readonly number[] }
  /** NAVI: the annotation's focal length, at the original image size [height, width] (`image_size`). */
  | { readonly kind: 'navi'; readonly focalLength: number; readonly originalSize: readonly [number, number] };

export interface GeometricView {
  /** `<scene or object>/<frame>`. */
  readonly key: string;
  /** Absolute paths. */
  readonly file: string;
  readonly depthFile: string;
  readonly camera: ViewCamera;
}

export interface GeometricPair {
  readonly id: string;
  /** The scene (ScanNet) or object (NAVI). */
  readonly group: string;
  readonly view0: string;
  readonly view1: string;
  /** View 0 camera -> view 1 camera, row-major 4x4 (metres). */
  readonly rt01: readonly number[];
}

export interface GeometricPairs {
  readonly kind: 'geometric';
  /** Whose probe3d protocol the pairs follow (geometry preparation, thresholds, rotation bins). */
  readonly protocol: 'scannet' | 'navi';
  readonly dataset: Dataset;
  readonly views: ReadonlyMap<string, GeometricView>;
  readonly pairs: readonly GeometricPair[];
  readonly split: string;
  /** Every file besides the images that the pairs depend on (poses, intrinsics, depth maps), absolute. */
  readonly annotationFiles: readonly string[];
  /** How the pairs were chosen (results record it). */
  readonly pairing: string;
}

export type CorrespondencePairs = KeypointPairs | GeometricPairs;

/**
 * The unlabelled image dataset of a geometric pair set: one item per view (in `views` order), ids relative to
 * `root` with forward slashes, and the adapter's counts as notes.
 */
export function geometricViewsDataset(root: string, views: ReadonlyMap<string, GeometricView>, adapter: { type: string; notes: Record<string, number> }): Dataset {
  const items = itemListOf([...views.values()].map((v) => ({ id: path.relative(root, v.file).split(path.sep).join('/'), path: v.file, label: -1 })));
  return {
    kind: 'images',
    root,
    source: root,
    classnames: [],
    classnamesSource: 'none (image pairs)',
    items,
    skipped: { hidden: 0, nonImage: 0, examples: [] },
    adapter,
  };
}
