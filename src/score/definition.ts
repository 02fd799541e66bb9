/**
 * What one `holoclip score <metric>` is: its name, the flags it reads, and how it turns files into
 * a result envelope (model: null, inputs recorded under conventions.inputs). The CLI builds the
 * command from these definitions; nothing here knows about commander.
 */
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import type { ResultEnvelope } from '../tasks/result-envelope.js';
import { HOLOCLIP_VERSION } from '../util/version.js';

/**
 * How a flag's value is parsed (the CLI maps each kind to its parser); absent: the string as given,
 * or `true` for a flag without a value.
 *   positive-int, non-negative-int, number: one number, checked;
 *   list: comma-separated strings; positive-int-list: comma-separated positive integers;
 *   repeatable: each occurrence appended to an array.
 */
export type ScoreOptionValue = 'positive-int' | 'non-negative-int' | 'number' | 'list' | 'positive-int-list' | 'repeatable';

/** One flag of `holoclip score`, in commander's spelling (e.g. `--bins <n>`). */
export interface ScoreOption {
  readonly flags: string;
  readonly description: string;
  readonly value?: ScoreOptionValue;
  readonly choices?: readonly string[];
  readonly default?: string | number;
}

export interface ScoreMetricDefinition<I> {
  /** The `<metric>` argument, and the task name `score:<name>`. */
  readonly name: string;
  readonly description: string;
  /** The flags this metric reads; a flag several metrics read is the same ScoreOption object in each. */
  readonly options: readonly ScoreOption[];
  run(inputs: I): Promise<ResultEnvelope<unknown>>;
}

/** A flag the metric cannot do without: `score <metric> needs <flag>` when it is missing. */
export function need<T>(value: T | undefined, flag: string, metric: string): T {
  if (value === undefined) throw new HoloclipError(`score ${metric} needs ${flag}`);
  return value;
}

/** An input path as recorded in the envelope: absolute, or undefined when the flag was not given. */
export function absPath(file: string | undefined): string | undefined {
  return file === undefined ? undefined : path.resolve(file);
}

export function scoreEnvelope<M>(metric: string, metrics: M, conventions: Record<string, unknown>, inputs: Record<string, unknown>): ResultEnvelope<M> {
  return {
    task: `score:${metric}`,
    holoclip_version: HOLOCLIP_VERSION,
    created: new Date().toISOString(),
    model: null,
    metrics,
    conventions: { ...conventions, inputs },
  };
}
