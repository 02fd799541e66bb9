/**
 * Built-in datasets a suite can name instead of a path: "<benchmark>/<split>", e.g. "emoji-shift/noto".
 * The benchmark is built (or found up to date) in the suite's benchmarks folder before any work.
 */
import path from 'node:path';
import { findBenchmark } from '../benchmarks/catalog.js';
import type { BenchmarkSplit } from '../benchmarks/types.js';
import type { DatasetRole } from '../data/types.js';

export type { DatasetRole };

export interface BuiltinRef {
  readonly benchmark: string;
  readonly split: string;
  readonly info: BenchmarkSplit;
}

/**
 * "emoji-shift/noto" -> the split; null when the spec does not name a known benchmark (then it is a
 * path). A known benchmark with an unknown split is an error message.
 */
export function parseBuiltin(spec: string): BuiltinRef | { error: string } | null {
  const m = /^([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(spec);
  const benchmark = m ? findBenchmark(m[1]) : undefined;
  if (!m || !benchmark) return null;
  const splits = benchmark.splits;
  const info = splits[m[2]];
  if (!info) return { error: `"${spec}": ${m[1]} has no split "${m[2]}" (splits: ${Object.keys(splits).join(', ')})` };
  return { benchmark: m[1], split: m[2], info };
}

export function builtinPaths(ref: BuiltinRef, benchmarksDir: string): { path: string; classnames?: string } {
  const root = path.join(benchmarksDir, ref.benchmark);
  return { path: path.join(root, ref.info.path), classnames: ref.info.classnames ? path.join(root, 'classnames.txt') : undefined };
}

export function builtinSplitNames(benchmark: string): string[] {
  return Object.keys(findBenchmark(benchmark)?.splits ?? {});
}
