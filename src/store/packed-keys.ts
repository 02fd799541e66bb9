/**
 * Item keys held compactly. An item's store key is a sha256 (64 lowercase hex characters); as a JS string that is
 * some 80 heap bytes plus the reference to it, and a 100,000-image run held several per image (the keys of a set,
 * the key -> row index of the store). Here a hex key is 32 bytes in a typed array, and a string is made only when one
 * is asked for. Any other key (tests use short names) is kept as the string it is.
 */

const HEX_KEY = /^[0-9a-f]{64}$/;
const WORDS = 8; // 32 bytes as Uint32 words

/** Writes the 32 bytes of a 64-hex key at `words[at .. at + 8)` (through `bytes`, a byte view of the same memory). */
function packInto(bytes: Buffer, at: number, key: string): void {
  bytes.write(key, at * 4, 32, 'hex');
}

/** The byte view of a Uint32Array (shares its memory). */
function byteView(words: Uint32Array): Buffer {
  return Buffer.from(words.buffer, words.byteOffset, words.byteLength);
}

/**
 * A fixed-length list of item keys, each slot empty until set: what the embedding pipeline and the sets it returns
 * hold per image (32 bytes and a state byte per hex key).
 */
export class KeyList {
  private readonly words: Uint32Array;
  private readonly bytes: Buffer;
  /** 0: empty, 1: a hex key in `words`, 2: another key, in `others`. */
  private readonly state: Uint8Array;
  private readonly others = new Map<number, string>();

  constructor(readonly length: number) {
    this.words = new Uint32Array(length * WORDS);
    this.bytes = byteView(this.words);
    this.state = new Uint8Array(length);
  }

  /** The list of `keys` (all set). */
  static of(keys: Iterable<string>): KeyList {
    const all = Array.isArray(keys) ? (keys as readonly string[]) : [...keys];
    const list = new KeyList(all.length);
    all.forEach((k, i) => list.set(i, k));
    return list;
  }

  set(i: number, key: string): void {
    this.check(i);
    if (HEX_KEY.test(key)) {
      packInto(this.bytes, i * WORDS, key);
      this.state[i] = 1;
      this.others.delete(i);
    } else {
      this.others.set(i, key);
      this.state[i] = 2;
    }
  }

  has(i: number): boolean {
    this.check(i);
    return this.state[i] !== 0;
  }

  /** The key at `i`, or undefined if none was set. */
  at(i: number): string | undefined {
    this.check(i);
    const s = this.state[i];
    if (s === 1) return this.bytes.toString('hex', i * 32, i * 32 + 32);
    return s === 2 ? this.others.get(i) : undefined;
  }

  /** The keys of slots [start, end) as strings (each slot must be set). */
  slice(start = 0, end = this.length): string[] {
    const from = Math.max(0, Math.min(start, this.length));
    const to = Math.max(from, Math.min(end, this.length));
    const out = new Array<string>(to - from);
    for (let i = from; i < to; i++) {
      const k = this.at(i);
      if (k === undefined) throw new Error(`KeyList: slot ${i} holds no key`);
      out[i - from] = k;
    }
    return out;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (let i = 0; i < this.length; i++) {
      const k = this.at(i);
      if (k === undefined) throw new Error(`KeyList: slot ${i} holds no key`);
      yield k;
    }
  }

  /** A new list of the keys at `indices` (each set), copied without making strings. */
  select(indices: ArrayLike<number>): KeyList {
    const out = new KeyList(indices.length);
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j];
      this.check(i);
      const s = this.state[i];
      if (s === 0) throw new Error(`KeyList: slot ${i} holds no key`);
      if (s === 1) out.words.set(this.words.subarray(i * WORDS, i * WORDS + WORDS), j * WORDS);
      else out.others.set(j, this.others.get(i) as string);
      out.state[j] = s;
    }
    return out;
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`KeyList: index ${i} is outside [0, ${this.length})`);
  }
}

/**
 * Item key -> row number (the first row added for it), for the rows of an embedding space: the 32 bytes of each row's
 * key in one growing Uint32Array, an open-addressing table of row numbers over them (at most half full), and a Map
 * for any key that is not 64 hex characters. Some 45 bytes per row, against about 150 for a Map of strings.
 */
export class KeyRowIndex {
  private rowWords = new Uint32Array(1024 * WORDS);
  private rowBytes = byteView(this.rowWords);
  /** Rows whose key is not hex: row -> key. */
  private readonly rowOthers = new Map<number, string>();
  private rows = 0;
  /** Slot -> row + 1 (0: empty). */
  private table = new Uint32Array(2048);
  private count = 0;
  private readonly others = new Map<string, number>();
  private readonly probe = new Uint32Array(WORDS);
  private readonly probeBytes = byteView(this.probe);

  /** Distinct keys indexed. */
  get size(): number {
    return this.count + this.others.size;
  }

  /** Number of rows recorded (indexed or not). */
  get rowCount(): number {
    return this.rows;
  }

  /**
   * Records the key of the next row (rows are numbered 0, 1, ... in the order they are added) and indexes it unless
   * its key already has a row. Returns the row number.
   */
  addRow(key: string): number {
    const row = this.rows;
    if (row === 0xfffffffe) throw new RangeError('KeyRowIndex: too many rows');
    if ((row + 1) * WORDS > this.rowWords.length) {
      const grown = new Uint32Array(this.rowWords.length * 2);
      grown.set(this.rowWords);
      this.rowWords = grown;
      this.rowBytes = byteView(grown);
    }
    this.rows++;
    if (HEX_KEY.test(key)) packInto(this.rowBytes, row * WORDS, key);
    else this.rowOthers.set(row, key);
    this.indexRow(row);
    return row;
  }

  /** The key of a recorded row. */
  keyOfRow(row: number): string {
    if (!Number.isInteger(row) || row < 0 || row >= this.rows) throw new RangeError(`KeyRowIndex: row ${row} is outside [0, ${this.rows})`);
    return this.rowOthers.get(row) ?? this.rowBytes.toString('hex', row * 32, row * 32 + 32);
  }

  /** Indexes a recorded row (after {@link clear}) unless its key already has a row. */
  indexRow(row: number): void {
    const other = this.rowOthers.get(row);
    if (other !== undefined) {
      if (!this.others.has(other)) this.others.set(other, row);
      return;
    }
    if ((this.count + 1) * 2 > this.table.length) this.grow();
    const slot = this.findSlot(this.rowWords, row * WORDS);
    if (this.table[slot] !== 0) return;
    this.table[slot] = row + 1;
    this.count++;
  }

  /** The row of `key`, or undefined. */
  get(key: string): number | undefined {
    if (!HEX_KEY.test(key)) return this.others.get(key);
    packInto(this.probeBytes, 0, key);
    const r = this.table[this.findSlot(this.probe, 0)];
    return r === 0 ? undefined : r - 1;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Forgets the index (the rows' keys stay recorded, for {@link indexRow}). */
  clear(): void {
    this.table = new Uint32Array(2048);
    this.count = 0;
    this.others.clear();
  }

  /** The slot holding the row whose key is `words[at .. at + 8)`, or the empty slot where it would go. */
  private findSlot(words: Uint32Array, at: number): number {
    const mask = this.table.length - 1;
    // sha256 bytes are uniform: their first word mixed a little is hash enough (other hex keys still work, slower).
    let slot = Math.imul(words[at] ^ words[at + 7], 0x9e3779b1) >>> 0;
    for (;;) {
      slot &= mask;
      const r = this.table[slot];
      if (r === 0) return slot;
      const base = (r - 1) * WORDS;
      const rw = this.rowWords;
      let same = true;
      for (let w = 0; w < WORDS; w++) {
        if (rw[base + w] !== words[at + w]) {
          same = false;
          break;
        }
      }
      if (same) return slot;
      slot++;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    for (const r of old) {
      if (r === 0) continue;
      this.table[this.findSlot(this.rowWords, (r - 1) * WORDS)] = r;
    }
  }
}
