import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { HoloclipError } from '../errors.js';
import { AtomicWriter, writeChunksAtomic } from './atomic.js';

/**
 * NumPy `.npy` (format v1.0 written; v1/v2/v3 read) for little-endian, C-order arrays of
 * float32, float64, int32, int64 and uint8. Headers are laid out byte-for-byte like numpy's
 * (data starts at a multiple of 64 bytes), so `np.load` reads our files and we read numpy's.
 */
export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';
export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** Row-major (C order) elements. May share memory with the buffer it was decoded from. */
  data: NpyData;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // "\x93NUMPY"
const ARRAY_ALIGN = 64;
/** numpy leaves room to grow the first axis in place: 21 digits minus the current length. */
const GROWTH_AXIS_MAX_DIGITS = 21;

const DESCR_OF: Record<NpyDtype, string> = {
  float32: '<f4',
  float64: '<f8',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
};
const ITEM_SIZE: Record<NpyDtype, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1 };
const DTYPE_OF_DESCR: Record<string, NpyDtype> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<i4': 'int32',
  '<i8': 'int64',
  '|u1': 'uint8',
  '<u1': 'uint8',
  '>u1': 'uint8',
  '=u1': 'uint8',
};

function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new Error('holoclip .npy support needs a little-endian host');
}

export function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Uint8Array) return 'uint8';
  throw new TypeError('unsupported typed array for .npy (expected Float32Array, Float64Array, Int32Array, BigInt64Array or Uint8Array)');
}

function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`invalid .npy shape (${shape.join(', ')})`);
    n *= d;
  }
  return n;
}

function pythonTupleRepr(shape: readonly number[]): string {
  if (shape.length === 0) return '()';
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** The complete v1.0 header (magic .. trailing newline) numpy writes for this dtype and shape. */
export function encodeNpyHeader(dtype: NpyDtype, shape: readonly number[]): Buffer {
  let dict = `{'descr': '${DESCR_OF[dtype]}', 'fortran_order': False, 'shape': ${pythonTupleRepr(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const hlen = dict.length + 1; // + '\n'
  const padlen = ARRAY_ALIGN - ((MAGIC.length + 2 + 2 + hlen) % ARRAY_ALIGN);
  const headerText = `${dict}${' '.repeat(padlen)}\n`;
  if (headerText.length > 0xffff) throw new RangeError('.npy header too long for format v1.0');
  const out = Buffer.alloc(MAGIC.length + 4 + headerText.length);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(headerText.length, 8);
  out.write(headerText, 10, 'latin1');
  return out;
}

/** Byte length of a `.npy` file {@link encodeNpy} writes for this dtype and shape. */
export function npyByteLength(dtype: NpyDtype, shape: readonly number[]): number {
  return encodeNpyHeader(dtype, shape).length + shapeSize(shape) * ITEM_SIZE[dtype];
}

/** Encode a C-order array as a `.npy` v1.0 file. `shape`'s product must equal `data.length`. */
export function encodeNpy(data: NpyData, shape: readonly number[]): Buffer {
  const { header, body } = npyParts(data, shape);
  return Buffer.concat([header, body], header.length + body.length);
}

/** The header of {@link encodeNpy}'s file and a view of `data`'s bytes (the file is their concatenation). */
function npyParts(data: NpyData, shape: readonly number[]): { header: Buffer; body: Buffer } {
  assertLittleEndianHost();
  const n = shapeSize(shape);
  if (n !== data.length) {
    throw new RangeError(`.npy shape (${shape.join(', ')}) holds ${n} elements but the data has ${data.length}`);
  }
  return { header: encodeNpyHeader(dtypeOf(data), shape), body: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
}

/** The header of a `.npy` buffer: element type descriptor, memory order, shape and where the data begins. */
export interface NpyHeader {
  /** numpy's dtype descriptor, e.g. `<f4`; undefined for a structured or unreadable one. */
  descr: string | undefined;
  fortran: boolean;
  shape: number[];
  dataStart: number;
}

/**
 * Parse a `.npy` header (formats 1-3). `bad(what)` builds the error for a malformed buffer, so
 * callers that read other dtypes (16-bit depth maps) word their errors as `decodeNpy` does.
 */
export function parseNpyHeader(buf: Buffer, bad: (what: string) => Error): NpyHeader {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw bad('missing \\x93NUMPY magic');
  const major = buf[6];
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw bad('truncated header');
    headerLen = buf.readUInt32LE(8);
    headerStart = 12;
  } else {
    throw bad(`unsupported format version ${major}.${buf[7]}`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > buf.length) throw bad('truncated header');
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', headerStart, dataStart);

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (fortran === undefined || shapeText === undefined) throw bad('header lacks fortran_order or shape');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(v) || v < 0) throw bad(`bad shape (${shapeText})`);
      return v;
    });
  return { descr, fortran: fortran === 'True', shape, dataStart };
}

/**
 * Decode a `.npy` buffer. `source` (a file name) is used in error messages. The returned data
 * is a view on `buf` when alignment allows, otherwise a copy.
 */
export function decodeNpy(buf: Buffer, source = '.npy data'): NpyArray {
  assertLittleEndianHost();
  const bad = (what: string): HoloclipError =>
    new HoloclipError(`${source} is not a valid .npy file: ${what}; re-create it (e.g. with numpy.save)`);
  const { descr, fortran, shape, dataStart } = parseNpyHeader(buf, bad);
  if (descr === undefined) {
    throw new HoloclipError(`${source}: unsupported .npy dtype (structured or unreadable descr); expected one of float32, float64, int32, int64, uint8`);
  }
  const dtype = DTYPE_OF_DESCR[descr];
  if (dtype === undefined) {
    const hint = descr.startsWith('>') ? ' (big-endian; save it as little-endian, e.g. arr.astype(arr.dtype.newbyteorder("<")))' : '';
    throw new HoloclipError(`${source}: unsupported .npy dtype '${descr}'${hint}; expected one of float32, float64, int32, int64, uint8 (little-endian)`);
  }
  if (fortran) {
    throw new HoloclipError(`${source}: Fortran-order .npy arrays are not supported; save a C-order copy (numpy.ascontiguousarray)`);
  }
  const count = shapeSize(shape);
  const byteLength = count * ITEM_SIZE[dtype];
  if (buf.length - dataStart !== byteLength) {
    throw bad(`shape (${shape.join(', ')}) needs ${byteLength} data bytes but the file has ${buf.length - dataStart}`);
  }
  return { dtype, shape, data: typedView(dtype, buf, dataStart, count) };
}

function typedView(dtype: NpyDtype, buf: Buffer, start: number, count: number): NpyData {
  const offset = buf.byteOffset + start;
  const aligned = offset % ITEM_SIZE[dtype] === 0;
  const ab = aligned ? buf.buffer : buf.buffer.slice(offset, offset + count * ITEM_SIZE[dtype]);
  const off = aligned ? offset : 0;
  switch (dtype) {
    case 'float32':
      return new Float32Array(ab, off, count);
    case 'float64':
      return new Float64Array(ab, off, count);
    case 'int32':
      return new Int32Array(ab, off, count);
    case 'int64':
      return new BigInt64Array(ab, off, count);
    case 'uint8':
      return new Uint8Array(ab, off, count);
  }
}

/** Atomically write a `.npy` file (temp file + fsync + rename). */
export async function writeNpyAtomic(file: string, data: NpyData, shape: readonly number[]): Promise<void> {
  const { header, body } = npyParts(data, shape);
  await writeChunksAtomic(file, [header, body]); // the data's own bytes, not a copy of them
}

/**
 * A `.npy` file written block by block (C order: rows of the first axis as they are computed), atomically: the same
 * bytes {@link writeNpyAtomic} writes for the whole array, without ever holding it. The shape is fixed when it is
 * opened; {@link commit} checks that exactly that many elements came, else removes the temp file and throws.
 */
export class NpyStreamWriter {
  private written = 0;

  private constructor(
    private readonly writer: AtomicWriter,
    readonly dtype: NpyDtype,
    readonly shape: readonly number[],
    private readonly total: number,
  ) {}

  static async open(file: string, dtype: NpyDtype, shape: readonly number[]): Promise<NpyStreamWriter> {
    assertLittleEndianHost();
    const total = shapeSize(shape);
    const header = encodeNpyHeader(dtype, shape);
    const writer = await AtomicWriter.open(file);
    try {
      await writer.write(header);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return new NpyStreamWriter(writer, dtype, shape, total);
  }

  /** Append the next elements (their own bytes, no copy). */
  async append(data: NpyData): Promise<void> {
    if (dtypeOf(data) !== this.dtype) throw new TypeError(`${this.writer.file}: appending ${dtypeOf(data)} to a ${this.dtype} .npy`);
    if (this.written + data.length > this.total) {
      throw new RangeError(`${this.writer.file}: .npy shape (${this.shape.join(', ')}) holds ${this.total} elements; appending ${data.length} after ${this.written} passes it`);
    }
    this.written += data.length;
    await this.writer.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  async commit(): Promise<void> {
    if (this.written !== this.total) {
      await this.writer.abort();
      throw new RangeError(`${this.writer.file}: .npy shape (${this.shape.join(', ')}) holds ${this.total} elements but ${this.written} were written`);
    }
    await this.writer.commit();
  }

  async abort(): Promise<void> {
    await this.writer.abort();
  }
}

/** Read and decode a `.npy` file; errors name the file. */
export async function readNpy(file: string): Promise<NpyArray> {
  return decodeNpy(await readFile(file), file);
}

/** Narrow a decoded array to float32 [rows, cols], or throw an error naming `source`. */
export function expectFloat32Matrix(arr: NpyArray, source: string): { data: Float32Array; rows: number; cols: number } {
  if (arr.dtype !== 'float32' || arr.shape.length !== 2 || !(arr.data instanceof Float32Array)) {
    throw new HoloclipError(`${source}: expected a float32 2-D .npy array, found ${arr.dtype} with shape (${arr.shape.join(', ')})`);
  }
  return { data: arr.data, rows: arr.shape[0], cols: arr.shape[1] };
}
