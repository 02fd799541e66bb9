/**
 * Result folders of a suite's metric units, content-addressed in the store: `<store>/units/<key>/`.
 * A unit is computed into a temp folder next to its final place and renamed into place when complete,
 * so a folder under its key is always whole (its result.json is there), a killed run leaves at worst a
 * temp folder, and two processes computing the same unit cannot mix their files (the second rename
 * loses and its copy is dropped).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TEMP_MARKER, isDeadLeftover, isErrno, tempPathFor } from './atomic.js';
import { confinedPath } from '../util/paths.js';

/** Temp folders of units older than this belong to dead processes (a unit takes seconds to minutes). */
const STALE_MS = 3600_000;

export class UnitResultStore {
  readonly root: string;

  constructor(storeRoot: string) {
    this.root = path.join(storeRoot, 'units');
  }

  dirFor(key: string): string {
    return confinedPath(this.root, key, `unit key "${key}"`);
  }

  async isDone(key: string): Promise<boolean> {
    return fs.access(path.join(this.dirFor(key), 'result.json')).then(
      () => true,
      () => false,
    );
  }

  /** Runs `write(tempDir)` and moves the folder into place; returns the final folder. */
  async compute(key: string, write: (dir: string) => Promise<void>): Promise<string> {
    const final = this.dirFor(key);
    const tmp = tempPathFor(final);
    await fs.mkdir(this.root, { recursive: true });
    try {
      await write(tmp);
      await fs.access(path.join(tmp, 'result.json'));
      try {
        await fs.rename(tmp, final);
      } catch (err) {
        // Another process put the same unit in place first: its copy is as good as ours.
        if (!(isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST'))) throw err;
        if (!(await this.isDone(key))) throw err;
      }
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
    return final;
  }

  /** Removes temp folders left by killed holoclip processes (pid not alive, and older than an hour: a shared store's writer may be on another host). */
  async removeStale(now = Date.now()): Promise<number> {
    let names: string[];
    try {
      names = await fs.readdir(this.root);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return 0;
      throw err;
    }
    let removed = 0;
    for (const name of names) {
      // Only holoclip's own temp folders (`.holoclip-tmp-<pid>-<hex>`) whose process is gone.
      if (!name.includes(TEMP_MARKER) || !isDeadLeftover(name)) continue;
      const p = path.join(this.root, name);
      const st = await fs.stat(p).catch(() => null);
      if (st && now - st.mtimeMs > STALE_MS) {
        await fs.rm(p, { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }
}
