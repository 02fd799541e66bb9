/**
 * Packed item keys (src/store/packed-keys.ts): a KeyRowIndex answers as a Map of the first row of each key, and a
 * KeyList gives back the strings it was given, for sha256 keys (packed) and any other key alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeyList, KeyRowIndex } from '../src/store/packed-keys.js';

/** Keys from a small pool (so repeats are common): sha256-like hex, hex that differs in one word, and other strings. */
const keyPool = fc.constantFrom(
  ...Array.from({ length: 6 }, (_, i) => i.toString(16).repeat(64)),
  `${'ab'.repeat(28)}00000001`,
  `${'ab'.repeat(28)}00000002`,
  `00000001${'ab'.repeat(28)}`,
  'a',
  'B'.repeat(64), // 64 characters, not lowercase hex: kept as a string
  `${'0'.repeat(63)}g`,
  '',
  'é',
);
const key = fc.oneof(keyPool, fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), fc.string());

test('KeyRowIndex: get / has / size equal a Map of each key to its first row, before and after clear + reindex', () => {
  fc.assert(
    fc.property(fc.array(key, { maxLength: 3000 }), fc.array(key, { maxLength: 50 }), (keys, probes) => {
      const index = new KeyRowIndex();
      const map = new Map<string, number>();
      keys.forEach((k, row) => {
        assert.equal(index.addRow(k), row);
        if (!map.has(k)) map.set(k, row);
      });
      const check = () => {
        assert.equal(index.size, map.size);
        for (const k of [...keys, ...probes]) {
          assert.equal(index.get(k), map.get(k));
          assert.equal(index.has(k), map.has(k));
        }
      };
      check();
      keys.forEach((k, row) => assert.equal(index.keyOfRow(row), k));
      assert.equal(index.rowCount, keys.length);
      // Reindexed from the recorded rows, in another order: the first row indexed wins.
      index.clear();
      assert.equal(index.size, 0);
      map.clear();
      for (let row = keys.length - 1; row >= 0; row--) {
        index.indexRow(row);
        if (!map.has(keys[row])) map.set(keys[row], row);
      }
      check();
    }),
    { numRuns: 60 },
  );
});

test('KeyList: set / at / slice / select / iteration give back the strings set', () => {
  fc.assert(
    fc.property(fc.array(fc.option(key, { nil: undefined }), { maxLength: 200 }), fc.array(fc.nat(), { maxLength: 40 }), (slots, picks) => {
      const list = new KeyList(slots.length);
      slots.forEach((k, i) => {
        if (k !== undefined) list.set(i, k);
      });
      slots.forEach((k, i) => {
        assert.equal(list.at(i), k);
        assert.equal(list.has(i), k !== undefined);
      });
      const full = slots.flatMap((k, i) => (k === undefined ? [] : [i]));
      const chosen = list.select([...full, ...picks.filter(() => full.length > 0).map((p) => full[p % full.length])]);
      const expected = [...full, ...picks.filter(() => full.length > 0).map((p) => full[p % full.length])].map((i) => slots[i] as string);
      assert.deepEqual(chosen.slice(), expected);
      assert.deepEqual([...chosen], expected);
      assert.deepEqual(chosen.slice(1, 3), expected.slice(1, 3));
      assert.deepEqual(KeyList.of(expected).slice(), expected);
    }),
    { numRuns: 100 },
  );
  const list = new KeyList(2);
  list.set(0, 'f'.repeat(64));
  assert.throws(() => list.slice(), /slot 1 holds no key/);
  assert.throws(() => list.at(2), RangeError);
  list.set(0, 'x'); // a slot set again holds the new key, whatever its form
  assert.equal(list.at(0), 'x');
  list.set(0, 'e'.repeat(64));
  assert.equal(list.at(0), 'e'.repeat(64));
});
