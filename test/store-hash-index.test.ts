/**
 * The file hash index on disk (src/store/hash-index-file.ts): lookups in the file equal a Map's, saves merge (with
 * another process's saves too), a damaged file is an error naming it, and the older JSON form is read and converted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { writeChunksAtomic } from '../src/store/atomic.js';
import { FileHashIndex, fileHashIndexPath, legacyFileHashIndexPath, sha256, type FileHashEntry } from '../src/store/hash.js';
import { BLOCK_BYTES, encodeHashIndex, HashIndexSnapshot, mergeSorted, type PackedEntry } from '../src/store/hash-index-file.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-hashidx-');

const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
const entryArb = fc.record({ size: fc.nat(), mtimeMs: fc.double({ min: 0, max: 1.7e12, noNaN: true }), sha256: hex64 }).map((e): FileHashEntry => ({ ...e }));
/** Absolute paths with any unicode, separators, and now and then one longer than a block. */
const keyArb = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => `/d/${s}`) },
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', '/', 'é', '\u{1F600}', '\uFF21', ' ', '.'), maxLength: 12 }).map((s) => `/d/${s}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((n) => `/long/${'x'.repeat(n * BLOCK_BYTES)}`) },
);

function packed(entries: ReadonlyMap<string, FileHashEntry>): PackedEntry[] {
  return [...entries]
    .map(([k, v]) => ({ key: Buffer.from(k), size: v.size, mtimeMs: v.mtimeMs, sha256: Buffer.from(v.sha256, 'hex') }))
    .sort((a, b) => Buffer.compare(a.key, b.key));
}

test('hash index file: every lookup equals a Map lookup (present and absent keys, any number of blocks)', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'i.bin');
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.tuple(keyArb, entryArb), { selector: ([k]) => k, maxLength: 400 }), fc.array(keyArb, { maxLength: 30 }), async (pairs, probes) => {
        const map = new Map<string, FileHashEntry>(pairs);
        await writeChunksAtomic(file, encodeHashIndex(packed(map)));
        const snap = HashIndexSnapshot.open(file);
        assert.ok(snap);
        assert.equal(snap.entries, map.size);
        for (const k of [...map.keys(), ...probes]) {
          const key = Buffer.from(k);
          const found = snap.find(key, key.length);
          assert.notEqual(found, null);
          assert.deepEqual(found, map.get(k));
        }
        // Every entry again, in key order.
        const { openSync, closeSync } = await import('node:fs');
        const fd = openSync(file, 'r');
        try {
          assert.deepEqual(
            [...snap.entriesFrom(fd)].map((e) => e.key.toString()),
            packed(map).map((e) => e.key.toString()),
          );
        } finally {
          closeSync(fd);
        }
      }),
      { numRuns: 60 },
    );
  }));

test('hash index file: entries out of order or repeated are refused; merge lets the newer entry win', () => {
  const e = (k: string, size: number): PackedEntry => ({ key: Buffer.from(k), size, mtimeMs: 0, sha256: Buffer.alloc(32) });
  assert.throws(() => [...encodeHashIndex([e('/b', 1), e('/a', 1)])], /sorted/);
  assert.throws(() => [...encodeHashIndex([e('/a', 1), e('/a', 2)])], /sorted/);
  const merged = [...mergeSorted([e('/a', 1), e('/c', 1), e('/d', 1)], [e('/b', 2), e('/c', 2), e('/e', 2)])];
  assert.deepEqual(
    merged.map((x) => `${x.key.toString()}=${x.size}`),
    ['/a=1', '/b=2', '/c=2', '/d=1', '/e=2'],
  );
});

test('file hash index: saves in rounds (new and changed entries) read back as the last value of each path', () =>
  withTempDir(async (dir) => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.tuple(keyArb, entryArb), { maxLength: 40 }), { minLength: 1, maxLength: 4 }), async (rounds) => {
        const store = path.join(dir, `s${round++}`);
        const expected = new Map<string, FileHashEntry>();
        for (const batch of rounds) {
          const index = await FileHashIndex.open(store, { racyWindowMs: 0 });
          for (const [k, v] of batch) {
            index.record(k, v, v.sha256);
            expected.set(path.resolve(k), v); // remembered under the resolved path
          }
          await index.save();
          assert.ok(!index.dirty);
        }
        const index = await FileHashIndex.open(store);
        assert.equal(index.size, expected.size);
        for (const [k, v] of expected) assert.deepEqual(index.peek(k), v);
      }),
      { numRuns: 40 },
    );
  }));

test('file hash index: two processes saving in turn keep both their entries', () =>
  withTempDir(async (dir) => {
    const store = path.join(dir, 'store');
    const h = (s: string) => sha256(s);
    const first = await FileHashIndex.open(store, { racyWindowMs: 0 });
    first.record('/z', { size: 9, mtimeMs: 9 }, h('z9'));
    await first.save();
    const one = await FileHashIndex.open(store, { racyWindowMs: 0 });
    const two = await FileHashIndex.open(store, { racyWindowMs: 0 });
    one.record('/a', { size: 1, mtimeMs: 1 }, h('a1'));
    one.record('/shared', { size: 1, mtimeMs: 1 }, h('s1'));
    await one.save();
    two.record('/b', { size: 2, mtimeMs: 2 }, h('b2'));
    two.record('/shared', { size: 2, mtimeMs: 2 }, h('s2'));
    await two.save();
    // `one` reads the file as it was when `one` saved (as the JSON form's copy in memory); its next save merges.
    assert.equal(one.peek('/b'), undefined);
    assert.equal(one.peek('/shared')?.sha256, h('s1'));
    const merged = await FileHashIndex.open(store);
    assert.equal(merged.size, 4);
    assert.equal(merged.peek('/a')?.sha256, h('a1'));
    assert.equal(merged.peek('/b')?.sha256, h('b2'));
    assert.equal(merged.peek('/shared')?.sha256, h('s2')); // the later save's value
    // An entry recorded while a save runs stays dirty and is saved next time.
    one.record('/c', { size: 3, mtimeMs: 3 }, h('c3'));
    const saving = one.save();
    one.record('/d', { size: 4, mtimeMs: 4 }, h('d4'));
    await saving;
    assert.ok(one.dirty);
    await one.save();
    assert.equal(one.peek('/b')?.sha256, h('b2')); // merged in by its save
    const last = await FileHashIndex.open(store);
    assert.equal(last.size, 6);
    assert.equal(last.peek('/d')?.sha256, h('d4'));
    assert.deepEqual((await readdir(path.dirname(fileHashIndexPath(store)))).sort(), ['file-hashes.bin']);
  }));

test('file hash index: a damaged file is an error naming the file and the fix', () =>
  withTempDir(async (dir) => {
    const store = path.join(dir, 'store');
    const index = await FileHashIndex.open(store, { racyWindowMs: 0 });
    for (let i = 0; i < 500; i++) index.record(`/img/${String(i).padStart(4, '0')}.png`, { size: i, mtimeMs: 1000 + i }, sha256(String(i)));
    await index.save();
    const file = fileHashIndexPath(store);
    const good = await readFile(file);
    const fix = /file hash index .*file-hashes\.bin is damaged \(.*\); delete it/;
    // A changed byte inside a block: found when the block is read.
    const flipped = Buffer.from(good);
    flipped[100] ^= 0xff;
    await writeFile(file, flipped);
    const opened = await FileHashIndex.open(store);
    assert.throws(() => opened.peek('/img/0001.png'), (err: Error) => fix.test(err.message) && err.message.includes(file) && /block 0/.test(err.message));
    // Cut off, or a changed table: found when the file is opened.
    await writeFile(file, good.subarray(0, good.length - 10));
    await assert.rejects(FileHashIndex.open(store), fix);
    const table = Buffer.from(good);
    table[good.length - 80] ^= 0x01;
    await writeFile(file, table);
    await assert.rejects(FileHashIndex.open(store), fix);
    await writeFile(file, 'not an index at all, some text long enough to have a footer ................................');
    await assert.rejects(FileHashIndex.open(store), fix);
    // Restored: fine again.
    await writeFile(file, good);
    assert.equal((await FileHashIndex.open(store)).peek('/img/0499.png')?.size, 499);
  }));

test('file hash index: a store with the older JSON form is read and converted once', () =>
  withTempDir(async (dir) => {
    const store = path.join(dir, 'store');
    await mkdir(path.join(store, 'index'), { recursive: true });
    const entries: Record<string, [number, number, string]> = { '/x/a.png': [10, 1.5e12, sha256('a')], '/x/b "q".png': [20, 1.6e12, sha256('b')], '/x/bad.png': [1, 2, 'not-a-digest'] };
    await writeFile(legacyFileHashIndexPath(store), JSON.stringify({ version: 1, entries }));
    const index = await FileHashIndex.open(store);
    assert.ok(existsSync(fileHashIndexPath(store)));
    assert.ok(!existsSync(legacyFileHashIndexPath(store)));
    assert.deepEqual(index.peek('/x/a.png'), { size: 10, mtimeMs: 1.5e12, sha256: sha256('a') });
    assert.deepEqual(index.peek('/x/b "q".png'), { size: 20, mtimeMs: 1.6e12, sha256: sha256('b') });
    assert.equal(index.peek('/x/bad.png'), undefined); // not a sha256: not remembered
    assert.equal(index.size, 2);
    // A damaged JSON form is the error it always was.
    const other = path.join(dir, 'other');
    await mkdir(path.join(other, 'index'), { recursive: true });
    await writeFile(legacyFileHashIndexPath(other), '{"version":1,"entries":{"/a":[1');
    await assert.rejects(FileHashIndex.open(other), /file-hashes\.json is not valid JSON; delete it/);
  }));

test('store verify: checks the file hash index block by block; --repair removes a damaged one', () =>
  withTempDir(async (dir) => {
    const { verifyStore } = await import('../src/store/verify.js');
    const { silentProgress } = await import('../src/util/progress.js');
    const store = path.join(dir, 'store');
    const index = await FileHashIndex.open(store, { racyWindowMs: 0 });
    for (let i = 0; i < 300; i++) index.record(`/img/${i}.png`, { size: i, mtimeMs: 1 }, sha256(String(i)));
    await index.save();
    const sound = await verifyStore(store, { repair: false, progress: silentProgress });
    assert.equal(sound.checked.hashIndexEntries, 300);
    assert.deepEqual(sound.damaged, []);
    const file = fileHashIndexPath(store);
    const bytes = await readFile(file);
    bytes[5000] ^= 0x10; // inside the second block
    await writeFile(file, bytes);
    const found = await verifyStore(store, { repair: true, progress: silentProgress });
    assert.deepEqual(found.damaged.map((d) => [d.kind, d.file, d.problem]), [['file hash index', file, 'block 1 does not match its checksum']]);
    assert.ok(!existsSync(file));
    assert.equal((await FileHashIndex.open(store)).size, 0); // a cache: the next run hashes again
  }));
