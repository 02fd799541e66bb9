/**
 * Reference values small enough to ship inside holoclip: published numbers that live in a reference
 * repository's source code rather than in a data file, so there is nothing to download. Each is pinned,
 * like the downloadable resources (registry.ts), to the repository, commit and path it is copied from and
 * to the sha256 of that file's bytes, so anyone can check the numbers against their source.
 */
import { refKey, type ReferenceErrors } from '../metrics/corruption.js';

export interface EmbeddedSource {
  readonly repo: string;
  readonly commit: string;
  readonly path: string;
  /** sha256 (hex) of the file at that commit. */
  readonly sha256: string;
  /** Where in the file (the symbol holding the values). */
  readonly symbol: string;
}

/** A named table of reference errors for mCE, shipped with holoclip. */
export interface EmbeddedReferenceErrors {
  /** The name `--reference-errors` takes. */
  readonly name: string;
  readonly description: string;
  readonly source: EmbeddedSource;
  /** corruption -> error (a fraction), the mean over severities 1-5. */
  readonly meanErrors: Readonly<Record<string, number>>;
  /** The model's clean error, when the source gives it (null: relative mCE cannot be computed). */
  readonly clean: number | null;
  /** What is done for corruptions the table does not cover. */
  readonly uncovered: string;
}

/**
 * AlexNet's ImageNet-C errors as published by Hendrycks & Dietterich (2019), the values every mCE is
 * normalised by: google-research/augmix's `ALEXNET_ERR` ("Raw AlexNet errors taken from
 * https://github.com/hendrycks/robustness"), in the order of its `CORRUPTIONS` list, each the mean error over
 * severities 1-5 (augmix's compute_mce divides the mean error over severities by it). They were measured on
 * the published JPEG (quality 85) files. imagenet-testbed's own re-evaluation of AlexNet on its copies of
 * ImageNet-C differs (e.g. brightness 0.596 there vs 0.565 here) and is not this table.
 */
export const ALEXNET_PUBLISHED: EmbeddedReferenceErrors = Object.freeze({
  name: 'alexnet',
  description: "AlexNet's ImageNet-C errors as published with ImageNet-C (Hendrycks & Dietterich 2019), mean over severities 1-5",
  source: {
    repo: 'google-research/augmix',
    commit: '9b9824c7c19bf7e72df2d085d97b99b3bfb00ba4',
    path: 'imagenet.py',
    sha256: 'ac77c185e34820c61fb39f731a564619a993c1e82e9ce77ab878229dc8bbacb3',
    symbol: 'ALEXNET_ERR (with CORRUPTIONS for the order)',
  },
  meanErrors: Object.freeze({
    gaussian_noise: 0.886428,
    shot_noise: 0.894468,
    impulse_noise: 0.92264,
    defocus_blur: 0.81988,
    glass_blur: 0.826268,
    motion_blur: 0.785948,
    zoom_blur: 0.79836,
    snow: 0.866816,
    frost: 0.826572,
    fog: 0.819324,
    brightness: 0.564592,
    contrast: 0.853204,
    elastic_transform: 0.646056,
    pixelate: 0.71784,
    jpeg_compression: 0.6065,
  }),
  clean: null,
  uncovered:
    'the 4 extra corruptions (speckle_noise, gaussian_blur, spatter, saturate) and the 3D corruptions have no published AlexNet error: they get no CE, are left out of mCE and are reported by accuracy only; the source gives no AlexNet clean error, so relative mCE is not computed',
});

export const EMBEDDED_REFERENCE_ERRORS: readonly EmbeddedReferenceErrors[] = [ALEXNET_PUBLISHED];

export function findEmbeddedReferenceErrors(name: string): EmbeddedReferenceErrors | undefined {
  return EMBEDDED_REFERENCE_ERRORS.find((r) => r.name === name);
}

/** The table as mCE reads it (severity 0 = the mean over severities 1-5), its source named. */
export function embeddedReferenceErrors(r: EmbeddedReferenceErrors): ReferenceErrors {
  const errors = new Map<string, number>();
  for (const [corruption, e] of Object.entries(r.meanErrors)) errors.set(refKey(corruption, 0), e);
  return { errors, clean: r.clean, source: `${r.name}: ${r.source.repo}@${r.source.commit} ${r.source.path} ${r.source.symbol}` };
}
