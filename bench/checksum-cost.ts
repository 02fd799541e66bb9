/**
 * The cost of the store's checksums, measured on a real store: the sha256 of the bytes a run hashes
 * (every embedding chunk's .npy and text-cache .npy it writes or reads, every file of the metric unit
 * folders it checks), timed over the bytes in memory (a run reads them anyway), best of three.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface ChecksumCost {
  readonly files: number;
  readonly bytes: number;
  /** Seconds to sha256 all the bytes once. */
  readonly seconds: number;
}

async function walk(dir: string, keep: (file: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p, keep)));
    else if (e.isFile() && keep(p) && !e.name.includes('.holoclip-tmp-')) out.push(p);
  }
  return out;
}

/** The store's files a run hashes: `parts` picks embedding chunks, text-cache matrices and unit folders. */
export async function checksumCost(store: string, parts: { chunks?: boolean; text?: boolean; units?: boolean } = { chunks: true, text: true, units: true }): Promise<ChecksumCost> {
  const files = [
    ...(parts.chunks ? await walk(path.join(store, 'embeddings'), (f) => f.endsWith('.npy')) : []),
    ...(parts.text ? await walk(path.join(store, 'text'), (f) => f.endsWith('.npy')) : []),
    ...(parts.units ? await walk(path.join(store, 'units'), () => true) : []),
  ];
  const buffers = await Promise.all(files.map((f) => fs.readFile(f)));
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    for (const b of buffers) createHash('sha256').update(b).digest('hex');
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return { files: files.length, bytes: buffers.reduce((n, b) => n + b.length, 0), seconds: best };
}
