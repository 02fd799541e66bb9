import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unlink, writeFile } from 'node:fs/promises';

import { canonicalKey } from '../src/store/canonical-json.js';
import { EmbeddingStore } from '../src/store/embedding-store.js';
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

test('text cache: a half-written entry (npy without json, or json without npy, or mismatch) reads as a miss', () =>
  withTempDir(async (dir) => {
    const store = await EmbeddingStore.open(dir);
    const data = new Float32Array([1, 2, 3, 4]);
    await store.putTextMatrix('k1', data, [2, 2], {});
    await unlink(textMatrixPaths(dir, 'k1').json);
    assert.equal(await store.getTextMatrix('k1'), null);
    await store.putTextMatrix('k2', data, [2, 2], {});
    await unlink(textMatrixPaths(dir, 'k2').npy);
    assert.equal(await store.getTextMatrix('k2'), null);
    await store.putTextMatrix('k3', data, [2, 2], {});
    await writeFile(textMatrixPaths(dir, 'k3').json, JSON.stringify({ key: 'k3', shape: [4, 1], meta: {} }));
    assert.equal(await store.getTextMatrix('k3'), null);
    // Overwriting repairs it.
    await store.putTextMatrix('k3', data, [2, 2], { fixed: true });
    assert.deepEqual((await store.getTextMatrix('k3'))?.meta, { fixed: true });
  }));
