/**
 * What a computation read from the store: text-cache entries (with the sha256 of their bytes) and the
 * embedding chunks its rows came from. A metric unit records it in its manifest, so a unit whose inputs
 * were since repaired or removed is recomputed, and `holoclip store gc` keeps what finished units read.
 */
export interface StoreReads {
  /** Text-cache key -> sha256 of its .npy (null: an entry written before checksums). */
  readonly text: Readonly<Record<string, string | null>>;
  /** Embedding space key -> ids of the chunks rows were read from, sorted. */
  readonly chunks: Readonly<Record<string, readonly string[]>>;
}

export class StoreReadLog {
  private active = false;
  private readonly text = new Map<string, string | null>();
  private readonly chunks = new Map<string, Set<string>>();

  /** True between start() and stop(). */
  get recording(): boolean {
    return this.active;
  }

  /** Start a new record (forgetting the previous one). */
  start(): void {
    this.active = true;
    this.text.clear();
    this.chunks.clear();
  }

  /** Stop recording; what was read since start(). */
  stop(): StoreReads {
    this.active = false;
    const sorted = <T>(entries: Iterable<[string, T]>): Array<[string, T]> => [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return {
      text: Object.fromEntries(sorted(this.text)),
      chunks: Object.fromEntries(sorted(this.chunks).map(([k, ids]) => [k, [...ids].sort()])),
    };
  }

  noteText(key: string, sha256: string | null): void {
    if (this.active) this.text.set(key, sha256);
  }

  noteChunks(spaceKey: string, ids: Iterable<string>): void {
    if (!this.active) return;
    let set = this.chunks.get(spaceKey);
    if (!set) this.chunks.set(spaceKey, (set = new Set()));
    for (const id of ids) set.add(id);
  }
}
