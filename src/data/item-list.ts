/**
 * A dataset's items, packed: about 30 bytes an image outside V8's heap instead of an object and two strings on it
 * (163 heap bytes an image measured at 100,000 images, plus the room V8 keeps for a heap that size).
 *
 * An item's id and path are stored as a shared prefix (its folder, interned once per folder) and the rest in UTF-8 in
 * one buffer; when the path ends with the same rest as the id (a file listed under its folder: ImageFolder, JSONL,
 * the adapters) the rest is stored once. Labels are an Int32Array; any-of label sets (ObjectNet) and tar locations
 * (WebDataset) are typed arrays made on first use. `get(i)` builds the item on each call: code that keeps items for
 * long keeps positions instead (a `selectItems` view, a typed array of positions), and nothing may rely on two
 * calls giving the same object.
 */
import type { DatasetItem, ItemList } from './types.js';

export type { ItemList } from './types.js';

/** An item as a dataset reader lists it; its `index` is its position in the list. */
export type ListedItem = Omit<DatasetItem, 'index'>;

type TarSource = NonNullable<DatasetItem['source']>;

interface PrefixPair {
  readonly idPrefix: string;
  readonly pathPrefix: string;
  /** The path's rest is the id's rest (stored once). */
  readonly sameTail: boolean;
}

function grown<T extends Uint32Array | Int32Array | Float64Array>(a: T, need: number, make: (n: number) => T): T {
  if (need <= a.length) return a;
  const b = make(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** Where the rest of the id starts: after its last `/`. */
function idSplit(id: string): number {
  return id.lastIndexOf('/') + 1;
}

/** Where the rest of a path whose rest differs from the id's starts: after its last separator or `#` (a tar member). */
function pathSplit(file: string): number {
  return Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'), file.lastIndexOf('#')) + 1;
}

/** Builds a packed {@link ItemList}, one item at a time in dataset order. */
export class ItemListBuilder {
  private n = 0;
  private bytes = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  private pairOf = new Uint32Array(1024);
  private idEnd = new Uint32Array(1024);
  private recordEnd = new Uint32Array(1024);
  private labels = new Int32Array(1024);
  private readonly pairs: PrefixPair[] = [];
  private readonly pairIndex = new Map<string, number>();
  private lastPair = 0;
  private labelSetOf: Int32Array | null = null;
  private readonly labelSets: (readonly number[])[] = [];
  private readonly labelSetIndex = new Map<string, number>();
  private tarOf: Int32Array | null = null;
  private offsets: Float64Array | null = null;
  private sizes: Float64Array | null = null;
  private readonly tars: string[] = [];
  private readonly tarIndex = new Map<string, number>();
  private done = false;

  get length(): number {
    return this.n;
  }

  /** Appends `item` at position `length`. */
  push(item: ListedItem): void {
    if (this.done) throw new Error('ItemListBuilder.push after finish()');
    const { id, path: file, label } = item;
    const cut = idSplit(id);
    const idTail = id.slice(cut);
    let sameTail = file.endsWith(idTail) && (file.length === idTail.length || '/\\'.includes(file[file.length - idTail.length - 1]));
    if (idTail === '') sameTail = false;
    const pathCut = sameTail ? file.length - idTail.length : pathSplit(file);
    const pair = this.pairFor(id.slice(0, cut), file.slice(0, pathCut), sameTail);
    const i = this.n;
    this.ensure(i + 1);
    this.write(idTail);
    this.idEnd[i] = this.used;
    if (!sameTail) this.write(file.slice(pathCut));
    this.recordEnd[i] = this.used;
    this.pairOf[i] = pair;
    this.labels[i] = label;
    if (item.labels !== undefined) this.setLabelSet(i, item.labels);
    if (item.source !== undefined) this.setSource(i, item.source);
    this.n++;
  }

  /** The list; the builder cannot be used after. */
  finish(): ItemList {
    this.done = true;
    const n = this.n;
    const bytes = Buffer.from(this.bytes.subarray(0, this.used)); // a copy of exactly the bytes used
    const tar = this.tarOf && this.offsets && this.sizes ? { of: this.tarOf.slice(0, n), offsets: this.offsets.slice(0, n), sizes: this.sizes.slice(0, n), tars: this.tars } : null;
    const list = new PackedItemList({
      n,
      bytes,
      pairOf: this.pairOf.slice(0, n),
      idEnd: this.idEnd.slice(0, n),
      recordEnd: this.recordEnd.slice(0, n),
      labels: this.labels.slice(0, n),
      pairs: this.pairs,
      labelSets: this.labelSetOf ? { of: this.labelSetOf.slice(0, n), sets: this.labelSets } : null,
      tar,
    });
    // The growing arrays (up to twice the list) are dropped now, not when the builder is.
    this.bytes = Buffer.alloc(0);
    this.pairOf = this.idEnd = this.recordEnd = new Uint32Array(0);
    this.labels = new Int32Array(0);
    this.labelSetOf = this.tarOf = null;
    this.offsets = this.sizes = null;
    this.pairIndex.clear();
    this.labelSetIndex.clear();
    this.tarIndex.clear();
    return list;
  }

  private pairFor(idPrefix: string, pathPrefix: string, sameTail: boolean): number {
    // Items come folder by folder: the previous item's pair, most of the time.
    const last = this.pairs.length > 0 ? this.pairs[this.lastPair] : undefined;
    if (last !== undefined && last.sameTail === sameTail && last.idPrefix === idPrefix && last.pathPrefix === pathPrefix) return this.lastPair;
    const key = `${sameTail ? 1 : 0}${idPrefix}\0${pathPrefix}`;
    let p = this.pairIndex.get(key);
    if (p === undefined) {
      p = this.pairs.length;
      this.pairs.push({ idPrefix, pathPrefix, sameTail });
      this.pairIndex.set(key, p);
    }
    this.lastPair = p;
    return p;
  }

  private ensure(count: number): void {
    if (count <= this.pairOf.length) return; // every per-item array has the same capacity
    this.pairOf = grown(this.pairOf, count, (k) => new Uint32Array(k));
    this.idEnd = grown(this.idEnd, count, (k) => new Uint32Array(k));
    this.recordEnd = grown(this.recordEnd, count, (k) => new Uint32Array(k));
    this.labels = grown(this.labels, count, (k) => new Int32Array(k));
    if (this.labelSetOf) this.labelSetOf = grown(this.labelSetOf, count, (k) => new Int32Array(k).fill(-1));
    if (this.tarOf) this.tarOf = grown(this.tarOf, count, (k) => new Int32Array(k).fill(-1));
    if (this.offsets) this.offsets = grown(this.offsets, count, (k) => new Float64Array(k));
    if (this.sizes) this.sizes = grown(this.sizes, count, (k) => new Float64Array(k));
  }

  private write(s: string): void {
    const need = this.used + Buffer.byteLength(s, 'utf8');
    if (need > this.bytes.length) {
      const b = Buffer.allocUnsafe(Math.max(need, this.bytes.length * 2));
      this.bytes.copy(b, 0, 0, this.used);
      this.bytes = b;
    }
    this.used += this.bytes.write(s, this.used, 'utf8');
  }

  private setLabelSet(i: number, labels: readonly number[]): void {
    const key = labels.join(',');
    let s = this.labelSetIndex.get(key);
    if (s === undefined) {
      s = this.labelSets.length;
      this.labelSets.push(Object.freeze([...labels]));
      this.labelSetIndex.set(key, s);
    }
    this.labelSetOf ??= new Int32Array(this.pairOf.length).fill(-1);
    this.labelSetOf[i] = s;
  }

  private setSource(i: number, source: TarSource): void {
    let t = this.tarIndex.get(source.tar);
    if (t === undefined) {
      t = this.tars.length;
      this.tars.push(source.tar);
      this.tarIndex.set(source.tar, t);
    }
    this.tarOf ??= new Int32Array(this.pairOf.length).fill(-1);
    this.offsets ??= new Float64Array(this.pairOf.length);
    this.sizes ??= new Float64Array(this.pairOf.length);
    this.tarOf[i] = t;
    this.offsets[i] = source.offset;
    this.sizes[i] = source.size;
  }
}

interface PackedParts {
  readonly n: number;
  readonly bytes: Buffer;
  readonly pairOf: Uint32Array;
  readonly idEnd: Uint32Array;
  readonly recordEnd: Uint32Array;
  readonly labels: Int32Array;
  readonly pairs: readonly PrefixPair[];
  readonly labelSets: { readonly of: Int32Array; readonly sets: readonly (readonly number[])[] } | null;
  readonly tar: { readonly of: Int32Array; readonly offsets: Float64Array; readonly sizes: Float64Array; readonly tars: readonly string[] } | null;
}

function checkPosition(position: number, length: number): void {
  if (!Number.isInteger(position) || position < 0 || position >= length) throw new RangeError(`item position ${position} is outside [0, ${length})`);
}

function sliceOf(list: ItemList, start = 0, end = list.length): DatasetItem[] {
  const from = Math.max(0, Math.min(list.length, start));
  const to = Math.max(from, Math.min(list.length, end));
  const out = new Array<DatasetItem>(to - from);
  for (let i = from; i < to; i++) out[i - from] = list.get(i);
  return out;
}

function* iterate(list: ItemList): Generator<DatasetItem> {
  for (let i = 0; i < list.length; i++) yield list.get(i);
}

class PackedItemList implements ItemList {
  readonly length: number;

  constructor(private readonly parts: PackedParts) {
    this.length = parts.n;
  }

  get(position: number): DatasetItem {
    checkPosition(position, this.length);
    const p = this.parts;
    const pair = p.pairs[p.pairOf[position]];
    const start = position === 0 ? 0 : p.recordEnd[position - 1];
    const idEnd = p.idEnd[position];
    const idTail = p.bytes.toString('utf8', start, idEnd);
    const pathTail = pair.sameTail ? idTail : p.bytes.toString('utf8', idEnd, p.recordEnd[position]);
    const item: { -readonly [K in keyof DatasetItem]: DatasetItem[K] } = { index: position, id: pair.idPrefix + idTail, path: pair.pathPrefix + pathTail, label: p.labels[position] };
    const set = p.labelSets ? p.labelSets.of[position] : -1;
    if (set >= 0 && p.labelSets) item.labels = p.labelSets.sets[set];
    const tar = p.tar ? p.tar.of[position] : -1;
    if (tar >= 0 && p.tar) item.source = { kind: 'tar', tar: p.tar.tars[tar], offset: p.tar.offsets[position], size: p.tar.sizes[position] };
    return item;
  }

  labelAt(position: number): number {
    checkPosition(position, this.length);
    return this.parts.labels[position];
  }

  slice(start?: number, end?: number): DatasetItem[] {
    return sliceOf(this, start, end);
  }

  [Symbol.iterator](): Iterator<DatasetItem> {
    return iterate(this);
  }
}

/** Every item's label, in list order (read without building the items). */
export function labelsOf(list: ItemList): Int32Array {
  const out = new Int32Array(list.length);
  for (let i = 0; i < out.length; i++) out[i] = list.labelAt(i);
  return out;
}

/** Whether any item of `list` satisfies `test` (it stops at the first). */
export function someItem(list: ItemList, test: (item: DatasetItem) => boolean): boolean {
  for (let i = 0; i < list.length; i++) if (test(list.get(i))) return true;
  return false;
}

/**
 * A packed list of `items` (a reader that has them as objects, tests). An item that has an `index` must have its
 * position as index.
 */
export function itemListOf(items: Iterable<ListedItem & { readonly index?: number }>): ItemList {
  const b = new ItemListBuilder();
  for (const it of items) {
    if (it.index !== undefined && it.index !== b.length) throw new RangeError(`item ${it.id} has index ${it.index} at position ${b.length}`);
    b.push(it);
  }
  return b.finish();
}

/**
 * The items of `list` at `positions` (ascending or not), as a list of their own: position j is `list.get(positions[j])`,
 * whose `index` stays its position in `list`.
 */
export function selectItems(list: ItemList, positions: Uint32Array): ItemList {
  for (const at of positions) checkPosition(at, list.length);
  return new SelectedItemList(list, positions);
}

class SelectedItemList implements ItemList {
  readonly length: number;

  constructor(
    private readonly parent: ItemList,
    private readonly positions: Uint32Array,
  ) {
    this.length = positions.length;
  }

  get(position: number): DatasetItem {
    checkPosition(position, this.length);
    return this.parent.get(this.positions[position]);
  }

  labelAt(position: number): number {
    checkPosition(position, this.length);
    return this.parent.labelAt(this.positions[position]);
  }

  slice(start?: number, end?: number): DatasetItem[] {
    return sliceOf(this, start, end);
  }

  [Symbol.iterator](): Iterator<DatasetItem> {
    return iterate(this);
  }
}
