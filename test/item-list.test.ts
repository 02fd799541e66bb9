/**
 * The packed item list (src/data/item-list.ts): every item reads back exactly as it was listed, whatever its id and
 * path look like (folders or none, multi-byte names, paths that do not end with the id, tar members, any-of labels).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ItemListBuilder, itemListOf, labelsOf, selectItems, someItem, type ListedItem } from '../src/data/item-list.js';

const segment = fc.stringMatching(/^[a-zA-Z0-9_.é漢 -]{1,8}$/).filter((s) => s !== '.' && s !== '..');
const relId = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/'));
const root = fc.constantFrom('/data', '/data/sets/', '/', '/mnt/é x');

/** An item as a reader lists it: under the root (path = root + id), elsewhere (absolute id), or a tar member. */
const listed: fc.Arbitrary<ListedItem> = fc.oneof(
  fc.record({ root, id: relId, label: fc.integer({ min: -1, max: 999 }) }).map(({ root: r, id, label }) => ({ id, path: `${r.endsWith('/') ? r : `${r}/`}${id}`, label })),
  fc.record({ id: relId, label: fc.integer({ min: 0, max: 5 }) }).map(({ id, label }) => ({ id: `/abs/${id}`, path: `/abs/${id}`, label })),
  fc.record({ id: relId, other: relId, label: fc.nat(9) }).map(({ id, other, label }) => ({ id, path: `/else/${other}`, label })),
  fc.record({ shard: fc.nat(3), key: relId, ext: fc.constantFrom('jpg', 'png'), label: fc.nat(9), offset: fc.nat(2 ** 40), size: fc.nat(2 ** 31) }).map(({ shard, key, ext, label, offset, size }) => ({
    id: `${shard}.tar/${key}`,
    path: `/wds/test/${shard}.tar#${key}.${ext}`,
    label,
    source: { kind: 'tar' as const, tar: `/wds/test/${shard}.tar`, offset, size },
  })),
  fc.record({ id: relId, labels: fc.array(fc.nat(124), { minLength: 1, maxLength: 4 }) }).map(({ id, labels }) => ({ id, path: `/objectnet/${id}`, label: labels[0], labels })),
);

test('item list: every item reads back as listed (get, labelAt, slice, iteration); index = position', () => {
  fc.assert(
    fc.property(fc.array(listed, { maxLength: 60 }), (items) => {
      const list = itemListOf(items);
      const expected = items.map((it, index) => ({ index, ...it }));
      assert.equal(list.length, items.length);
      for (let i = 0; i < items.length; i++) {
        assert.deepStrictEqual(list.get(i), expected[i]);
        assert.equal(list.labelAt(i), items[i].label);
      }
      assert.deepStrictEqual([...list], expected);
      assert.deepStrictEqual(labelsOf(list), Int32Array.from(items, (it) => it.label));
      assert.deepStrictEqual(list.slice(), expected);
      assert.deepStrictEqual(list.slice(2, 5), expected.slice(2, 5));
      assert.deepStrictEqual(list.slice(-3, 1000), expected.slice(0));
      // The key order of an item as the readers built it (JSON of items is written in some places).
      if (items.length > 0) assert.equal(JSON.stringify(list.get(0)), JSON.stringify(expected[0]));
    }),
    { numRuns: 300 },
  );
});

test('item list: positions outside the list, an index that is not the position, push after finish', () => {
  const list = itemListOf([{ id: 'a/x.png', path: '/d/a/x.png', label: 1 }]);
  for (const bad of [-1, 1, 0.5, Number.NaN]) {
    assert.throws(() => list.get(bad), RangeError);
    assert.throws(() => list.labelAt(bad), RangeError);
  }
  assert.throws(() => itemListOf([{ index: 1, id: 'x', path: '/x', label: 0 }]), /index 1 at position 0/);
  const b = new ItemListBuilder();
  b.finish();
  assert.throws(() => b.push({ id: 'x', path: '/x', label: 0 }), /after finish/);
  assert.equal(itemListOf([]).length, 0);
});

test('selectItems: a view at positions, whose items keep their dataset index; someItem stops at the first', () => {
  fc.assert(
    fc.property(fc.array(listed, { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 20 }), (items, picks) => {
      const list = itemListOf(items);
      const positions = Uint32Array.from(picks, (p) => p % items.length);
      const view = selectItems(list, positions);
      assert.equal(view.length, positions.length);
      assert.deepStrictEqual([...view], Array.from(positions, (p) => list.get(p)));
      positions.forEach((p, j) => assert.equal(view.labelAt(j), list.labelAt(p)));
      assert.deepStrictEqual(labelsOf(view), Int32Array.from(positions, (p) => list.labelAt(p)));
    }),
  );
  const list = itemListOf([
    { id: 'a', path: '/a', label: 0 },
    { id: 'b', path: '/b', label: 1 },
    { id: 'c', path: '/c', label: 2 },
  ]);
  assert.throws(() => selectItems(list, Uint32Array.of(0, 3)), RangeError);
  const seen: string[] = [];
  assert.equal(
    someItem(list, (it) => {
      seen.push(it.id);
      return it.label === 1;
    }),
    true,
  );
  assert.deepEqual(seen, ['a', 'b']);
  assert.equal(someItem(list, (it) => it.label > 5), false);
});

test('item list: 100,000 listed images take about 26 bytes each, outside the heap', () => {
  const b = new ItemListBuilder();
  for (let i = 0; i < 100_000; i++) {
    const name = `${String(i).padStart(6, '0')}.png`;
    b.push({ id: `class_${i % 100}/${name}`, path: `/data/sets/images/class_${i % 100}/${name}`, label: i % 100 });
  }
  const list = b.finish();
  const parts = (list as unknown as { parts: { bytes: Buffer; pairOf: Uint32Array; idEnd: Uint32Array; recordEnd: Uint32Array; labels: Int32Array; pairs: unknown[] } }).parts;
  const bytes = parts.bytes.length + parts.pairOf.byteLength + parts.idEnd.byteLength + parts.recordEnd.byteLength + parts.labels.byteLength;
  assert.equal(parts.pairs.length, 100, 'one prefix pair per folder');
  assert.equal(bytes, 100_000 * (10 + 16), 'the file names once (the path ends with the id) and four 32-bit numbers');
  assert.equal(list.get(99_999).path, '/data/sets/images/class_99/099999.png');
});
