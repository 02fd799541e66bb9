import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileHashIndex, fileHashIndexPath, legacyFileHashIndexPath, sha256, sha256File } from '../src/store/hash.js';
import { canonicalJson, canonicalKey, compareCodePoints } from '../src/store/canonical-json.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-hash-');

/** Write a file and date it back (whole seconds, exact in mtimeMs), so it is outside the racy window. */
async function writeOld(file: string, content: string | Buffer, ageMs = 3600_000): Promise<void> {
  await writeFile(file, content);
  const seconds = Math.floor((Date.now() - ageMs) / 1000);
  await utimes(file, seconds, seconds);
}

test('hash: sha256 of strings and files', () =>
  withTempDir(async (dir) => {
    assert.equal(sha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeFile(path.join(dir, 'big.bin'), big);
    assert.equal(await sha256File(path.join(dir, 'big.bin')), createHash('sha256').update(big).digest('hex'));
  }));

test('hash index: unchanged files are not re-read; changed ones are; entries persist', () =>
  withTempDir(async (dir) => {
    const store = path.join(dir, 'store');
    const img = path.join(dir, 'img.jpg');
    await writeOld(img, 'pixels-1');
    let idx = await FileHashIndex.open(store);
    assert.equal(await idx.hashFile(img), sha256('pixels-1'));
    // Supplied bytes are used instead of reading the file (and must have the file's size).
    const idx2 = await FileHashIndex.open(store);
    assert.equal(await idx2.hashFile(img, Buffer.from('pixels-1')), sha256('pixels-1'));
    assert.ok(idx.dirty);
    await idx.save();
    assert.ok(!idx.dirty);
    idx = await FileHashIndex.open(store);
    assert.equal(idx.size, 1);
    assert.equal(idx.peek(img)?.sha256, sha256('pixels-1'));
    // Same size and mtime: the remembered hash is returned without reading (proved by a stale answer).
    const st = idx.peek(img)!;
    await writeFile(img, 'pixels-2');
    await utimes(img, st.mtimeMs / 1000, st.mtimeMs / 1000);
    assert.equal(await idx.hashFile(img), sha256('pixels-1'));
    // A new mtime triggers a re-hash.
    await writeOld(img, 'pixels-2', 1800_000);
    assert.equal(await idx.hashFile(img), sha256('pixels-2'));
  }));

test('hash index: files modified just now are hashed but not remembered (racy stat)', () =>
  withTempDir(async (dir) => {
    const f = path.join(dir, 'new.jpg');
    await writeFile(f, 'fresh');
    const idx = await FileHashIndex.open(dir);
    assert.equal(await idx.hashFile(f), sha256('fresh'));
    assert.equal(idx.peek(f), undefined);
    assert.ok(!idx.dirty);
  }));

test('hash index: save merges with entries another process saved meanwhile', () =>
  withTempDir(async (dir) => {
    const store = path.join(dir, 'store');
    const a = path.join(dir, 'a.jpg');
    const b = path.join(dir, 'b.jpg');
    await writeOld(a, 'A');
    await writeOld(b, 'B');
    const one = await FileHashIndex.open(store);
    const two = await FileHashIndex.open(store);
    await one.hashFile(a);
    await two.hashFile(b);
    await one.save();
    await two.save();
    const merged = await FileHashIndex.open(store);
    assert.equal(merged.size, 2);
    assert.equal((await readFile(fileHashIndexPath(store))).subarray(0, 8).toString('latin1'), 'HCFHIDX1');
  }));

test('hash index: 100k entries convert from the older JSON form, open and save quickly (timing printed)', () =>
  withTempDir(async (dir) => {
    const store = path.join(dir, 'store');
    const entries: Record<string, [number, number, string]> = {};
    for (let i = 0; i < 100_000; i++) entries[`/data/imagenet/val/n0${i % 1000}/ILSVRC2012_val_${String(i).padStart(8, '0')}.JPEG`] = [100_000 + i, 1_700_000_000_000 + i, sha256(String(i))];
    await (await import('../src/store/atomic.js')).writeFileAtomic(legacyFileHashIndexPath(store), JSON.stringify({ version: 1, entries }));
    const tc = performance.now();
    await FileHashIndex.open(store); // converts the JSON form
    assert.ok(!existsSync(legacyFileHashIndexPath(store)));
    const t0 = performance.now();
    const idx = await FileHashIndex.open(store);
    const t1 = performance.now();
    const f = path.join(dir, 'x.jpg');
    await writeOld(f, 'x');
    await idx.hashFile(f);
    await idx.save();
    const t2 = performance.now();
    assert.equal(idx.size, 100_001);
    const t3 = performance.now();
    for (const k of Object.keys(entries)) assert.equal(idx.peek(k)?.sha256, entries[k][2]);
    const t4 = performance.now();
    console.log(`# file hash index, 100k entries: convert from JSON ${(t0 - tc).toFixed(0)} ms, open ${(t1 - t0).toFixed(0)} ms, save ${(t2 - t1).toFixed(0)} ms, 100k lookups (not in path order) ${(t4 - t3).toFixed(0)} ms`);
  }));

test('canonical json: sorted keys at every level, undefined dropped, stable key', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: undefined }], c: 'x' } }), '{"a":{"c":"x","d":[1,{"z":0}]},"b":1}');
  assert.equal(canonicalKey({ a: 1, b: 2 }), canonicalKey({ b: 2, a: 1 }));
  assert.throws(() => canonicalJson({ a: Number.NaN }), /non-finite/);
  assert.throws(() => canonicalJson({ meta: Promise.resolve({}) }), /a Promise at \$\.meta \(missing await\?\)/);
  // Code point order (Python sorted), not UTF-16 order: U+FF21 sorts before U+1F600.
  assert.deepEqual(['\u{1F600}', '\uFF21', 'b', 'B', 'a'].sort(compareCodePoints), ['B', 'a', 'b', '\uFF21', '\u{1F600}']);
});
