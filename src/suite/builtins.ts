/**
 * Built-in datasets a suite can name instead of a path: "<benchmark>/<split>", e.g. "emoji-shift/noto".
 * The benchmark is built (or found up to date) in the suite's benchmarks folder before any work.
 */
import path from 'node:path';
import { BENCHMARKS } from '../benchmarks/index.js';

/** How a dataset is read: labelled images, an unlabelled image folder, a cue-conflict folder, or captions. */
export type DatasetRole = 'labelled' | 'unlabelled' | 'cue-conflict' | 'captions';

export interface BuiltinSplit {
  /** Path inside the built benchmark folder. */
  readonly path: string;
  readonly role: DatasetRole;
  /** Whether the split's labels need the benchmark's classnames.txt. */
  readonly classnames: boolean;
}

const EMOJI_STYLES = ['noto', 'twemoji', 'fluent-flat', 'fluent-3d', 'silhouette', 'openmoji'] as const;
const EMOJI_TEST_STYLES = ['fluent-3d', 'silhouette', 'openmoji'] as const;

const EMOJI_SHIFT_SPLITS: Record<string, BuiltinSplit> = {
  ...Object.fromEntries(EMOJI_STYLES.map((s) => [s, { path: `domains/${s}`, role: 'labelled', classnames: true }])),
  train: { path: 'train.jsonl', role: 'labelled', classnames: true },
  test: { path: 'test.jsonl', role: 'labelled', classnames: true },
  ...Object.fromEntries(EMOJI_TEST_STYLES.map((s) => [`test-${s}`, { path: `test-${s}.jsonl`, role: 'labelled', classnames: true }])),
  'near-ood': { path: 'near-ood', role: 'unlabelled', classnames: false },
  'far-ood': { path: 'far-ood', role: 'unlabelled', classnames: false },
  'cue-conflict': { path: 'cue-conflict', role: 'cue-conflict', classnames: false },
  retrieval: { path: 'retrieval/captions.jsonl', role: 'captions', classnames: false },
};

const SPLITS: Record<string, Record<string, BuiltinSplit>> = { 'emoji-shift': EMOJI_SHIFT_SPLITS };

export interface BuiltinRef {
  readonly benchmark: string;
  readonly split: string;
  readonly info: BuiltinSplit;
}

/**
 * "emoji-shift/noto" -> the split; null when the spec does not name a known benchmark (then it is a
 * path). A known benchmark with an unknown split is an error message.
 */
export function parseBuiltin(spec: string): BuiltinRef | { error: string } | null {
  const m = /^([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(spec);
  if (!m || !BENCHMARKS.some((b) => b.name === m[1])) return null;
  const splits = SPLITS[m[1]] ?? {};
  const info = splits[m[2]];
  if (!info) return { error: `"${spec}": ${m[1]} has no split "${m[2]}" (splits: ${Object.keys(splits).join(', ')})` };
  return { benchmark: m[1], split: m[2], info };
}

export function builtinPaths(ref: BuiltinRef, benchmarksDir: string): { path: string; classnames?: string } {
  const root = path.join(benchmarksDir, ref.benchmark);
  return { path: path.join(root, ref.info.path), classnames: ref.info.classnames ? path.join(root, 'classnames.txt') : undefined };
}

export function builtinSplitNames(benchmark: string): string[] {
  return Object.keys(SPLITS[benchmark] ?? {});
}
