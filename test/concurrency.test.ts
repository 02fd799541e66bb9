/**
 * mapLimit / forEachLimit (src/util/concurrency.ts): order of results, the limit, item lists read by position, and a
 * turn for the event loop during a run whose calls resolve at once (timers and V8's incremental marking need it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { itemListOf } from '../src/data/item-list.js';
import { forEachLimit, mapLimit } from '../src/util/concurrency.js';

test('mapLimit: results in input order, at most `limit` calls in flight, an item list read by position', async () => {
  let inFlight = 0;
  let most = 0;
  const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x, i) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, x));
    inFlight--;
    return `${i}:${x}`;
  });
  assert.deepEqual(out, ['0:5', '1:1', '2:4', '3:2', '4:3']);
  assert.equal(most, 2);
  const list = itemListOf([
    { id: 'a/1.png', path: '/d/a/1.png', label: 3 },
    { id: 'b/2.png', path: '/d/b/2.png', label: 7 },
  ]);
  assert.deepEqual(await mapLimit(list, 4, async (item, i) => [item.index, i, item.label]), [
    [0, 0, 3],
    [1, 1, 7],
  ]);
  assert.deepEqual(await mapLimit([], 3, async () => 1), []);
});

test('forEachLimit: calls that resolve at once still give the event loop a turn (a timer fires before the end)', async () => {
  const started = performance.now();
  let fired = -1;
  let done = 0;
  setTimeout(() => (fired = done), 5);
  await forEachLimit({ length: 40_000, get: (i: number) => i }, 16, async () => {
    const until = performance.now() + 0.005; // 5 us of work, no awaiting anything but the call itself
    while (performance.now() < until);
    done++;
  });
  assert.equal(done, 40_000);
  assert.ok(performance.now() - started > 100, 'the run must outlast a few turns for the check to mean anything');
  assert.ok(fired >= 0 && fired < 40_000, `the timer fired after ${fired} of 40000 calls`);
});

test('forEachLimit: the first failure rejects the run', async () => {
  await assert.rejects(
    forEachLimit([1, 2, 3], 2, async (x) => {
      if (x === 2) throw new Error('item 2');
    }),
    /item 2/,
  );
});
