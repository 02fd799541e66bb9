/**
 * Image corruptions (ImageNet-C, Hendrycks & Dietterich 2019; 3D common corruptions, Kar et al. 2022)
 * as pure functions on decoded RGB pixels. One module per family; `registry.ts` names them.
 */
import type { Rng } from '../metrics/random.js';

/** An 8-bit RGB image, rows top to bottom, pixels interleaved (r, g, b), length width * height * 3. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Per-pixel depth for the 3D corruptions: row-major, width * height values, larger = farther. */
export interface DepthMap {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

export type Severity = 1 | 2 | 3 | 4 | 5;
export const SEVERITIES: readonly Severity[] = [1, 2, 3, 4, 5];

export interface CorruptionInput {
  readonly image: RgbImage;
  readonly severity: Severity;
  /** Seeded from (global seed, image id, corruption, severity): the same image gets the same pixels everywhere. */
  readonly rng: Rng;
  /** Required by corruptions with `needsDepth`; same size as the image. */
  readonly depth?: DepthMap;
}

export type CorruptionFamily = 'noise' | 'blur' | 'weather' | 'digital' | '3dcc';

export interface Corruption {
  readonly name: string;
  readonly family: CorruptionFamily;
  /** Part of the 15 ImageNet-C corruptions (the others: the 4 extra ones, and 3DCC). */
  readonly benchmark: 'imagenet-c' | 'imagenet-c-extra' | '3dcc';
  /** Uses the rng (the deterministic ones ignore it). */
  readonly random: boolean;
  readonly needsDepth: boolean;
  /** Where holoclip departs from the reference implementation, if anywhere (shown by `holoclip corrupt --list` and docs/reference/corruptions.md). */
  readonly deviation: string | null;
  apply(input: CorruptionInput): RgbImage;
}
