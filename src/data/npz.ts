/**
 * numpy `.npz` archives (`numpy.savez` / `savez_compressed`): a ZIP of `.npy` members. Read through the central
 * directory (ZIP64 sizes and offsets, which numpy writes with `force_zip64`, included); members stored or deflated.
 * Used by the `scannet-pairs` adapter (LoFTR's `test.npz` and `intrinsics.npz`).
 */
import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { HoloclipError, errorMessage } from '../errors.js';
import { decodeNpy, type NpyArray } from '../store/npy.js';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_EOCD_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;

/** Every array of an `.npz` file, by member name without `.npy`. */
export async function readNpz(file: string): Promise<Map<string, NpyArray>> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new HoloclipError(`cannot read ${file}: ${errorMessage(err)}`);
  }
  return decodeNpz(buf, file);
}

export function decodeNpz(buf: Buffer, source: string): Map<string, NpyArray> {
  const bad = (what: string) => new HoloclipError(`${source} is not a readable .npz (numpy.savez) archive: ${what}`);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('no end-of-central-directory record');
  let count = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && buf.readUInt32LE(eocd - 20) === ZIP64_EOCD_LOCATOR) {
    const z = Number(buf.readBigUInt64LE(eocd - 20 + 8));
    if (buf.readUInt32LE(z) !== ZIP64_EOCD) throw bad('broken ZIP64 end record');
    count = Number(buf.readBigUInt64LE(z + 32));
    cdOffset = Number(buf.readBigUInt64LE(z + 48));
  }
  const out = new Map<string, NpyArray>();
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) throw bad('broken central directory');
    const method = buf.readUInt16LE(p + 10);
    let compressed = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    // ZIP64 extra field (id 1): the 0xffffffff fields, in the order size, compressed size, offset.
    let e = p + 46 + nameLen;
    const end = e + extraLen;
    while (e + 4 <= end) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (id === 1) {
        let q = e + 4;
        if (size === 0xffffffff) { size = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (compressed === 0xffffffff) { compressed = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (local === 0xffffffff) local = Number(buf.readBigUInt64LE(q));
      }
      e += 4 + len;
    }
    p = end + commentLen;
    if (buf.readUInt32LE(local) !== LOCAL) throw bad(`member ${name}: broken local header`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + compressed);
    let data: Buffer;
    if (method === 0) data = raw;
    else if (method === 8) data = inflateRawSync(raw);
    else throw bad(`member ${name}: compression method ${method} (only stored and deflate)`);
    if (data.length !== size) throw bad(`member ${name}: ${data.length} bytes where the directory says ${size}`);
    out.set(name.replace(/\.npy$/, ''), decodeNpy(Buffer.from(data), `${source}:${name}`));
  }
  return out;
}
