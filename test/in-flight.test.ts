import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlight } from '../src/util/in-flight.js';

const later = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

test('InFlight: runs up to the limit at once and waits for the oldest beyond it', async () => {
  const work = new InFlight(2);
  const done: number[] = [];
  let running = 0;
  let peak = 0;
  const piece = (i: number, ms: number) => {
    running++;
    peak = Math.max(peak, running);
    return later(ms, i).then((v) => {
      running--;
      done.push(v);
    });
  };
  for (let i = 0; i < 6; i++) await work.add(piece(i, 5 + (i % 3) * 5));
  await work.drain();
  assert.equal(work.size, 0);
  assert.ok(peak <= 3, `at most limit + the one being added, saw ${peak}`);
  assert.deepEqual([...done].sort(), [0, 1, 2, 3, 4, 5]);
});

test('InFlight: a failure is thrown by the next add or drain, and never goes unhandled', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const work = new InFlight(4);
    await work.add(Promise.reject(new Error('disk full')));
    await later(5, null);
    await assert.rejects(work.add(later(1, undefined)), /disk full/);
    await assert.rejects(work.drain(), /disk full/);
    const other = new InFlight(4);
    await other.add(later(1, undefined).then(() => { throw new Error('EIO'); }));
    await assert.rejects(other.drain(), /EIO/);
    const quiet = new InFlight(1);
    await quiet.add(Promise.reject(new Error('ignored')));
    await quiet.settle();
    await later(5, null);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('InFlight: the limit must be a positive integer', () => {
  assert.throws(() => new InFlight(0), /positive integer/);
  assert.throws(() => new InFlight(1.5), /positive integer/);
});
