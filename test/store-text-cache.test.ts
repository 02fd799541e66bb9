import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, unlink, writeFile } from 'node:fs/promises';

import { canonicalKey } from '../src/store/canonical-json.js';
import { EmbeddingStore } from '../src/store/embedding-store.js';
import { StoreDamageError } from '../src/store/integrity.js';
import { textMatrixPaths } from '../src/store/text-cache.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-text-');

test('text cache: put then get returns rows, shape and meta; unknown key is null', () =>
  withTempDir(async (dir) => {
    const store = await EmbeddingStore.open(dir);
    const meta = { classnames: ['cat', 'dog', 'emu'], templates: ['a photo of a {}.'], files: 'abc' };
    const key = canonicalKey(meta);
    assert.equal(await store.getTextMatrix(key), null);
    const data = new Float32Array(3 * 2).map((_, i) => i * 0.5);
    await store.putTextMatrix(key, data, [3, 2], meta);
    const hit = await store.getTextMatrix(key);
    assert.ok(hit);
    assert.equal(hit.count, 3);
    assert.equal(hit.dim, 2);
    assert.deepEqual(hit.rows, data);
    assert.deepEqual(hit.meta, meta);
    await assert.rejects(store.putTextMatrix(key, data, [4, 2], meta), /holds 8 elements but the data has 6/);
    assert.throws(() => textMatrixPaths(dir, '../x'), /key must be/);
  }));

test('text cache: no .json is a miss; a .json whose .npy is missing, of another shape or changed is damage naming the file; repair removes it', () =>
  withTempDir(async (dir) => {
    const store = await EmbeddingStore.open(dir);
    const data = new Float32Array([1, 2, 3, 4]);
    // An .npy without its .json (a writer killed before committing): a miss.
    await store.putTextMatrix('k1', data, [2, 2], {});
    await unlink(textMatrixPaths(dir, 'k1').json);
    assert.equal(await store.getTextMatrix('k1'), null);

    const damage = async (key: string, file: string, problem: RegExp): Promise<void> => {
      await assert.rejects(store.getTextMatrix(key), (e: Error) => e instanceof StoreDamageError && e.message.includes(file) && problem.test(e.message) && /--repair/.test(e.message));
      const warnings: string[] = [];
      const repairing = await EmbeddingStore.open(dir, { repair: true, warn: (m) => warnings.push(m) });
      assert.equal(await repairing.getTextMatrix(key), null);
      assert.equal(warnings.length, 1);
      assert.ok(warnings[0].includes(file));
      assert.equal(await store.getTextMatrix(key), null, 'the entry is gone: a miss, recomputed by the next put');
      await store.putTextMatrix(key, data, [2, 2], { fixed: true });
      assert.deepEqual((await store.getTextMatrix(key))?.meta, { fixed: true });
    };
    await store.putTextMatrix('k2', data, [2, 2], {});
    await unlink(textMatrixPaths(dir, 'k2').npy);
    await damage('k2', textMatrixPaths(dir, 'k2').npy, /is missing/);

    await store.putTextMatrix('k3', data, [2, 2], {});
    const info = JSON.parse(await readFile(textMatrixPaths(dir, 'k3').json, 'utf8')) as Record<string, unknown>;
    await writeFile(textMatrixPaths(dir, 'k3').json, JSON.stringify({ ...info, shape: [4, 1] }));
    await damage('k3', textMatrixPaths(dir, 'k3').json, /own checksum/);

    // A flipped mantissa bit: same size, same shape, different value.
    await store.putTextMatrix('k4', data, [2, 2], {});
    const npy = await readFile(textMatrixPaths(dir, 'k4').npy);
    npy[npy.length - 2] ^= 0x01;
    await writeFile(textMatrixPaths(dir, 'k4').npy, npy);
    await damage('k4', textMatrixPaths(dir, 'k4').npy, /sha256 mismatch/);

    await store.putTextMatrix('k5', data, [2, 2], {});
    await writeFile(textMatrixPaths(dir, 'k5').json, '{"key": "k5", "sha');
    await damage('k5', textMatrixPaths(dir, 'k5').json, /not valid JSON/);
  }));

test('text cache: an entry written before checksums (no sha256) is read, with one warning', () =>
  withTempDir(async (dir) => {
    const store = await EmbeddingStore.open(dir);
    const data = new Float32Array([1, 2, 3, 4]);
    await store.putTextMatrix('old', data, [2, 2], {});
    const file = textMatrixPaths(dir, 'old').json;
    const { sha256: _s, check: _c, ...legacy } = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify(legacy));
    const warnings: string[] = [];
    const reader = await EmbeddingStore.open(dir, { repair: false, warn: (m) => warnings.push(m) });
    assert.deepEqual((await reader.getTextMatrix('old'))?.rows, data);
    assert.deepEqual((await reader.getTextMatrix('old'))?.rows, data);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /without checksums/);
  }));
