/**
 * Result folders of a suite's metric units, content-addressed in the store: `<store>/units/<key>/`.
 * A unit is computed into a temp folder next to its final place and renamed into place when complete,
 * so a folder under its key is always whole (its result.json is there), a killed run leaves at worst a
 * temp folder, and two processes computing the same unit cannot mix their files (the second rename
 * loses and its copy is dropped).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../errors.js';
import { TEMP_MARKER, isDeadLeftover, isErrno, tempPathFor } from './atomic.js';
import { confinedPath } from '../util/paths.js';

export type UnitState = 'done' | 'missing' | 'partial';

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
    return (await this.state(key)) === 'done';
  }

  /**
   * `done`: the unit's folder has its result.json; `missing`: no folder; `partial`: a folder without
   * result.json (left by a run killed mid-unit by an older holoclip, or by hand): not done, and
   * {@link compute} replaces it.
   */
  async state(key: string): Promise<UnitState> {
    const dir = this.dirFor(key);
    try {
      await fs.access(path.join(dir, 'result.json'));
      return 'done';
    } catch {
      return (await fs.stat(dir).catch(() => null)) === null ? 'missing' : 'partial';
    }
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
        if (!(isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST'))) throw err;
        // Another process put the same unit in place first: its copy is as good as ours.
        // A half-written folder (no result.json) is moved aside and ours takes its place.
        if ((await this.state(key)) !== 'done') await this.replacePartial(final, tmp);
      }
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
    return final;
  }

  /**
   * Puts `tmp` in place of the half-written folder `final`: renames the leftover to a temp name
   * (removed right after, or by {@link removeStale} if we are killed), then `tmp` into place. If another
   * process completes the unit meanwhile, its whole copy is kept.
   */
  private async replacePartial(final: string, tmp: string): Promise<void> {
    const aside = tempPathFor(final);
    try {
      await fs.rename(final, aside);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw new HoloclipError(`cannot move the half-written unit folder ${final} aside (${errorMessage(err)}); delete it and rerun`, { cause: err });
    }
    try {
      await fs.rename(tmp, final);
    } catch (err) {
      if (!((isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST')) && (await fs.access(path.join(final, 'result.json')).then(() => true, () => false)))) throw err;
    } finally {
      await fs.rm(aside, { recursive: true, force: true });
    }
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
