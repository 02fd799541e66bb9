/**
 * A budget shared by concurrent tasks, each holding a weight while it runs (e.g. the pixels of the image it decodes).
 * Waiters are served first come, first served, so a heavy task is not starved by light ones; a task heavier than
 * the whole budget runs alone (its weight is clamped to the capacity).
 */
export class WeightedSemaphore {
  private used = 0;
  private readonly waiters: Array<{ weight: number; wake: () => void }> = [];

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError(`WeightedSemaphore: capacity must be positive (got ${capacity})`);
  }

  /** Weight in use now (for tests and diagnostics). */
  get inUse(): number {
    return this.used;
  }

  /** Runs `fn` once `weight` fits in the budget; the weight is released when `fn` settles. */
  async run<T>(weight: number, fn: () => Promise<T>): Promise<T> {
    const w = Math.min(Math.max(0, weight), this.capacity);
    await this.acquire(w);
    try {
      return await fn();
    } finally {
      this.used -= w;
      this.drain();
    }
  }

  private acquire(weight: number): Promise<void> {
    if (this.waiters.length === 0 && this.used + weight <= this.capacity) {
      this.used += weight;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ weight, wake: resolve }));
  }

  private drain(): void {
    while (this.waiters.length > 0 && this.used + this.waiters[0].weight <= this.capacity) {
      const next = this.waiters.shift()!;
      this.used += next.weight;
      next.wake();
    }
  }
}
