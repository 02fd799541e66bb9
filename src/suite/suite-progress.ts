/**
 * One progress display for a whole suite: each phase (embedding, metrics) is a single count over all
 * its units, so the rate and the ETA are the suite's, with the unit at work shown as the detail.
 * The tasks' own progress phases are folded into that count.
 */
import type { ProgressSink } from '../util/progress.js';

/** Embedding phase: one count of images over all embedding units. */
export class EmbeddingPhaseProgress implements ProgressSink {
  private base = 0;
  private unitTotal = 0;
  private unitIndex = 0;
  private inImages = false;

  constructor(
    private readonly display: ProgressSink,
    private readonly totalImages: number,
    private readonly totalUnits: number,
  ) {}

  begin(): void {
    this.display.start('embedding', this.totalImages, 'img');
  }

  /** Before each unit (a cached unit just advances the count). */
  beginUnit(label: string, images: number): void {
    this.unitIndex++;
    this.unitTotal = images;
    this.display.detail?.(`unit ${this.unitIndex}/${this.totalUnits}: ${label}`);
  }

  endUnit(): void {
    this.base += this.unitTotal;
    this.unitTotal = 0;
    this.display.update(this.base);
  }

  end(): void {
    this.display.detail?.('');
    this.display.finish();
  }

  start(_label: string, _total: number, unit: string): void {
    // The embed pipeline's per-dataset phase becomes part of the suite count.
    this.inImages = unit === 'img';
  }

  update(done: number): void {
    if (this.inImages) this.display.update(this.base + done);
  }

  finish(): void {
    this.inImages = false;
  }

  log(message: string): void {
    this.display.log(message);
  }
}

/** Metric phase: one count of metric units; the tasks' short inner phases are not shown. */
export class MetricPhaseProgress implements ProgressSink {
  private done = 0;

  constructor(
    private readonly display: ProgressSink,
    private readonly totalUnits: number,
  ) {}

  begin(): void {
    this.display.start('metrics', this.totalUnits, 'units');
  }

  beginUnit(label: string): void {
    this.display.detail?.(label);
  }

  endUnit(): void {
    this.done++;
    this.display.update(this.done);
  }

  end(): void {
    this.display.detail?.('');
    this.display.finish();
  }

  start(): void {}
  update(): void {}
  finish(): void {}

  log(message: string): void {
    this.display.log(message);
  }
}
