/**
 * Rendered report charts, by the digest of everything a chart's SVG is a function of (its Vega-Lite spec, its id,
 * the renderer's code and the vega / vega-lite versions: see report/kit/render-svg.ts). A warm rerun of a suite whose
 * results did not change then writes its report without loading vega at all (about 0.8 s of the demo's rerun).
 *
 * `<store>/charts/<key>.json` = {"version": 1, "svg_sha256": ..., "svg": ...}, written atomically. An entry whose
 * digest does not match is removed with a warning and the chart is rendered again: the cache only saves time.
 * `holoclip store gc` leaves this folder alone; deleting it is always safe.
 */
import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isErrno, writeFileAtomic } from './atomic.js';
import { sha256 } from './hash.js';

interface ChartEntry {
  version: 1;
  svg_sha256: string;
  svg: string;
}

const KEY = /^[0-9a-f]{64}$/;

export class ChartCache {
  constructor(
    readonly dir: string,
    private readonly warn: (message: string) => void,
  ) {}

  /** The cache of the store at `storeRoot`. */
  static forStore(storeRoot: string, warn: (message: string) => void): ChartCache {
    return new ChartCache(path.join(storeRoot, 'charts'), warn);
  }

  private fileOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`chart cache key must be a hex sha256, got ${JSON.stringify(key)}`);
    return path.join(this.dir, `${key}.json`);
  }

  /** The SVG stored under `key`, or null (absent, or damaged and removed). */
  async get(key: string): Promise<string | null> {
    const file = this.fileOf(key);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
    let problem: string | null = null;
    try {
      const entry = JSON.parse(text) as Partial<ChartEntry>;
      if (entry.version !== 1 || typeof entry.svg !== 'string' || typeof entry.svg_sha256 !== 'string') problem = 'not a chart cache entry';
      else if (sha256(entry.svg) !== entry.svg_sha256) problem = 'its SVG does not match its sha256';
      else return entry.svg;
    } catch {
      problem = 'not valid JSON';
    }
    this.warn(`removed the damaged chart cache entry ${file} (${problem}); the chart is rendered again`);
    await unlink(file).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
    return null;
  }

  async put(key: string, svg: string): Promise<void> {
    const entry: ChartEntry = { version: 1, svg_sha256: sha256(svg), svg };
    await writeFileAtomic(this.fileOf(key), `${JSON.stringify(entry)}\n`);
  }
}
