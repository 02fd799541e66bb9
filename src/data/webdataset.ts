/**
 * CLIP_benchmark's WebDataset layout, read in place: the images stay inside the tar shards and the
 * pipeline reads each one as `size` bytes at `offset` (DatasetItem.source). Opening a dataset reads
 * only the 512-byte tar headers (and the tiny `.cls` members), skipping image data; nothing is
 * extracted.
 *
 *   <root>/classnames.txt                          one class name per line, in label order
 *   <root>/zeroshot_classification_templates.txt   optional; one template per line, `{c}` = class name
 *   <root>/<split>/0.tar, 1.tar, ...               (or the shards directly in <root>)
 *   <root>/<split>/nshards.txt                     optional; checked against the shards found
 *
 * Each shard holds samples as members `<key>.<ext>` with an image (`webp`, `png`, `jpg`, `jpeg`)
 * and `<key>.cls`, the class index as text: what clip_benchmark/datasets/builder.py
 * (`build_wds_dataset`: `.to_tuple(["webp", "png", "jpg", "jpeg"], "cls")`) reads.
 */
import type { FileHandle } from 'node:fs/promises';
import { open, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import { mapLimit } from '../util/concurrency.js';
import { readClassnames } from './classnames.js';
import { ItemListBuilder } from './item-list.js';
import type { Dataset } from './types.js';

export interface WebDatasetOptions {
  /** Sub-folder holding the shards (default "test", CLIP_benchmark's evaluation split). */
  readonly split?: string;
}

/** Image extensions in the order CLIP_benchmark's `to_tuple` tries them: a sample's first match wins. */
const IMAGE_EXTS = ['webp', 'png', 'jpg', 'jpeg'] as const;
const MAX_EXAMPLES = 5;
/** Shards scanned at once (each scan is a sequence of small reads, mostly latency). */
const SHARD_CONCURRENCY = 4;

export async function openWebDataset(root: string, options: WebDatasetOptions = {}): Promise<Dataset> {
  const abs = path.resolve(root);
  const split = options.split ?? 'test';
  const shards = await findShards(abs, split);

  const classnamesFile = path.join(abs, 'classnames.txt');
  const classnames = await readClassnames(classnamesFile);
  const templates = await readTemplates(path.join(abs, 'zeroshot_classification_templates.txt'));

  const scanned = await mapLimit(shards.files, SHARD_CONCURRENCY, (file) => scanShard(file));
  const list = new ItemListBuilder();
  const examples: string[] = [];
  let hidden = 0;
  let nonImage = 0;
  let unlabelled = 0;
  for (let s = 0; s < shards.files.length; s++) {
    const tar = shards.files[s];
    const shardName = path.basename(tar);
    const scan = scanned[s];
    hidden += scan.hidden;
    for (const sample of groupSamples(scan.members)) {
      const id = `${shardName}/${sample.key.replace(/^(\.\/)+/, '')}`;
      const image = IMAGE_EXTS.map((ext) => sample.members.get(ext)).find((m) => m !== undefined);
      if (!image) {
        nonImage++;
        if (examples.length < MAX_EXAMPLES) examples.push(id);
        continue;
      }
      const cls = sample.members.get('cls');
      if (!cls || cls.text === undefined) {
        unlabelled++;
        if (examples.length < MAX_EXAMPLES) examples.push(id);
        continue;
      }
      const label = parseClassIndex(cls.text, `${tar}#${cls.name}`, classnames.length, classnamesFile);
      list.push({ id, path: `${tar}#${image.name}`, label, source: { kind: 'tar', tar, offset: image.offset, size: image.size } });
    }
  }
  const items = list.finish();
  if (items.length === 0) {
    throw new HoloclipError(`empty dataset: the ${shards.files.length} shard(s) of ${shards.dir} hold no sample with an image (${IMAGE_EXTS.join(', ')}) and a .cls label`);
  }
  const notes: Record<string, string | number> = { shards: shards.files.length, shards_dir: shards.dir };
  if (unlabelled > 0) notes.samples_without_cls = unlabelled;
  return {
    kind: 'jsonl', // a listing with explicit labels, like a manifest (adapter.type says which layout)
    root: abs,
    source: abs,
    classnames,
    classnamesSource: classnamesFile,
    items,
    skipped: { hidden, nonImage, examples },
    adapter: { type: 'webdataset', ...(templates ? { templates } : {}), notes },
  };
}

/** `<root>/<split>/*.tar`, else `<root>/*.tar`; in natural order, so `10.tar` follows `9.tar` as in CLIP_benchmark's `{0..n-1}.tar`. */
async function findShards(root: string, split: string): Promise<{ dir: string; files: string[] }> {
  let rootEntries: string[];
  try {
    rootEntries = await readdir(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HoloclipError(`WebDataset folder ${root} does not exist`, { cause: err });
    if (code === 'ENOTDIR') throw new HoloclipError(`WebDataset path ${root} is not a folder; expected a folder with classnames.txt and ${split}/*.tar shards`, { cause: err });
    throw new HoloclipError(`cannot read WebDataset folder ${root}: ${(err as Error).message}`, { cause: err });
  }
  const tarsIn = async (dir: string): Promise<string[]> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    return names.filter((n) => n.toLowerCase().endsWith('.tar') && !n.startsWith('.')).sort(naturalCompare).map((n) => path.join(dir, n));
  };
  const splitDir = path.join(root, split);
  let dir = splitDir;
  let files = await tarsIn(splitDir);
  if (files.length === 0) {
    dir = root;
    files = await tarsIn(root);
  }
  if (files.length === 0) {
    const splits = rootEntries.filter((n) => !n.startsWith('.') && !n.includes('.')).join(', ');
    throw new HoloclipError(`WebDataset folder ${root} has no shards: expected ${split}/*.tar${splits ? ` (sub-folders: ${splits})` : ''}`);
  }
  // nshards.txt (written by CLIP_benchmark's converter) catches an incomplete download.
  try {
    const expected = Number.parseInt((await readFile(path.join(dir, 'nshards.txt'), 'utf8')).trim(), 10);
    if (Number.isInteger(expected) && expected !== files.length) {
      throw new HoloclipError(`WebDataset split ${dir} has ${files.length} shard(s) but its nshards.txt says ${expected}; is the download incomplete?`);
    }
  } catch (err) {
    if (err instanceof HoloclipError) throw err;
  }
  return { dir, files };
}

/** Compare names with digit runs as numbers ("2.tar" < "10.tar"), else by code point. */
function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

async function readTemplates(file: string): Promise<string[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HoloclipError(`cannot read templates file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const templates = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  templates.forEach((t, i) => {
    // CLIP_benchmark formats them with `template.format(c=classname)`: `{c}`, this project's placeholder too.
    if (!t.includes('{c}')) throw new HoloclipError(`${file}: template ${i + 1} "${t}" has no {c} placeholder for the class name`);
  });
  return templates.length > 0 ? templates : undefined;
}

function parseClassIndex(text: string, where: string, numClasses: number, classnamesFile: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new HoloclipError(`${where}: expected a class index, found ${JSON.stringify(t.slice(0, 40))}`);
  const label = Number(t);
  if (label >= numClasses) throw new HoloclipError(`${where}: class index ${label} is out of range: ${classnamesFile} has ${numClasses} names`);
  return label;
}

// ---------------------------------------------------------------------------------------------
// Tar headers

/** A regular-file member: its full name and where its data lies in the tar. */
export interface TarMember {
  readonly name: string;
  /** Byte offset of the data (just after the member's header). */
  readonly offset: number;
  readonly size: number;
  /** The content, for `.cls` members only (a few bytes; read while scanning). */
  readonly text?: string;
}

interface ShardScan {
  readonly members: TarMember[];
  /** Members whose base name starts with "." (e.g. macOS `._x.png`); webdataset ignores them too. */
  readonly hidden: number;
}

const BLOCK = 512;
/** Read-ahead window: small members' headers then come out of one read, large members are skipped by seeking. */
const WINDOW = 64 * 1024;
/** Largest `.cls` or extended header read into memory (they are a few bytes; anything bigger is not ours). */
const MAX_SMALL = 1 << 20;

/** Positional reads through a read-ahead window; never holds more than WINDOW bytes of the tar. */
class WindowReader {
  private buf = Buffer.alloc(WINDOW);
  private start = 0;
  private end = 0;

  constructor(private readonly handle: FileHandle) {}

  /** `length` bytes at `pos` (fewer at end of file). The result is only valid until the next call. */
  async read(pos: number, length: number): Promise<Buffer> {
    if (pos >= this.start && pos + length <= this.end) return this.buf.subarray(pos - this.start, pos - this.start + length);
    if (length > this.buf.length) this.buf = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(this.buf, 0, this.buf.length, pos);
    this.start = pos;
    this.end = pos + bytesRead;
    return this.buf.subarray(0, Math.min(length, bytesRead));
  }
}

/** All regular-file members of one tar, in tar order, by scanning headers (ustar, GNU long names, pax). */
export async function scanShard(tar: string): Promise<ShardScan> {
  let handle: FileHandle;
  try {
    handle = await open(tar, 'r');
  } catch (err) {
    throw new HoloclipError(`cannot open shard ${tar}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const fileSize = (await handle.stat()).size;
    const reader = new WindowReader(handle);
    const members: TarMember[] = [];
    let hidden = 0;
    // Pending overrides for the next header, from a GNU 'L' member or a pax 'x' header.
    let longName: string | undefined;
    let paxPath: string | undefined;
    let paxSize: number | undefined;
    let pos = 0;
    while (pos + BLOCK <= fileSize) {
      const header = Buffer.from(await reader.read(pos, BLOCK)); // copied: data reads below reuse the window
      if (header.every((b) => b === 0)) break; // end-of-archive marker
      const where = `${tar} at byte ${pos}`;
      verifyChecksum(header, where);
      const type = String.fromCharCode(header[156] || 0x30); // '\0' is an old-style regular file
      const size = paxSize ?? parseNumber(header.subarray(124, 136), where);
      const dataPos = pos + BLOCK;
      const next = dataPos + Math.ceil(size / BLOCK) * BLOCK;
      if (dataPos + size > fileSize) throw new HoloclipError(`shard ${tar} is truncated: a member at byte ${pos} needs ${size} bytes, the file ends at ${fileSize}`);
      const readSmall = async (): Promise<Buffer> => {
        if (size > MAX_SMALL) throw new HoloclipError(`shard ${tar}: a ${size}-byte extended header at byte ${pos} is not plausible`);
        return Buffer.from(await reader.read(dataPos, size));
      };
      if (type === 'L') {
        longName = cString(await readSmall());
      } else if (type === 'x') {
        const rec = parsePax(await readSmall(), where);
        if (rec.path !== undefined) paxPath = rec.path;
        if (rec.size !== undefined) paxSize = rec.size;
      } else if (type === 'g' || type === 'K') {
        // Global pax defaults (a path there would be meaningless) and GNU long link names: not needed.
      } else {
        const name = paxPath ?? longName ?? ustarName(header);
        if (type === '0' || type === '7') {
          const base = name.slice(name.lastIndexOf('/') + 1);
          if (base.startsWith('.')) {
            hidden++;
          } else {
            const text = base.toLowerCase().endsWith('.cls') && size <= MAX_SMALL ? (await reader.read(dataPos, size)).toString('utf8') : undefined;
            members.push({ name, offset: dataPos, size, ...(text === undefined ? {} : { text }) });
          }
        }
        // Directories, links, devices: no sample data.
        longName = undefined;
        paxPath = undefined;
        paxSize = undefined;
      }
      pos = next;
    }
    return { members, hidden };
  } finally {
    await handle.close();
  }
}

function cString(buf: Buffer): string {
  const nul = buf.indexOf(0);
  return buf.subarray(0, nul < 0 ? buf.length : nul).toString('utf8');
}

/** POSIX ustar joins `prefix/name`; GNU tar ("ustar  ") uses the prefix bytes for other fields. */
function ustarName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  const posix = header.subarray(257, 263).toString('latin1') === 'ustar\0';
  const prefix = posix ? cString(header.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

/** Octal ASCII, or GNU base-256 (high bit of the first byte set) for sizes of 8 GiB and more. */
function parseNumber(field: Buffer, where: string): number {
  if (field[0] & 0x80) {
    let v = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i];
    return v;
  }
  const s = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new HoloclipError(`not a tar file or corrupt: bad number field "${s}" in the header at ${where}`);
  return Number.parseInt(s, 8);
}

function verifyChecksum(header: Buffer, where: string): void {
  const stored = parseNumber(header.subarray(148, 156), where);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  if (sum !== stored) throw new HoloclipError(`not a tar file or corrupt: header checksum mismatch at ${where}`);
}

/** pax records `<len> <key>=<value>\n` (len counts the whole record, in bytes). Only path and size matter here. */
function parsePax(data: Buffer, where: string): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number.parseInt(data.subarray(i, sp).toString('latin1'), 10);
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) throw new HoloclipError(`corrupt pax header at ${where}`);
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8'); // drop the trailing newline
    const eq = rec.indexOf('=');
    const key = rec.slice(0, eq);
    const value = rec.slice(eq + 1);
    if (key === 'path') out.path = value;
    else if (key === 'size') {
      out.size = Number(value);
      if (!Number.isSafeInteger(out.size) || out.size < 0) throw new HoloclipError(`corrupt pax header at ${where}: size=${value}`);
    }
    i += len;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Samples

interface Sample {
  readonly key: string;
  /** Lower-cased extension (everything after the first dot of the base name) -> member. */
  readonly members: Map<string, TarMember>;
}

/**
 * Consecutive members with the same key form a sample, as webdataset's `group_by_keys` does: the
 * key is the name up to the first dot of its base name, the extension the rest, lower-cased.
 * Members without an extension are ignored (webdataset drops them too).
 */
function groupSamples(members: readonly TarMember[]): Sample[] {
  const samples: Sample[] = [];
  let current: { key: string; members: Map<string, TarMember> } | null = null;
  for (const m of members) {
    const slash = m.name.lastIndexOf('/');
    const dot = m.name.indexOf('.', slash + 1);
    if (dot <= slash + 1) continue;
    const key = m.name.slice(0, dot);
    const ext = m.name.slice(dot + 1).toLowerCase();
    if (!current || current.key !== key) {
      current = { key, members: new Map() };
      samples.push(current);
    }
    if (!current.members.has(ext)) current.members.set(ext, m);
  }
  return samples;
}

