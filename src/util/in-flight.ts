/**
 * Background work (file writes) that the caller does not wait for at once, at most `limit` pieces at a time: the first
 * failure is kept and thrown by the next {@link InFlight.add} or {@link InFlight.drain}, never lost or left unhandled.
 */
export class InFlight {
  private readonly running: Array<Promise<void>> = [];
  private failure: { error: unknown } | null = null;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`InFlight: limit must be a positive integer, got ${limit}`);
  }

  /** Pieces not yet settled. */
  get size(): number {
    return this.running.length;
  }

  /** Starts tracking `work`; waits for the oldest piece first when `limit` are running. Throws an earlier failure. */
  async add(work: Promise<void>): Promise<void> {
    this.throwFailure();
    const tracked: Promise<void> = work.then(
      () => this.forget(tracked),
      (error: unknown) => {
        this.failure ??= { error };
        this.forget(tracked);
      },
    );
    this.running.push(tracked);
    while (this.running.length > this.limit) await this.running[0];
    this.throwFailure();
  }

  /** Waits for every piece; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.length > 0) await this.running[0];
    this.throwFailure();
  }

  /** Waits for every piece and ignores failures (cleaning up after an error raised elsewhere). */
  async settle(): Promise<void> {
    while (this.running.length > 0) await this.running[0];
  }

  private forget(p: Promise<void>): void {
    const at = this.running.indexOf(p);
    if (at >= 0) this.running.splice(at, 1);
  }

  private throwFailure(): void {
    if (this.failure) throw this.failure.error;
  }
}
