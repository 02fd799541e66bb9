/**
 * A minimal tar writer for tests: plain ustar members, members whose name goes in a pax extended
 * header (what Python's tarfile, and so webdataset, writes by default), GNU long-name members
 * (`././@LongLink`, type 'L'), and directories. Enough to exercise every header kind the
 * WebDataset reader understands; `tar -tf` lists the result.
 */
import { promises as fs } from 'node:fs';

export interface TarEntry {
  readonly name: string;
  /** Absent for a directory entry. */
  readonly data?: Buffer;
  /** How the name is stored (default 'ustar'; a name over 100 bytes needs 'pax' or 'gnu'). */
  readonly format?: 'ustar' | 'pax' | 'gnu';
}

const BLOCK = 512;
/** 2001-09-09: a fixed member mtime keeps the archives byte-identical between runs. */
const MTIME = 1_000_000_000;

function header(name: string, size: number, type: string, magic: 'posix' | 'gnu'): Buffer {
  const h = Buffer.alloc(BLOCK);
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100) throw new Error(`tar-writer: header name over 100 bytes: ${name}`);
  nameBytes.copy(h, 0);
  const octal = (value: number, offset: number, width: number) => h.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'latin1');
  octal(type === '5' ? 0o755 : 0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(MTIME, 136, 12);
  h.write(type, 156, 1, 'latin1');
  if (magic === 'posix') h.write('ustar\x0000', 257, 8, 'latin1');
  else h.write('ustar  \x00', 257, 8, 'latin1');
  // Checksum: the byte sum with the checksum field itself counted as spaces.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return h;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, Buffer.alloc(BLOCK - rest)];
}

/** One pax record `<len> <key>=<value>\n`, where len counts the whole record including its own digits. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body, 'utf8');
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return Buffer.from(`${len}${body}`, 'utf8');
}

export function tarBytes(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const format = e.format ?? 'ustar';
    const type = e.data === undefined ? '5' : '0';
    const data = e.data ?? Buffer.alloc(0);
    const short = e.name.slice(-99).replace(/^\/+/, ''); // what a reader without extension support would see
    if (format === 'pax') {
      const rec = paxRecord('path', e.name);
      parts.push(header(`PaxHeaders/${short}`.slice(0, 100), rec.length, 'x', 'posix'), ...padded(rec));
      parts.push(header(short, data.length, type, 'posix'));
    } else if (format === 'gnu') {
      const long = Buffer.from(`${e.name}\0`, 'utf8');
      parts.push(header('././@LongLink', long.length, 'L', 'gnu'), ...padded(long));
      parts.push(header(short, data.length, type, 'gnu'));
    } else {
      parts.push(header(e.name, data.length, type, 'posix'));
    }
    if (data.length > 0) parts.push(...padded(data));
  }
  parts.push(Buffer.alloc(2 * BLOCK)); // end-of-archive marker
  return Buffer.concat(parts);
}

export async function writeTar(file: string, entries: readonly TarEntry[]): Promise<void> {
  await fs.writeFile(file, tarBytes(entries));
}
