/**
 * Rendered report charts, by the digest of everything a chart's SVG is a function of (its Vega-Lite spec, its id,
 * the renderer's code and the vega / vega-lite versions: see report/kit/render-svg.ts). A warm rerun of a suite whose
 * results did not change then writes its report without loading vega at all (about 0.8 s of the demo's rerun).
 *
 * `<store>/charts/<key>.json` = {"version": 1, "svg_sha256": ..., "svg": ...}, written atomically. An entry whose
 * digest does not match is removed with a warning and the chart is rendered again: the cache only saves time.
 * `holoclip store verify` checks these entries too (and `--repair` removes the damaged ones); `holoclip store gc`
 * leaves this folder alone; deleting it is always safe.
 */
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { isErrno, writeFileAtomic } from './atomic.js';
import { sha256 } from './hash.js';
import { readTextIfExists } from './json-file.js';

interface ChartEntry {
  version: 1;
  svg_sha256: string;
  svg: string;
}

const KEY = /^[0-9a-f]{64}$/;

/** The keys of the entries in a chart cache folder's listing (temp files and anything else left out). */
export function chartEntryKeys(names: readonly string[]): string[] {
  return names.filter((n) => n.endsWith('.json') && KEY.test(n.slice(0, -'.json'.length))).map((n) => n.slice(0, -'.json'.length));
}

/** A chart cache entry's text read: its SVG when the entry is valid and the SVG matches its sha256, else what is wrong. */
export function parseChartEntry(text: string): { svg: string } | { problem: string } {
  let entry: Partial<ChartEntry>;
  try {
    entry = JSON.parse(text) as Partial<ChartEntry>;
  } catch {
    return { problem: 'not valid JSON' };
  }
  if (entry.version !== 1 || typeof entry.svg !== 'string' || typeof entry.svg_sha256 !== 'string') return { problem: 'not a chart cache entry' };
  if (sha256(entry.svg) !== entry.svg_sha256) return { problem: 'its SVG does not match its sha256' };
  return { svg: entry.svg };
}

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
    const text = await readTextIfExists(file);
    if (text === undefined) return null;
    const entry = parseChartEntry(text);
    if ('svg' in entry) return entry.svg;
    this.warn(`removed the damaged chart cache entry ${file} (${entry.problem}); the chart is rendered again`);
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
