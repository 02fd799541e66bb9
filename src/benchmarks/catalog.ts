/**
 * The benchmarks holoclip can build from packaged sources: names, versions, descriptions and splits (what suites
 * validate against), each builder loaded on its first build. benchmarks/index.ts re-exports this with the builders.
 */
import { EMOJI_SHIFT_SPLITS } from './emoji-shift/splits.js';
import type { BenchmarkBuildOptions, BenchmarkSplit } from './types.js';
import { EMOJI_CORRESPONDENCE_VERSION, EMOJI_SHIFT_VERSION } from './versions.js';

/** What every benchmark build returns: whether it built, and the lines `holoclip bench build` prints. */
export interface BenchmarkBuildResult {
  built: boolean;
  seconds: number;
  out: string;
  version: string;
  seed: number;
  /** Files of the previous build that did not match its manifest (missing, changed or added): why it was rebuilt. */
  damaged: readonly string[];
  /** Lines describing the build (after the first "built ..." line). */
  summary: string[];
}

export interface Benchmark {
  name: string;
  version: string;
  description: string;
  defaultOut: string;
  /** The splits suites can name (`<name>/<split>`). */
  splits: Readonly<Record<string, BenchmarkSplit>>;
  build(options: BenchmarkBuildOptions): Promise<BenchmarkBuildResult>;
}

export const BENCHMARKS: readonly Benchmark[] = [
  {
    name: 'emoji-shift',
    version: EMOJI_SHIFT_VERSION,
    description:
      'style-shift mini benchmark from emoji art in npm packages: train on noto, twemoji, fluent-flat; test on fluent-3d, silhouette, openmoji line art; plus near/far OOD, cue-conflict and retrieval splits',
    defaultOut: '.holoclip/benchmarks/emoji-shift',
    splits: EMOJI_SHIFT_SPLITS,
    build: async (options) => {
      const r = await (await import('./emoji-shift/build.js')).buildEmojiShift(options);
      const m = r.manifest;
      const width = Math.max(...Object.keys(m.splits).map((k) => k.length));
      return {
        built: r.built, seconds: r.seconds, out: r.out, version: m.version, seed: m.seed, damaged: r.damaged,
        summary: [
          `classes      ${m.classes}; training styles ${m.styles.train.join(', ')}; test styles ${m.styles.test.join(', ')}`,
          `files        ${Object.keys(m.files_sha256).length} (+ manifest.json)`,
          'splits:',
          ...Object.entries(m.splits).map(([k, s]) => `  ${k.padEnd(width)}  ${String(s.images).padStart(5)} images  ${s.kind.padEnd(12)}  ${s.path}`),
          'packages:',
          ...Object.entries(m.packages).map(([k, v]) => `  ${k}@${v}`),
        ],
      };
    },
  },
  {
    name: 'emoji-correspondence',
    version: EMOJI_CORRESPONDENCE_VERSION,
    description:
      'dense-correspondence pairs in SPair-71k layout: Noto emoji warped by seeded homographies, thin-plate-spline bends, rotations, scale and background changes at 3 strengths, exact keypoints (read with --data spair-71k:DIR)',
    defaultOut: '.holoclip/benchmarks/emoji-correspondence',
    splits: { pairs: { path: '.', role: 'correspondence', classnames: false } },
    build: async (options) => {
      const r = await (await import('./correspondence/build.js')).buildEmojiCorrespondence(options);
      const m = r.manifest;
      return {
        built: r.built, seconds: r.seconds, out: r.out, version: m.version, seed: m.seed, damaged: r.damaged,
        summary: [
          `emoji        ${m.emoji} (${m.style}), ${m.keypoints_per_image} keypoints each, ${m.image_size} px`,
          `pairs        ${m.pairs}: ${m.warp_kinds.join(', ')} x levels ${m.warp_levels.join(', ')} (viewpoint_variation)`,
          `files        ${Object.keys(m.files_sha256).length} (+ manifest.json), SPair-71k layout: JPEGImages/, ImageAnnotation/, PairAnnotation/test/`,
          'packages:',
          ...Object.entries(m.packages).map(([k, v]) => `  ${k}@${v}`),
        ],
      };
    },
  },
];

export function findBenchmark(name: string): Benchmark | undefined {
  return BENCHMARKS.find((b) => b.name === name);
}
