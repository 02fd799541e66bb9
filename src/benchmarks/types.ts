/** What a benchmark built from packaged sources declares: how to build it and the splits it has. */
import type { DatasetRole } from '../data/types.js';
import type { ProgressSink } from '../util/progress.js';

export interface BenchmarkBuildOptions {
  out: string;
  seed?: number;
  force?: boolean;
  progress?: ProgressSink;
}

/** A split of a built benchmark folder, as suites name it (`<benchmark>/<split>`). */
export interface BenchmarkSplit {
  /** Path inside the built benchmark folder. */
  readonly path: string;
  readonly role: DatasetRole;
  /** Whether the split's labels need the benchmark's classnames.txt. */
  readonly classnames: boolean;
}
