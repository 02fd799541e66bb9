/**
 * What keeps memory bounded on large datasets (npm run bench:scale measures it on 100,000 images): files written
 * in pieces give the same bytes as written whole, the file hash index reads back (its older JSON form entry by entry),
 * logits are formed in place, chunk rows can be dropped and read again, and a listed image costs a bounded number of
 * heap bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { openDataset } from '../src/data/index.js';
import { writeChunksAtomic, writeFileAtomic } from '../src/store/atomic.js';
import { EmbeddingStore } from '../src/store/embedding-store.js';
import { FileHashIndex, parseIndexEntries, parseIndexWhole, type FileHashEntry } from '../src/store/hash.js';
import { encodeNpy, writeNpyAtomic } from '../src/store/npy.js';
import { logitsFromCosine, logitsFromCosineInPlace } from '../src/models/scoring.js';
import { writeJsonlAtomic } from '../src/tasks/result-envelope.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-scale-');

test('writeChunksAtomic: strings (past the 1M-character batch, multi-byte) and byte views give their concatenation', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'out.bin');
    const floats = Float32Array.from({ length: 10 }, (_, i) => i / 3);
    const view = floats.subarray(3, 7); // a view with a byte offset: only its own bytes
    const long = 'é'.repeat(700_000);
    const parts: Array<string | Uint8Array> = ['head', long, long, new Uint8Array(view.buffer, view.byteOffset, view.byteLength), 'ü-tail\n'];
    await writeChunksAtomic(file, parts);
    const expected = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
    assert.deepEqual(await readFile(file), expected);
    assert.deepEqual(await readdir(dir), ['out.bin']);
  }));

test('writeChunksAtomic: a generator that throws leaves the previous file and no temp file', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'rows.jsonl');
    await writeFileAtomic(file, 'old\n');
    function* failing(): Generator<string> {
      yield 'x'.repeat(2_000_000); // flushed to the temp file before the failure
      throw new Error('row 2 cannot be serialised');
    }
    await assert.rejects(writeChunksAtomic(file, failing()), /row 2 cannot be serialised/);
    assert.equal(await readFile(file, 'utf8'), 'old\n');
    assert.deepEqual(await readdir(dir), ['rows.jsonl']);
  }));

test('writeJsonlAtomic: rows from a generator give the lines of the whole array; no rows give an empty file', () =>
  withTempDir(async (dir) => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ id: `c/${i}.png`, score: i / 7, set: i % 2 ? 'id' : 'ood' }));
    function* gen(): Generator<unknown> {
      yield* rows;
    }
    await writeJsonlAtomic(path.join(dir, 'a.jsonl'), gen());
    assert.equal(await readFile(path.join(dir, 'a.jsonl'), 'utf8'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    await writeJsonlAtomic(path.join(dir, 'b.jsonl'), []);
    assert.equal(await readFile(path.join(dir, 'b.jsonl'), 'utf8'), '');
  }));

test('writeNpyAtomic writes the bytes of encodeNpy, for a view into a larger array too', () =>
  withTempDir(async (dir) => {
    const all = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i));
    const view = all.subarray(12, 48);
    await writeNpyAtomic(path.join(dir, 'v.npy'), view, [6, 6]);
    assert.deepEqual(await readFile(path.join(dir, 'v.npy')), encodeNpy(view, [6, 6]));
    await assert.rejects(writeNpyAtomic(path.join(dir, 'w.npy'), view, [5, 6]), RangeError);
    assert.deepEqual(await readdir(dir), ['v.npy']);
  }));

test('file hash index: a saved index reads back, looked up by the resolved path', async () => {
  await withTempDir(async (dir) => {
    const images = path.join(dir, 'images');
    await mkdir(images);
    const files = Array.from({ length: 3 }, (_, i) => path.join(images, `${i}.png`));
    for (const f of files) await writeFile(f, f);
    const index = await FileHashIndex.open(path.join(dir, 'store'), { racyWindowMs: 0 });
    const digests = await Promise.all(files.map((f) => index.hashFile(f)));
    await index.save();
    const again = await FileHashIndex.open(path.join(dir, 'store'));
    assert.equal(again.size, 3);
    files.forEach((f, i) => assert.equal(again.peek(f)?.sha256, digests[i]));
    assert.equal(again.peek(path.join(images, '.', '1.png'))?.sha256, digests[1]); // looked up by the resolved path
  });
});

/** The older JSON form of the index, as holoclip wrote it (read when a store still has one, then converted). */
function legacyIndexJson(entries: ReadonlyMap<string, FileHashEntry>): string {
  return `${JSON.stringify({ version: 1, entries: Object.fromEntries([...entries].map(([k, v]) => [k, [v.size, v.mtimeMs, v.sha256]])) })}\n`;
}

test('file hash index (older JSON form): read entry by entry = JSON.parse of the whole file; any other form falls back to the whole parse', () => {
  const entry = fc.record({ size: fc.nat(), mtimeMs: fc.double({ min: 0, max: 2e12, noNaN: true }), sha256: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }) });
  // Keys with quotes, backslashes, ']', '}', ',' and any unicode (JSON escapes them as holoclip wrote them).
  const key = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.constantFrom('"', '\\', ']', '}', ',', ':', '[', 'a', 'é', '\u2028') })).map((s) => `/d/${s}`);
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(key, entry), { selector: ([k]) => k, maxLength: 30 }), (pairs) => {
      const map = new Map<string, FileHashEntry>(pairs.map(([k, v]) => [k, { ...v }]));
      const text = legacyIndexJson(map);
      const fast = parseIndexEntries(Buffer.from(text));
      assert.ok(fast, text);
      assert.deepEqual([...fast], [...map]);
      assert.deepEqual([...fast], [...parseIndexWhole(text, 'x')]);
      // Other whitespace, or a cut-off file: not read entry by entry.
      assert.equal(parseIndexEntries(Buffer.from(JSON.stringify(JSON.parse(text), null, 1))), null);
      assert.equal(parseIndexEntries(Buffer.from(text.slice(0, -4))), null);
    }),
  );
  // Entries of another shape are skipped, as the whole parse skips them.
  const odd = '{"version":1,"entries":{"/a":[1,2,"x"],"/b":[1,"2","y"],"/c":[3,4,"z",5]}}\n';
  assert.deepEqual([...(parseIndexEntries(Buffer.from(odd)) ?? [])], [...parseIndexWhole(odd, 'x')]);
  assert.deepEqual([...parseIndexWhole(odd, 'x').keys()], ['/a', '/c']);
  assert.throws(() => parseIndexWhole('{"version":1,"entries":{"/a":[1', 'f.json'), /f\.json is not valid JSON/);
});

test('logits in place equal logits from a copy, bit for bit', () => {
  fc.assert(
    fc.property(fc.float32Array({ noNaN: true, min: -1, max: 1, maxLength: 64 }), fc.double({ min: 0.5, max: 120, noNaN: true }), fc.double({ min: -20, max: 20, noNaN: true }), (cos, scale, bias) => {
      const rule = { kind: 'softmax' as const, scale, bias };
      const copy = logitsFromCosine(cos, rule);
      const inPlace = logitsFromCosineInPlace(cos.slice(), rule);
      assert.deepEqual(Buffer.from(inPlace.buffer), Buffer.from(copy.buffer));
    }),
  );
});

test('embedding space: rows dropped from memory are read again from their chunks', () =>
  withTempDir(async (dir) => {
    const store = await EmbeddingStore.open(dir);
    const space = await store.space('s1', { m: 1 }, 4);
    const rows = Float32Array.from({ length: 12 }, (_, i) => i + 0.5);
    await space.appendChunk(['a', 'b', 'c'], rows);
    assert.equal(space.chunksInMemory, 0); // written, not kept
    assert.deepEqual(space.getRows(['a']), rows.subarray(0, 4));
    assert.equal(space.chunksInMemory, 1);
    const before = space.getRows(['c', 'a']);
    space.dropCachedRows();
    assert.equal(space.chunksInMemory, 0);
    assert.deepEqual(space.getRows(['c', 'a']), before);
    assert.equal(space.chunksInMemory, 1);
  }));

/**
 * Bytes still reachable after a full GC (the test process is started without --expose-gc): small objects on the heap
 * (V8's new and old spaces: where items, strings and their pieces would live), and array buffers outside it. Code
 * space and the large-object space are left out: what the JIT compiles meanwhile, and large buffers that earlier tests
 * let go of, move them by hundreds of KB from run to run.
 */
function memoryAfterGc(): { heap: number; buffers: number } {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
  const spaces = new Map(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
  return { heap: (spaces.get('new_space') ?? 0) + (spaces.get('old_space') ?? 0), buffers: process.memoryUsage().arrayBuffers };
}

test('imagefolder: a listed image costs a bounded number of bytes (packed, outside the heap), whatever the root path length', () =>
  withTempDir(async (dir) => {
    // A deep root (like a real dataset's), 20 classes x 500 images: before the paths shared their folder prefix,
    // each item held some ten string pieces of its path (about 720 bytes per item at 100,000 images); then an object
    // and two concatenations (163 heap bytes); now about 30 bytes in typed arrays (data/item-list.ts).
    const root = path.join(dir, 'datasets', 'holoclip-scale', 'some-benchmark', 'images-10000');
    const n = 10_000;
    for (let c = 0; c < 20; c++) {
      const folder = path.join(root, `${String(c).padStart(3, '0')}_class_${c}`);
      await mkdir(folder, { recursive: true });
      await Promise.all(Array.from({ length: n / 20 }, (_, k) => writeFile(path.join(folder, `${String(c * 1000 + k).padStart(6, '0')}.png`), '')));
    }
    // A first listing, kept, and a second one let go: their one-off costs (code compiled and optimised, caches)
    // are not the list's. Then eight listings kept at once, so that what still varies from run to run (a few hundred
    // KB of feedback and caches) is spread over 80,000 items instead of weighing on 10,000.
    const first = await openDataset({ path: root });
    await openDataset({ path: root });
    const baseline = memoryAfterGc();
    const kept = [];
    for (let k = 0; k < 8; k++) kept.push(await openDataset({ path: root }));
    const after = memoryAfterGc();
    const listed = kept.reduce((sum, d) => sum + d.items.length, 0);
    const heap = (after.heap - baseline.heap) / listed;
    const buffers = (after.buffers - baseline.buffers) / listed;
    const ds = kept[7]!;
    assert.equal(ds.items.length, n);
    assert.deepEqual(ds.items.get(n - 1), first.items.get(n - 1));
    for (const item of ds.items.slice(0, 50)) assert.equal(item.path, path.join(root, ...item.id.split('/')));
    if (process.env.HOLOCLIP_TEST_VERBOSE) console.log(`${heap.toFixed(1)} heap bytes + ${buffers.toFixed(1)} array buffer bytes per listed image`);
    assert.ok(heap < 16, `${heap.toFixed(1)} heap bytes per listed image (expected < 16)`);
    assert.ok(heap + buffers < 48, `${(heap + buffers).toFixed(1)} bytes per listed image (expected < 48)`);
  }));
