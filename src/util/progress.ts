/**
 * How long-running work reports progress. The pipeline calls a ProgressSink; the CLI decides how
 * to show it (a bar on a terminal, plain lines in a log). Tests use a silent sink.
 */
export interface ProgressSink {
  /** Begin a phase of `total` units (e.g. images). */
  start(label: string, total: number, unit: string): void;
  /** `done` units finished so far in the current phase. */
  update(done: number): void;
  /** End the current phase. */
  finish(): void;
  /** A line of information that must not be swallowed by the bar. */
  log(message: string): void;
  /** Optional: what the current phase is working on now (e.g. "unit 3/71: base x noto"), shown with the count. */
  detail?(text: string): void;
}

export const silentProgress: ProgressSink = {
  start() {},
  update() {},
  finish() {},
  log() {},
};
