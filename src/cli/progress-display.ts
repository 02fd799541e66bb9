/**
 * ProgressSink for the terminal: a cli-progress bar with rate and ETA on a TTY; plain,
 * timestamp-free log lines (every 10% or 15 s) when stderr is not a terminal (CI, files, pipes).
 */
import cliProgress from 'cli-progress';
import type { ProgressSink } from '../util/progress.js';

export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr, quiet = false): ProgressSink {
  if (quiet) {
    return { start() {}, update() {}, finish() {}, log: (m) => stream.write(`${m}\n`) };
  }
  return stream.isTTY ? new BarDisplay(stream) : new LineDisplay(stream);
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

class RateMeter {
  private t0 = 0;
  private first = 0;
  begin(done: number): void {
    this.t0 = performance.now();
    this.first = done;
  }
  rate(done: number): number {
    const dt = (performance.now() - this.t0) / 1000;
    return dt > 0 ? (done - this.first) / dt : 0;
  }
  elapsed(): number {
    return (performance.now() - this.t0) / 1000;
  }
}

class BarDisplay implements ProgressSink {
  private bar: cliProgress.SingleBar | null = null;
  private meter = new RateMeter();
  private total = 0;
  private started = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  start(label: string, total: number, unit: string): void {
    this.finish();
    this.total = total;
    this.started = false;
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.stream,
        format: `${label.padEnd(22)} {bar} {value}/{total} ${unit} | {rate} ${unit}/s | ETA {etaText}{detail}`,
        hideCursor: true,
        clearOnComplete: false,
        barsize: 30,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { rate: '-', etaText: '--', detail: '' });
  }

  detail(text: string): void {
    this.bar?.update({ detail: text === '' ? '' : ` | ${text}` });
  }

  update(done: number): void {
    if (!this.bar) return;
    if (!this.started) {
      // The rate counts from the first update, so cached items do not inflate it.
      this.meter.begin(done);
      this.started = true;
    }
    const rate = this.meter.rate(done);
    const eta = rate > 0 ? (this.total - done) / rate : Number.NaN;
    this.bar.update(done, { rate: rate > 0 ? rate.toFixed(1) : '-', etaText: formatEta(eta) });
  }

  finish(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
  }

  log(message: string): void {
    if (this.bar) {
      this.stream.write(`\r\x1b[K${message}\n`);
    } else {
      this.stream.write(`${message}\n`);
    }
  }
}

class LineDisplay implements ProgressSink {
  private meter = new RateMeter();
  private label = '';
  private unit = '';
  private total = 0;
  private lastPrint = 0;
  private lastDone = -1;
  private started = false;
  private lastFraction = 0;
  private startedAt = 0;
  private detailText = '';

  constructor(private readonly stream: NodeJS.WriteStream) {}

  detail(text: string): void {
    this.detailText = text;
  }

  start(label: string, total: number, unit: string): void {
    this.label = label;
    this.unit = unit;
    this.total = total;
    this.started = false;
    this.lastDone = -1;
    this.lastFraction = 0;
    this.lastPrint = performance.now();
    this.startedAt = this.lastPrint;
  }

  update(done: number): void {
    if (!this.started) {
      this.meter.begin(done);
      this.started = true;
    }
    const now = performance.now();
    const fraction = this.total > 0 ? done / this.total : 1;
    if (done === this.lastDone) return;
    if (fraction < 1 && (fraction - this.lastFraction >= 0.1 || now - this.lastPrint > 15000)) {
      this.print(done);
      this.lastFraction = fraction;
      this.lastPrint = now;
    }
    this.lastDone = done;
  }

  private print(done: number): void {
    const rate = this.meter.rate(done);
    const eta = rate > 0 ? (this.total - done) / rate : Number.NaN;
    const pct = this.total > 0 ? ((100 * done) / this.total).toFixed(0) : '100';
    this.stream.write(
      `${this.label}: ${done}/${this.total} ${this.unit} (${pct}%), ${rate > 0 ? rate.toFixed(1) : '-'} ${this.unit}/s, ETA ${formatEta(eta)}${this.detailText ? ` [${this.detailText}]` : ''}\n`,
    );
  }

  finish(): void {
    if (this.started && this.lastDone >= 0) {
      const seconds = (performance.now() - this.startedAt) / 1000;
      this.stream.write(`${this.label}: ${this.lastDone}/${this.total} ${this.unit} done in ${seconds.toFixed(1)} s\n`);
    }
    this.started = false;
  }

  log(message: string): void {
    this.stream.write(`${message}\n`);
  }
}
