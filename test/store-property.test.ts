/**
 * Property-based tests of the store (fast-check): random sequences of chunk writes, reads (from a
 * fresh reader, as another process would), byte flips, truncations and repairs, in a temp dir. Every
 * read returns exactly the rows that were written for its keys, or fails with a HoloclipError naming
 * a file that was damaged: never a silent wrong value. The same for the text cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { HoloclipError } from '../src/errors.js';
import { canonicalKey } from '../src/store/canonical-json.js';
import { EmbeddingStore } from '../src/store/embedding-store.js';
import { textMatrixPaths } from '../src/store/text-cache.js';

const META = { model: 'property', dim: 3 };
const KEY = canonicalKey(META);
const DIM = 3;
const POOL = 12;

/** The row of item `k` (what an embedding of it always is). */
function rowsFor(keys: readonly string[]): Float32Array {
  const out = new Float32Array(keys.length * DIM);
  keys.forEach((k, i) => {
    const n = Number(k.slice(4));
    for (let j = 0; j < DIM; j++) out[i * DIM + j] = (n + 1) * 0.731 + j * 0.125;
  });
  return out;
}

type Op =
  | { t: 'write'; keys: number[] }
  | { t: 'read'; keys: number[] }
  | { t: 'repair-read'; keys: number[] }
  | { t: 'flip'; file: number; pos: number; bit: number }
  | { t: 'truncate'; file: number; frac: number };

const keyList = fc.uniqueArray(fc.integer({ min: 0, max: POOL - 1 }), { minLength: 1, maxLength: 5 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: keyList.map((keys) => ({ t: 'write' as const, keys })) },
  { weight: 3, arbitrary: keyList.map((keys) => ({ t: 'read' as const, keys })) },
  { weight: 1, arbitrary: keyList.map((keys) => ({ t: 'repair-read' as const, keys })) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('flip' as const), file: fc.nat(), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('truncate' as const), file: fc.nat(), frac: fc.double({ min: 0, max: 0.999, noNaN: true }) }) },
);

const name = (n: number): string => `item${n}`;

/** True if `err` is a HoloclipError naming one of the damaged files. */
function namesDamagedFile(err: unknown, damaged: ReadonlySet<string>): boolean {
  return err instanceof HoloclipError && [...damaged].some((f) => err.message.includes(f));
}

async function runOps(ops: readonly Op[]): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holoclip-prop-'));
  try {
    const chunksDir = path.join(dir, 'embeddings', KEY, 'chunks');
    const writer = await (await EmbeddingStore.open(dir)).space(KEY, META, DIM);
    /** The model: each committed chunk (by its keys file) and the keys written into it. */
    const chunks = new Map<string, string[]>();
    const damaged = new Set<string>();
    const files = async (): Promise<string[]> => (await readdir(chunksDir)).filter((n) => n.endsWith('.npy') || n.endsWith('.keys.json')).sort().map((n) => path.join(chunksDir, n));
    /** Records the chunk a write just committed (the one keys file not known yet). */
    const noteNewChunk = async (keys: string[]): Promise<void> => {
      const fresh = (await files()).filter((f) => f.endsWith('.keys.json') && !chunks.has(f));
      assert.equal(fresh.length, 1);
      chunks.set(fresh[0], keys);
    };
    const written = (): Set<string> => new Set([...chunks.values()].flat());

    for (const op of ops) {
      if (op.t === 'write') {
        const keys = op.keys.map(name);
        await writer.appendChunk(keys, rowsFor(keys));
        await noteNewChunk(keys);
      } else if (op.t === 'read') {
        const stored = written();
        const keys = op.keys.map(name).filter((k) => stored.has(k));
        try {
          const reader = await (await EmbeddingStore.open(dir)).space(KEY, META, DIM);
          const rows = reader.getRows(keys);
          assert.deepEqual(rows, rowsFor(keys), `a read returned other rows than were written (damaged: ${[...damaged].join(', ')})`);
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          assert.ok(namesDamagedFile(err, damaged), `a read failed without naming a damaged file: ${(err as Error).message}`);
        }
      } else if (op.t === 'repair-read') {
        // As `--repair` does: damaged chunks removed, their items embedded again, then read.
        const keys = op.keys.map(name);
        const reader = await (await EmbeddingStore.open(dir, { repair: true, warn: () => undefined })).space(KEY, META, DIM);
        for (const d of reader.damagedAmong(keys)) await reader.removeChunk(d);
        const left = new Set(await files());
        for (const f of [...damaged]) if (!left.has(f)) damaged.delete(f);
        for (const f of [...chunks.keys()]) if (!left.has(f)) chunks.delete(f); // removed by the repair
        const missing = reader.missing(keys);
        if (missing.length > 0) {
          await reader.appendChunk(missing, rowsFor(missing));
          await noteNewChunk(missing);
        }
        assert.deepEqual(reader.getRows(keys), rowsFor(keys), 'a repaired read returned other rows than were written');
      } else {
        const all = await files();
        if (all.length === 0) continue;
        const file = all[op.file % all.length];
        const buf = await readFile(file);
        if (buf.length === 0) continue;
        if (op.t === 'flip') {
          buf[op.pos % buf.length] ^= 1 << op.bit;
          await writeFile(file, buf);
        } else {
          await truncate(file, Math.floor(op.frac * buf.length));
        }
        damaged.add(file);
        // The other file of the chunk is named too when the damage is found from it.
        damaged.add(file.endsWith('.npy') ? file.replace(/\.npy$/, '.keys.json') : file.replace(/\.keys\.json$/, '.npy'));
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('store property: random writes, reads, byte flips, truncations and repairs never yield a silent wrong row', { timeout: 60_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 14 }), (ops) => runOps(ops)),
    {
      numRuns: 60,
      // Found by a random seed (1150454808): two chunks hold item0 and both are damaged; the repair
      // removed only the first, and the second then served the read. Kept as a fixed example.
      examples: [[[
        { t: 'write', keys: [0] },
        { t: 'flip', file: 73174471, pos: 0, bit: 0 },
        { t: 'write', keys: [0] },
        { t: 'flip', file: 447563167, pos: 0, bit: 0 },
        { t: 'repair-read', keys: [0] },
      ]]],
    },
  );
});

test('text cache property: after random byte flips and truncations a read is the matrix written, a miss, or an error naming the file', { timeout: 60_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ json: fc.boolean(), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }), truncate: fc.boolean(), frac: fc.double({ min: 0, max: 0.999, noNaN: true }) }), { minLength: 0, maxLength: 3 }),
      async (damage) => {
        const dir = await mkdtemp(path.join(os.tmpdir(), 'holoclip-prop-text-'));
        try {
          const store = await EmbeddingStore.open(dir);
          const data = new Float32Array([0.5, -1.25, 3, 7.75, 1e-3, 42]);
          await store.putTextMatrix('k', data, [2, 3], { classnames: ['a', 'b'] });
          const files = textMatrixPaths(dir, 'k');
          for (const d of damage) {
            const file = d.json ? files.json : files.npy;
            const buf = await readFile(file);
            if (buf.length === 0) continue;
            if (d.truncate) await truncate(file, Math.floor(d.frac * buf.length));
            else {
              buf[d.pos % buf.length] ^= 1 << d.bit;
              await writeFile(file, buf);
            }
          }
          try {
            const hit = await store.getTextMatrix('k');
            if (hit !== null) {
              assert.deepEqual(hit.rows, data, 'a read returned another matrix than was written');
              assert.equal(hit.count, 2);
              assert.equal(hit.dim, 3);
            } else {
              assert.ok(damage.length > 0, 'an intact entry read as a miss');
            }
          } catch (err) {
            if (err instanceof assert.AssertionError) throw err;
            assert.ok(err instanceof HoloclipError && (err.message.includes(files.json) || err.message.includes(files.npy)), `an error without the file: ${(err as Error).message}`);
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    ),
    { numRuns: 80 },
  );
});
