/**
 * The pieces of `holoclip run` that need no model: shard parsing and partition, the unit result
 * store (temp folder + rename, concurrent writers, stale temp folders), results.csv quoting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, utimesSync } from 'node:fs';
import path from 'node:path';
import { UnitResultStore } from '../src/store/unit-results.js';
import { parseShard, shardUnits } from '../src/suite/plan.js';
import type { SuiteResults } from '../src/results/types.js';
import { resultsCsv } from '../src/suite/write-outputs.js';
import { withTempDir } from './helpers/temp-dir.js';

test('parseShard accepts i/N with 1 <= i <= N and nothing else', () => {
  assert.deepEqual(parseShard('1/2'), { index: 1, count: 2 });
  assert.deepEqual(parseShard(' 3/3 '), { index: 3, count: 3 });
  for (const bad of ['0/2', '3/2', '1/0', '1', '1/2/3', 'a/b', '-1/2', '1.5/2']) assert.equal(parseShard(bad), null, bad);
});

test('shards partition the units: disjoint, complete, deterministic', () => {
  const units = Array.from({ length: 23 }, (_, i) => `u${i}`);
  for (const count of [1, 2, 3, 7, 30]) {
    const parts = Array.from({ length: count }, (_, k) => shardUnits(units, { index: k + 1, count }));
    assert.deepEqual(parts.flat().sort(), [...units].sort(), `N=${count}`);
    assert.equal(new Set(parts.flat()).size, units.length);
    assert.deepEqual(parts, Array.from({ length: count }, (_, k) => shardUnits(units, { index: k + 1, count })));
  }
});

test('unit store: a unit appears whole or not at all; a second writer of the same unit yields to the first', async () => {
  await withTempDir(async (dir) => {
    const store = new UnitResultStore(dir);
    assert.equal(await store.isDone('k1'), false);
    const write = (value: number) => async (out: string) => {
      await fs.mkdir(out, { recursive: true });
      await fs.writeFile(path.join(out, 'extra.txt'), String(value));
      await new Promise((r) => setTimeout(r, 20));
      await fs.writeFile(path.join(out, 'result.json'), JSON.stringify({ value }));
    };
    const [a, b] = await Promise.all([store.compute('k1', write(1)), store.compute('k1', write(2))]);
    assert.equal(a, b);
    assert.equal(await store.isDone('k1'), true);
    const result = JSON.parse(await fs.readFile(path.join(a, 'result.json'), 'utf8')) as { value: number };
    // Whichever won, its files are together.
    assert.equal(await fs.readFile(path.join(a, 'extra.txt'), 'utf8'), String(result.value));
    assert.deepEqual(await fs.readdir(path.join(dir, 'units')), ['k1'], 'no temp folder left');

    // A writer that fails (or is killed) leaves nothing under the key.
    await assert.rejects(store.compute('k2', async (out) => {
      await fs.mkdir(out, { recursive: true });
      throw new Error('boom');
    }));
    assert.equal(await store.isDone('k2'), false);
    // A writer that forgets result.json does not put an incomplete unit in place.
    await assert.rejects(store.compute('k3', async (out) => {
      await fs.mkdir(out, { recursive: true });
    }));
    assert.deepEqual(await fs.readdir(path.join(dir, 'units')), ['k1']);
  });
});

test('unit store: temp folders of killed runs (pids above pid_max: never alive) are removed once an hour old, not before', async () => {
  await withTempDir(async (dir) => {
    const store = new UnitResultStore(dir);
    const young = path.join(dir, 'units', 'k.holoclip-tmp-2147483646-aaaaaaaaaaaa');
    const old = path.join(dir, 'units', 'k.holoclip-tmp-2147483645-bbbbbbbbbbbb');
    await fs.mkdir(young, { recursive: true });
    await fs.mkdir(old, { recursive: true });
    const hourAgo = (Date.now() - 3700_000) / 1000;
    utimesSync(old, hourAgo, hourAgo);
    assert.equal(await store.removeStale(), 1);
    assert.deepEqual(await fs.readdir(path.join(dir, 'units')), ['k.holoclip-tmp-2147483646-aaaaaaaaaaaa']);
  });
});

test('results.csv: header, metadata columns, RFC 4180 quoting, empty cells for null', () => {
  const results = {
    models: [
      {
        name: 'm,1',
        model_type: 'clip',
        metadata: { architecture: 'vit "tiny"', training_data: null, training_size: 10, loss: 'softmax', fine_tuned: false, dtype: 'fp32' },
      },
    ],
    rows: [
      { model: 'm,1', task: 'zeroshot', type: 'zeroshot', dataset: 'd', prompts: null, variant: null, metric: 'top1', value: 0.125 },
      { model: 'm,1', task: 'ood', type: 'ood', dataset: 'o', prompts: 'p', variant: 'msp', metric: 'auroc', value: null },
    ],
  } as unknown as SuiteResults;
  assert.equal(
    resultsCsv(results),
    'model,model_type,architecture,training_data,training_size,loss,fine_tuned,dtype,task,type,dataset,prompts,variant,metric,value\n' +
      '"m,1",clip,"vit ""tiny""",,10,softmax,false,fp32,zeroshot,zeroshot,d,,,top1,0.125\n' +
      '"m,1",clip,"vit ""tiny""",,10,softmax,false,fp32,ood,ood,o,p,msp,auroc,\n',
  );
});

test('unit store: a half-written unit folder (no result.json) is not done and is replaced whole by the next compute', async () => {
  await withTempDir(async (dir) => {
    const store = new UnitResultStore(dir);
    const leftover = store.dirFor('k');
    await fs.mkdir(leftover, { recursive: true });
    await fs.writeFile(path.join(leftover, 'logits.npy'), 'half');
    assert.equal(await store.isDone('k'), false);
    const final = await store.compute('k', async (out) => {
      await fs.mkdir(out, { recursive: true });
      await fs.writeFile(path.join(out, 'result.json'), '{"value":1}');
    });
    assert.equal(final, leftover);
    assert.equal(await store.isDone('k'), true);
    assert.deepEqual((await fs.readdir(final)).sort(), ['checksums.json', 'result.json'], 'the leftover files are gone, not mixed in');
    assert.deepEqual(await fs.readdir(path.join(dir, 'units')), ['k'], 'no temp or aside folder left');
  });
});
