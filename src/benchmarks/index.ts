/** The benchmarks holoclip can build from packaged sources (`holoclip bench list / build`). */
import { buildEmojiShift, EMOJI_SHIFT_VERSION, type BuildEmojiShiftResult } from './emoji-shift/build.js';
import { EMOJI_SHIFT_SPLITS } from './emoji-shift/splits.js';
import type { BenchmarkBuildOptions, BenchmarkSplit } from './types.js';

export { buildEmojiShift, EMOJI_SHIFT_CLASSES, EMOJI_SHIFT_VERSION, CUE_CONFLICT_CLASSES } from './emoji-shift/build.js';
export type { BuildEmojiShiftOptions, BuildEmojiShiftResult, EmojiShiftClass, EmojiShiftManifest, EmojiShiftSplit } from './emoji-shift/build.js';

export type { BenchmarkBuildOptions, BenchmarkSplit } from './types.js';

export interface Benchmark {
  name: string;
  version: string;
  description: string;
  defaultOut: string;
  /** The splits suites can name (`<name>/<split>`). */
  splits: Readonly<Record<string, BenchmarkSplit>>;
  build(options: BenchmarkBuildOptions): Promise<BuildEmojiShiftResult>;
}

export const BENCHMARKS: readonly Benchmark[] = [
  {
    name: 'emoji-shift',
    version: EMOJI_SHIFT_VERSION,
    description:
      'style-shift mini benchmark from emoji art in npm packages: train on noto, twemoji, fluent-flat; test on fluent-3d, silhouette, openmoji line art; plus near/far OOD, cue-conflict and retrieval splits',
    defaultOut: '.holoclip/benchmarks/emoji-shift',
    splits: EMOJI_SHIFT_SPLITS,
    build: (options) => buildEmojiShift(options),
  },
];

export function findBenchmark(name: string): Benchmark | undefined {
  return BENCHMARKS.find((b) => b.name === name);
}
