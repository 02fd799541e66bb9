/** The benchmarks holoclip can build from packaged sources (`holoclip bench list / build`): the catalogue and the builders. */
export { BENCHMARKS, findBenchmark } from './catalog.js';
export type { Benchmark, BenchmarkBuildResult } from './catalog.js';

export { buildEmojiShift, EMOJI_SHIFT_CLASSES, EMOJI_SHIFT_VERSION, CUE_CONFLICT_CLASSES } from './emoji-shift/build.js';
export type { BuildEmojiShiftOptions, BuildEmojiShiftResult, EmojiShiftClass, EmojiShiftManifest, EmojiShiftSplit } from './emoji-shift/build.js';

export type { BenchmarkBuildOptions, BenchmarkSplit } from './types.js';
export { buildEmojiCorrespondence, EMOJI_CORRESPONDENCE_VERSION } from './correspondence/build.js';
export type { BuildCorrespondenceOptions, BuildCorrespondenceResult, CorrespondenceManifest } from './correspondence/build.js';
