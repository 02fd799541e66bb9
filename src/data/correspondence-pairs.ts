/** Keypoint-annotated image pairs (dense correspondence): what a pair adapter (spair-71k) returns. */
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

export interface CorrespondencePairs {
  /** The images as a plain (unlabelled) dataset. */
  readonly dataset: Dataset;
  readonly images: ReadonlyMap<string, CorrespondenceImage>;
  readonly pairs: readonly CorrespondencePair[];
  readonly split: string;
  /** Every file besides the images that the pairs were read from (annotations), absolute: part of the unit key. */
  readonly annotationFiles: readonly string[];
}
