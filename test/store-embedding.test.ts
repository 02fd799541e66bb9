import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { HoloclipError } from '../src/errors.js';
import { canonicalKey } from '../src/store/canonical-json.js';
import { EmbeddingStore, STALE_MS } from '../src/store/embedding-store.js';
import { StoreDamageError } from '../src/store/integrity.js';
import { sha256 } from '../src/store/hash.js';
import { encodeNpy } from '../src/store/npy.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const META = { model: 'tiny-clip', dtype: 'fp32', preprocess: 'resize 224 bicubic, center crop', tower: 'vision' };
const KEY = canonicalKey(META);
const DIM = 4;
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-emb-');

/** Deterministic rows: the row for key k is [h, h+1, ...] with h derived from k. */
function rowsFor(keys: readonly string[], dim = DIM): Float32Array {
  const out = new Float32Array(keys.length * dim);
  keys.forEach((k, i) => {
    const h = parseInt(sha256(k).slice(0, 6), 16) / 1e3;
    for (let j = 0; j < dim; j++) out[i * dim + j] = h + j;
  });
  return out;
}

const keysOf = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const chunksDir = (root: string): string => path.join(root, 'embeddings', KEY, 'chunks');

async function backdate(file: string, ms: number): Promise<void> {
  const t = new Date(Date.now() - ms);
  await utimes(file, t, t);
}

test('embedding store: append, lookup in any order, meta.json, missing dedupes', () =>
  withTempDir(async (dir) => {
    const store = await EmbeddingStore.open(dir);
    const space = await store.space(KEY, META, DIM);
    assert.equal(space.size, 0);
    await space.appendChunk(['a', 'b', 'c'], rowsFor(['a', 'b', 'c']));
    assert.equal(space.size, 3);
    assert.ok(space.has('b') && !space.has('z'));
    assert.deepEqual(space.getRows(['c', 'a', 'c']), rowsFor(['c', 'a', 'c']));
    assert.deepEqual(space.getRows([]), new Float32Array(0));
    assert.deepEqual(space.missing(['a', 'x', 'y', 'x', 'b', 'y']), ['x', 'y']);
    assert.throws(() => space.getRows(['a', 'nope']), /lacks 1 of the 2 requested items \(first: nope\)/);
    await assert.rejects(space.appendChunk(['q'], new Float32Array(3)), /need 4 floats/);
    const meta = JSON.parse(await readFile(path.join(dir, 'embeddings', KEY, 'meta.json'), 'utf8'));
    assert.deepEqual(meta, { spaceKey: KEY, dim: DIM, meta: META });
    const files = await readdir(chunksDir(dir));
    assert.equal(files.length, 2);
    assert.ok(files.some((f) => f.endsWith('.keys.json')) && files.some((f) => f.endsWith('.npy')));
  }));

test('embedding store: the caller may reuse its rows buffer after appendChunk', () =>
  withTempDir(async (dir) => {
    const space = await (await EmbeddingStore.open(dir)).space(KEY, META, DIM);
    const buf = rowsFor(['a']);
    await space.appendChunk(['a'], buf);
    buf.fill(0);
    assert.deepEqual(space.getRows(['a']), rowsFor(['a']));
  }));

test('embedding store: resume — reopen sees earlier chunks, missing lists only the rest', () =>
  withTempDir(async (dir) => {
    const all = keysOf('img', 10);
    let space = await (await EmbeddingStore.open(dir)).space(KEY, META, DIM);
    await space.appendChunk(all.slice(0, 3), rowsFor(all.slice(0, 3)));
    await space.appendChunk(all.slice(3, 6), rowsFor(all.slice(3, 6)));
    space = await (await EmbeddingStore.open(dir)).space(KEY, META, DIM);
    assert.equal(space.size, 6);
    assert.deepEqual(space.missing(all), all.slice(6));
    assert.deepEqual(space.getRows(all.slice(0, 6).reverse()), rowsFor(all.slice(0, 6).reverse()));
  }));

test('embedding store: duplicates across chunks are harmless, first chunk wins', () =>
  withTempDir(async (dir) => {
    const space = await (await EmbeddingStore.open(dir)).space(KEY, META, DIM);
    await space.appendChunk(['a', 'b'], rowsFor(['a', 'b']));
    await new Promise((r) => setTimeout(r, 5)); // later chunk id
    await space.appendChunk(['b', 'c'], new Float32Array(2 * DIM).fill(-1));
    assert.equal(space.size, 3);
    assert.deepEqual(space.getRows(['b']), rowsFor(['b']));
    const reopened = await (await EmbeddingStore.open(dir)).space(KEY, META, DIM);
    assert.deepEqual(reopened.getRows(['b', 'c']), new Float32Array([...rowsFor(['b']), -1, -1, -1, -1]));
  }));

test('embedding store: crash leftovers are ignored and stale ones cleaned on open', () =>
  withTempDir(async (dir) => {
    const space = await (await EmbeddingStore.open(dir)).space(KEY, META, DIM);
    await space.appendChunk(['a', 'b'], rowsFor(['a', 'b']));
    const cd = chunksDir(dir);
    // 1. killed after writing the .npy but before the keys file (old, and fresh as if mid-commit).
    await writeFile(path.join(cd, '000000000000001-1-deadbeef.npy'), encodeNpy(rowsFor(['x']), [1, DIM]));
    await backdate(path.join(cd, '000000000000001-1-deadbeef.npy'), STALE_MS + 60_000);
    await writeFile(path.join(cd, '999999999999999-1-00000001.npy'), encodeNpy(rowsFor(['y']), [1, DIM]));
    // 2. a half-written temp file of each kind, old and fresh.
    await writeFile(path.join(cd, '000000000000003-1-aaaa.npy.holoclip-tmp-2147483646-abcabcabcabc'), 'half');
    await writeFile(path.join(cd, '000000000000003-1-aaaa.keys.json.holoclip-tmp-2147483646-abcabcabcabc'), '{"rows":');
    await backdate(path.join(cd, '000000000000003-1-aaaa.npy.holoclip-tmp-2147483646-abcabcabcabc'), STALE_MS + 60_000);

    const reopened = await (await EmbeddingStore.open(dir)).space(KEY, META, DIM);
    assert.equal(reopened.size, 2);
    assert.deepEqual(reopened.missing(['a', 'b', 'x', 'y']), ['x', 'y']);
    const left = await readdir(cd);
    assert.ok(!left.includes('000000000000001-1-deadbeef.npy'), 'stale orphan .npy removed');
    assert.ok(!left.includes('000000000000003-1-aaaa.npy.holoclip-tmp-2147483646-abcabcabcabc'), 'stale temp removed');
    assert.ok(left.includes('999999999999999-1-00000001.npy'), 'fresh orphan kept (a writer may be mid-commit)');
    assert.ok(left.includes('000000000000003-1-aaaa.keys.json.holoclip-tmp-2147483646-abcabcabcabc'), 'fresh temp kept');
    // The store still works after all that.
    await reopened.appendChunk(['x'], rowsFor(['x']));
    assert.deepEqual(reopened.getRows(['x', 'a']), rowsFor(['x', 'a']));
  }));

test('embedding store: a committed chunk that is damaged (keys file without .npy, length mismatch, unparsable keys file) is an error naming it; repair removes only it', () =>
  withTempDir(async (dir) => {
    const space = await (await EmbeddingStore.open(dir)).space(KEY, META, DIM);
    await space.appendChunk(['a', 'b'], rowsFor(['a', 'b']));
    const cd = chunksDir(dir);
    const cases: Array<{ id: string; write: () => Promise<void>; file: string; problem: RegExp }> = [
      {
        id: '000000000000002-1-cafebabe',
        write: () => writeFile(path.join(cd, '000000000000002-1-cafebabe.keys.json'), JSON.stringify({ rows: 1, dim: DIM, keys: ['z'] })),
        file: '000000000000002-1-cafebabe.npy',
        problem: /is missing/,
      },
      {
        id: '000000000000004-1-bbbb',
        write: async () => {
          await writeFile(path.join(cd, '000000000000004-1-bbbb.npy'), encodeNpy(rowsFor(['p']), [1, DIM]));
          await writeFile(path.join(cd, '000000000000004-1-bbbb.keys.json'), JSON.stringify({ rows: 2, dim: DIM, keys: ['p', 'q'] }));
        },
        file: '000000000000004-1-bbbb.npy',
        problem: /truncated/,
      },
      {
        id: '000000000000005-1-cccc',
        write: async () => {
          await writeFile(path.join(cd, '000000000000005-1-cccc.npy'), encodeNpy(rowsFor(['r']), [1, DIM]));
          await writeFile(path.join(cd, '000000000000005-1-cccc.keys.json'), '{"rows": 1, "di');
        },
        file: '000000000000005-1-cccc.keys.json',
        problem: /not valid JSON/,
      },
    ];
    for (const c of cases) {
      await c.write();
      await assert.rejects(
        (await EmbeddingStore.open(dir)).space(KEY, META, DIM),
        (e: Error) => e instanceof StoreDamageError && e.message.includes(path.join(cd, c.file)) && c.problem.test(e.message) && /--repair/.test(e.message),
      );
      const warnings: string[] = [];
      const repaired = await (await EmbeddingStore.open(dir, { repair: true, warn: (m) => warnings.push(m) })).space(KEY, META, DIM);
      assert.equal(warnings.length, 1);
      assert.ok(warnings[0].includes(path.join(cd, c.file)), warnings[0]);
      assert.deepEqual(repaired.getRows(['a', 'b']), rowsFor(['a', 'b']), 'the sound chunk is kept');
      assert.ok(!(await readdir(cd)).some((n) => n.startsWith(c.id)), 'both files of the damaged chunk are gone');
    }
  }));

test('embedding store: meta or dim mismatch for an existing key is a clear error', () =>
  withTempDir(async (dir) => {
    const store = await EmbeddingStore.open(dir);
    await store.space(KEY, META, DIM);
    await assert.rejects(store.space(KEY, META, DIM + 1), (e: Error) => e instanceof HoloclipError && /holds dim 4 vectors but dim 5/.test(e.message));
    await assert.rejects(store.space(KEY, { ...META, dtype: 'fp16' }, DIM), (e: Error) => e instanceof HoloclipError && /different settings/.test(e.message));
    await assert.rejects(store.space('../evil', META, DIM), /space key must be/);
    // Key order in meta does not matter.
    const reordered = Object.fromEntries(Object.entries(META).reverse());
    await store.space(KEY, reordered, DIM);
  }));

test('embedding store: two store instances append concurrently without collisions', () =>
  withTempDir(async (dir) => {
    const [s1, s2] = await Promise.all([EmbeddingStore.open(dir), EmbeddingStore.open(dir)]);
    const [a, b] = await Promise.all([s1.space(KEY, META, DIM), s2.space(KEY, META, DIM)]);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      const ka = keysOf(`a${i}-`, 5);
      const kb = [...keysOf(`b${i}-`, 4), `shared${i}`];
      writes.push(a.appendChunk(ka, rowsFor(ka)), b.appendChunk(kb, rowsFor(kb)));
      if (i % 2 === 0) writes.push(a.appendChunk([`shared${i}`], rowsFor([`shared${i}`])));
    }
    await Promise.all(writes);
    assert.equal(await a.refresh(), 20 * 4 + 10);
    const fresh = await (await EmbeddingStore.open(dir)).space(KEY, META, DIM);
    assert.equal(fresh.size, 20 * 5 + 20 * 5);
    const every = [...Array.from({ length: 20 }, (_, i) => [...keysOf(`a${i}-`, 5), ...keysOf(`b${i}-`, 4), `shared${i}`]).flat()];
    assert.deepEqual(fresh.getRows(every), rowsFor(every));
    assert.deepEqual(a.getRows(every), rowsFor(every));
    assert.equal((await readdir(chunksDir(dir))).filter((f) => f.includes('tmp-')).length, 0);
  }));

test('embedding store: two processes append concurrently', { timeout: 60_000 }, () =>
  withTempDir(async (dir) => {
    const script = (tag: string): string => `
      import { EmbeddingStore } from ${JSON.stringify(path.join(REPO, 'src/store/embedding-store.ts'))};
      const space = await (await EmbeddingStore.open(${JSON.stringify(dir)})).space(${JSON.stringify(KEY)}, ${JSON.stringify(META)}, ${DIM});
      for (let i = 0; i < 30; i++) {
        const keys = [0, 1, 2].map((j) => '${tag}' + i + '-' + j).concat(['common' + i]);
        await space.appendChunk(keys, new Float32Array(keys.length * ${DIM}).fill(i));
      }`;
    const run = promisify(execFile);
    await Promise.all(['p', 'q'].map((tag) => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(tag)], { cwd: REPO })));
    const space = await (await EmbeddingStore.open(dir)).space(KEY, META, DIM);
    assert.equal(space.size, 30 * 3 * 2 + 30);
    assert.deepEqual(space.getRows(['p29-2', 'q0-0', 'common7']), new Float32Array([29, 29, 29, 29, 0, 0, 0, 0, 7, 7, 7, 7]));
    assert.equal((await readdir(chunksDir(dir))).length, 2 * 30 * 2);
  }));

test('embedding store: reopening a 20k-item space (timing printed)', { timeout: 120_000 }, () =>
  withTempDir(async (dir) => {
    const dim = 512;
    const meta = { ...META, dim };
    const key = canonicalKey(meta);
    const space = await (await EmbeddingStore.open(dir)).space(key, meta, dim);
    const chunkSize = 64;
    const keys = Array.from({ length: 20_000 }, (_, i) => sha256(`image-${i}`));
    const t0 = performance.now();
    for (let i = 0; i < keys.length; i += chunkSize) {
      const k = keys.slice(i, i + chunkSize);
      const rows = new Float32Array(k.length * dim);
      for (let r = 0; r < k.length; r++) rows[r * dim] = i + r;
      await space.appendChunk(k, rows);
    }
    const t1 = performance.now();
    const reopened = await (await EmbeddingStore.open(dir)).space(key, meta, dim);
    const t2 = performance.now();
    assert.equal(reopened.size, 20_000);
    assert.equal(reopened.missing(keys).length, 0);
    const t3 = performance.now();
    const rows = reopened.getRows(keys);
    const t4 = performance.now();
    assert.equal(rows[19_999 * dim], 19_999);
    const chunks = Math.ceil(keys.length / chunkSize);
    console.log(
      `# 20k items x ${dim} dims in ${chunks} chunks of ${chunkSize}: write ${(t1 - t0).toFixed(0)} ms, ` +
        `reopen ${(t2 - t1).toFixed(0)} ms, missing() ${(t3 - t2).toFixed(1)} ms, getRows(all, cold) ${(t4 - t3).toFixed(0)} ms`,
    );
  }));
