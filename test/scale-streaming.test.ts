/**
 * `eval zeroshot` scored in blocks (issue 18: memory bounded independently of the dataset's size): the streaming path
 * (ClassificationAccumulator, ZeroShotAccumulator, ZeroShotOutputWriter, EvalContext.logitBlocks) against the
 * whole-matrix functions it replaced (classificationMetrics, subsetMetrics, predictionConfidence, writeZeroShotRun,
 * EvalContext.logits / scores), which stay as the oracle: metrics bit-identical, files byte-identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseCorruptions } from '../src/corruptions/catalog.js';
import { DEFAULT_CORRUPTION_PROTOCOL } from '../src/corruptions/protocol.js';
import { openImageFolder, type Dataset, type DatasetItem } from '../src/data/index.js';
import { openImageList } from '../src/data/image-list.js';
import { itemListOf } from '../src/data/item-list.js';
import { calibrationMetrics, calibrationMetricsBlocks, fitTemperature, fitTemperatureBlocks, type LogitBlockSource } from '../src/metrics/calibration.js';
import { ClassificationAccumulator, classificationMetrics } from '../src/metrics/classification.js';
import { oodMetrics, oodScoresOf, type OodScoreName } from '../src/metrics/ood.js';
import { predictionConfidence } from '../src/models/scoring.js';
import type { ScoreKind } from '../src/models/families.js';
import { AtomicWriter } from '../src/store/atomic.js';
import { encodeNpy, NpyStreamWriter } from '../src/store/npy.js';
import { RowSpill } from '../src/store/row-spill.js';
import { seededPermutation } from '../src/tasks/calibration/run.js';
import { EvalContext, logitBlockRows } from '../src/tasks/eval-context.js';
import type { ZeroShotMetrics, ZeroShotResult } from '../src/tasks/zeroshot/result.js';
import { subsetMetrics, writeZeroShotRun } from './helpers/zeroshot-oracle.js';
import { streamZeroShot, ZeroShotAccumulator, type ZeroShotBlock } from '../src/tasks/zeroshot/stream.js';
import { silentProgress } from '../src/util/progress.js';
import { makeImageFolder, runCli, writeTestImage } from './helpers/cli.js';
import { fixtureDir } from './helpers/fixtures.js';
import { withTempDir } from './helpers/temp-dir.js';

/** Consecutive blocks of `n` rows cut at the given sizes (cycled), as the streaming path receives them. */
function* cut(logits: Float32Array, n: number, c: number, sizes: readonly number[]): Generator<ZeroShotBlock> {
  let start = 0;
  let k = 0;
  while (start < n) {
    const count = Math.min(n - start, sizes[k++ % sizes.length]);
    // A copy of its own rows: a block must not be read past them (logitBlocks reuses its arrays block after block).
    yield { start, count, logits: logits.slice(start * c, (start + count) * c) };
    start += count;
  }
}

/** Logits drawn from a few values, so that ties (in the argmax and in top-5) are common. */
const tiedLogits = (n: number, c: number) => fc.array(fc.constantFrom(-1.5, 0, 0.25, 0.25, 2, 7.5, -0), { minLength: n * c, maxLength: n * c }).map((v) => Float32Array.from(v));

const caseArb = fc
  .record({ n: fc.integer({ min: 1, max: 40 }), c: fc.integer({ min: 1, max: 9 }) })
  .chain(({ n, c }) =>
    fc.record({
      n: fc.constant(n),
      c: fc.constant(c),
      logits: fc.oneof(tiedLogits(n, c), fc.float32Array({ noNaN: true, noDefaultInfinity: true, minLength: n * c, maxLength: n * c })),
      targets: fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }),
      // Any-of label sets on some rows (ObjectNet: one class maps to several), or none at all.
      sets: fc.option(fc.array(fc.option(fc.uniqueArray(fc.integer({ min: 0, max: c - 1 }), { minLength: 1, maxLength: Math.min(c, 4) })), { minLength: n, maxLength: n }), { nil: undefined }),
      sizes: fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 4 }),
      kind: fc.constantFrom<ScoreKind>('softmax', 'sigmoid'),
      subsets: fc.boolean(),
      prefixes: fc.array(fc.constantFrom('background/', 'texture/', 'material/', 'other/'), { minLength: n, maxLength: n }),
    }),
  );

test('ClassificationAccumulator over blocks = classificationMetrics over the whole matrix (ties, any-of labels), bit for bit', () => {
  fc.assert(
    fc.property(caseArb, ({ n, c, logits, targets, sets, sizes }) => {
      const t = Int32Array.from(targets);
      const anyOf = sets ? sets.map((s, i) => s ?? [targets[i]]) : undefined;
      const { preds, ...whole } = classificationMetrics(logits, n, c, t, anyOf);
      const acc = new ClassificationAccumulator(c, anyOf !== undefined);
      const streamed: number[] = [];
      for (const b of cut(logits, n, c, sizes)) for (let r = 0; r < b.count; r++) streamed.push(acc.add(b.logits, r, targets[b.start + r], anyOf?.[b.start + r]));
      assert.deepStrictEqual(acc.result(), whole); // Object.is on every number: NaN = NaN, -0 != 0
      assert.deepStrictEqual(streamed, [...preds]);
    }),
    { numRuns: 300 },
  );
});

function itemsOf(prefixes: readonly string[], targets: readonly number[], sets: ReadonlyArray<readonly number[] | null> | undefined): DatasetItem[] {
  return targets.map((label, i) => {
    const set = sets?.[i];
    const item: DatasetItem = { index: i, id: `${prefixes[i]}img${i}.png`, path: `/data/${prefixes[i]}img${i}.png`, label: set ? set[0] : label };
    if (set) item.labels = set;
    return item;
  });
}

const SUBSETS = [
  { name: 'background', prefix: 'background/' },
  { name: 'texture', prefix: 'texture/' },
  { name: 'material', prefix: 'material/' },
  { name: 'empty', prefix: 'nothing/' },
];

/** The whole-matrix path of `eval zeroshot` before issue 18's streaming, writing to `dir`. */
async function wholeMatrixRun(dir: string, items: DatasetItem[], logits: Float32Array, c: number, kind: ScoreKind, subsets: typeof SUBSETS | undefined): Promise<ZeroShotMetrics> {
  const n = items.length;
  const targets = Int32Array.from(items, (it) => it.label);
  const anyOf = items.some((it) => it.labels) ? items.map((it) => it.labels ?? [it.label]) : undefined;
  const { preds, ...pooled } = classificationMetrics(logits, n, c, targets, anyOf);
  const metrics: ZeroShotMetrics = subsets && subsets.length > 0 ? { ...pooled, subsets: subsetMetrics(subsets, items, logits, c) } : pooled;
  const confidence = predictionConfidence(logits, n, c, kind);
  const result = { dataset: { num_classes: c }, metrics } as unknown as ZeroShotResult;
  await writeZeroShotRun(dir, result, { items, preds, confidence, logits, failures: [] });
  return metrics;
}

async function sameFiles(a: string, b: string, names: readonly string[]): Promise<void> {
  for (const name of names) assert.ok((await fs.readFile(path.join(a, name))).equals(await fs.readFile(path.join(b, name))), `${name} differs`);
}

test('streamZeroShot: metrics, logits.npy and predictions.jsonl identical to the whole-matrix path (subsets, any-of, ties)', () =>
  withTempDir(async (dir) => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ n, c, logits, targets, sets, sizes, kind, subsets, prefixes }) => {
        const items = itemsOf(prefixes, targets, sets ?? undefined);
        const a = path.join(dir, `whole-${run}`);
        const b = path.join(dir, `stream-${run++}`);
        const whole = await wholeMatrixRun(a, items, logits, c, kind, subsets ? SUBSETS : undefined);
        const streamed = await streamZeroShot(cut(logits, n, c, sizes), itemListOf(items), c, kind, subsets ? SUBSETS : undefined, b);
        assert.deepStrictEqual(streamed, whole);
        assert.equal(JSON.stringify(streamed), JSON.stringify(whole)); // key order too (result.json)
        await sameFiles(a, b, ['logits.npy', 'predictions.jsonl']);
        assert.deepEqual((await fs.readdir(b)).sort(), ['logits.npy', 'predictions.jsonl']); // no temp file left
      }),
      { numRuns: 60 },
    );
  }));

test('streamZeroShot: a block out of order or a short stream leaves no output and no temp file', () =>
  withTempDir(async (dir) => {
    const items = itemListOf(itemsOf(['a/', 'a/', 'a/'], [0, 1, 0], undefined));
    const logits = Float32Array.from([1, 0, 0, 1, 1, 0]);
    const blocks = [...cut(logits, 3, 2, [1])];
    await assert.rejects(streamZeroShot([blocks[0], blocks[2]], items, 2, 'softmax', undefined, dir), /row order: expected row 1, got 2/);
    await assert.rejects(streamZeroShot(blocks.slice(0, 2), items, 2, 'softmax', undefined, dir), /after 2 of 3 rows/);
    assert.deepEqual(await fs.readdir(dir), []);
    assert.throws(() => new ZeroShotAccumulator(items, 2, 'softmax').add({ start: 0, count: 2, logits: new Float32Array(3) }), /does not fit/);
  }));

test('NpyStreamWriter: block by block = encodeNpy of the whole; a wrong element count keeps the old file', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'x.npy');
    const data = Float32Array.from({ length: 7 * 3 }, (_, i) => i / 7 - 1);
    const w = await NpyStreamWriter.open(file, 'float32', [7, 3]);
    for (let i = 0; i < 7; i += 2) await w.append(data.subarray(i * 3, Math.min(7, i + 2) * 3));
    await w.commit();
    assert.ok((await fs.readFile(file)).equals(encodeNpy(data, [7, 3])));

    const short = await NpyStreamWriter.open(file, 'float32', [7, 3]);
    await short.append(data.subarray(0, 6));
    await assert.rejects(short.commit(), /holds 21 elements but 6 were written/);
    const over = await NpyStreamWriter.open(file, 'float32', [1, 3]);
    await assert.rejects(over.append(data.subarray(0, 6)), /passes it/);
    await assert.rejects(over.append(new Float64Array(3)), /appending float64 to a float32/);
    await over.abort();
    assert.ok((await fs.readFile(file)).equals(encodeNpy(data, [7, 3])));
    assert.deepEqual(await fs.readdir(dir), ['x.npy']);
  }));

test('AtomicWriter: pieces are visible only after commit; abort keeps the old content', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'p.jsonl');
    await fs.writeFile(file, 'old\n');
    const w = await AtomicWriter.open(file);
    await w.write('é'.repeat(600_000)); // past the string batch, multi-byte
    await w.write(Buffer.from('\n'));
    await w.write('end\n');
    assert.equal(await fs.readFile(file, 'utf8'), 'old\n');
    await w.commit();
    assert.equal(await fs.readFile(file, 'utf8'), `${'é'.repeat(600_000)}\nend\n`);
    await assert.rejects(w.write('x'), /already committed/);
    const aborted = await AtomicWriter.open(file);
    await aborted.write('new');
    await aborted.abort();
    await aborted.abort();
    assert.equal((await fs.readFile(file, 'utf8')).length, 600_005);
    assert.deepEqual(await fs.readdir(dir), ['p.jsonl']);
  }));

test('AtomicWriter: strings and byte arrays, awaited or not, land in order and encoded once (random pieces across the 1 MB batch)', () =>
  withTempDir(async (dir) => {
    // Pieces: short lines, multi-byte and astral characters, strings that end the batch exactly or cross it, byte
    // arrays between them; every other run fires its writes without awaiting each (ordering is decided at the call).
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.tuple(fc.constantFrom('a', 'é', '€', '😀'), fc.integer({ min: 1, max: 400_000 })).map(([ch, n]) => ch.repeat(n)),
      fc.uint8Array({ maxLength: 64 }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 12 }), async (pieces) => {
        const file = path.join(dir, `w${run}.bin`);
        const together = run++ % 2 === 1;
        const w = await AtomicWriter.open(file);
        if (together) await Promise.all(pieces.map((p) => w.write(p)));
        else for (const p of pieces) await w.write(p);
        await w.commit();
        const expected = Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
        assert.ok((await fs.readFile(file)).equals(expected));
        await fs.rm(file);
      }),
      { seed: 20261203, numRuns: 40 },
    );
    assert.deepEqual(await fs.readdir(dir), []);
  }));

test('logitBlockRows: a few thousand rows, fewer for very wide heads', () => {
  assert.equal(logitBlockRows(147, 64), 4096);
  assert.equal(logitBlockRows(1000, 512), 4096);
  assert.equal(logitBlockRows(21_843, 768), 192);
  assert.equal(logitBlockRows(10_000_000, 1), 64);
});

const CLASSES = ['airplane', 'bird', 'car', 'cat', 'dog', 'tree'];

const openContext = (store: string) =>
  EvalContext.open({ model: fixtureDir('tiny-clip'), dtype: 'fp32', batchSize: 4, store, preprocess: 'fast', progress: silentProgress, warn: () => {} });

/** The fixture folder with ImageNet-D-like subsets (by class folder) and ObjectNet-like any-of labels on some items. */
function withSubsetsAndAnyOf(ds: Dataset): Dataset {
  const items = Array.from(ds.items, (it) => (it.index % 4 === 1 ? { ...it, labels: [it.label, (it.label + 2) % CLASSES.length] } : { ...it }));
  return { ...ds, items: itemListOf(items), adapter: { type: 'test', subsets: [{ name: 'animals', prefix: 'cat/' }, { name: 'birds', prefix: 'bird/' }] } } as Dataset;
}

test('EvalContext.logitBlocks = logits() / scores() of the whole set, row for row; a zero-shot run through it = the whole-matrix run', () =>
  withTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    await makeImageFolder(data, CLASSES, 4);
    const ctx = await openContext(path.join(dir, 'store'));
    try {
      const ds = withSubsetsAndAnyOf(await openImageFolder(data));
      const head = await ctx.classifier(ds.classnames, ['a photo of a {c}.']);
      const items = await ctx.embedItems(ds);
      const whole = await ctx.embed(ds);
      assert.equal(whole.inferred, 0);
      const c = CLASSES.length;
      const logits = ctx.logits(whole, head);
      const scores = ctx.scores(whole, head);
      for (const blockRows of [1, 5, 24, 100]) {
        const got = new Float32Array(items.n * c);
        const cos = new Float32Array(items.n * c);
        let next = 0;
        for (const b of await ctx.logitBlocks(items, head, { blockRows, cosines: true })) {
          assert.equal(b.start, next);
          got.set(b.logits, b.start * c);
          cos.set(b.cosines as Float32Array, b.start * c);
          next += b.count;
        }
        assert.equal(next, items.n);
        assert.deepEqual(got, logits);
        assert.deepEqual(got, scores.logits);
        assert.deepEqual(cos, scores.cosines);
      }
      const a = path.join(dir, 'whole');
      const b = path.join(dir, 'stream');
      const subsets = ds.adapter?.subsets as typeof SUBSETS;
      const expected = await wholeMatrixRun(a, [...whole.ok], logits, c, ctx.rule.kind, subsets);
      const got = await streamZeroShot(await ctx.logitBlocks(items, head, { blockRows: 7 }), items.ok, c, ctx.rule.kind, subsets, b);
      assert.equal(JSON.stringify(got), JSON.stringify(expected));
      assert.ok(got.subsets?.animals && got.subsets.birds);
      await sameFiles(a, b, ['logits.npy', 'predictions.jsonl']);
    } finally {
      await ctx.close();
    }
  }));

test('eval zeroshot (built CLI): result metrics, logits.npy and predictions.jsonl = the whole-matrix path over the same store', () =>
  withTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    await makeImageFolder(data, CLASSES, 3);
    const store = path.join(dir, 'store');
    const out = path.join(dir, 'run');
    const r = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', data, '--out', out, '--store', store, '--batch-size', '4', '--preprocess', 'fast', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(await fs.readFile(path.join(out, 'result.json'), 'utf8')) as ZeroShotResult;
    const ctx = await openContext(store);
    try {
      const ds = await openImageFolder(data);
      const head = await ctx.classifier(ds.classnames, ['a photo of a {c}.']);
      const whole = await ctx.embed(ds);
      assert.equal(whole.inferred, 0); // the CLI's embeddings
      const oracle = path.join(dir, 'oracle');
      const expected = await wholeMatrixRun(oracle, [...whole.ok], ctx.logits(whole, head), CLASSES.length, ctx.rule.kind, undefined);
      assert.equal(JSON.stringify(result.metrics), JSON.stringify(expected));
      await sameFiles(oracle, out, ['logits.npy', 'predictions.jsonl']);
      assert.ok(!existsSync(path.join(out, 'failures.jsonl')));
      assert.deepEqual((await fs.readdir(out)).filter((f) => f.includes('.holoclip-tmp-')), []);
    } finally {
      await ctx.close();
    }
  }));

/** A whole matrix served in blocks of the given sizes (cycled), as the store or a spill file serves them. */
function blockSource(logits: Float32Array, n: number, c: number, sizes: readonly number[]): LogitBlockSource {
  return {
    n,
    c,
    forEachBlock: async (visit) => {
      for (const b of cut(logits, n, c, sizes)) visit(b.logits, b.start, b.count);
    },
  };
}

test('fitTemperatureBlocks and calibrationMetricsBlocks over blocks = fitTemperature and calibrationMetrics of the whole matrix, bit for bit', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({ n: fc.integer({ min: 1, max: 60 }), c: fc.integer({ min: 2, max: 8 }) }).chain(({ n, c }) =>
        fc.record({
          n: fc.constant(n),
          c: fc.constant(c),
          logits: fc.float32Array({ noNaN: true, noDefaultInfinity: true, min: -30, max: 30, minLength: n * c, maxLength: n * c }),
          labels: fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }),
          sizes: fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 4 }),
          bins: fc.integer({ min: 1, max: 20 }),
        }),
      ),
      async ({ n, c, logits, labels, sizes, bins }) => {
        const y = Int32Array.from(labels);
        const whole = fitTemperature(logits, n, c, y);
        const blocked = await fitTemperatureBlocks(blockSource(logits, n, c, sizes), y);
        assert.deepStrictEqual(blocked, whole);
        const [before, after] = await calibrationMetricsBlocks(blockSource(logits, n, c, sizes), y, [1, whole.temperature], bins);
        assert.deepStrictEqual(before, calibrationMetrics(logits, n, c, y, { numBins: bins }));
        assert.deepStrictEqual(after, calibrationMetrics(logits, n, c, y, { numBins: bins, temperature: whole.temperature }));
      },
    ),
    { numRuns: 150 },
  );
  await assert.rejects(fitTemperatureBlocks(blockSource(Float32Array.from([0, Number.NaN]), 1, 2, [1]), [0]), /non-finite value/);
  await assert.rejects(calibrationMetricsBlocks(blockSource(new Float32Array(4), 2, 2, [1]), [0, 2], [1]), /label out of range/);
});

test('RowSpill: rows appended in blocks are read back in other blocks, as often as asked; remove deletes the file', () =>
  withTempDir(async (dir) => {
    const spill = await RowSpill.create(dir, 'x', 3);
    const data = Float32Array.from({ length: 3 * 10 }, (_, i) => Math.sin(i));
    await spill.append(data.subarray(0, 9));
    await spill.append(new Float32Array(0));
    await spill.append(data.subarray(9));
    await assert.rejects(spill.append(new Float32Array(2)), /not whole rows of 3/);
    assert.equal(spill.rows, 10);
    for (const blockRows of [1, 4, 10, 64]) {
      const got = new Float32Array(30);
      let next = 0;
      await spill.forEachBlock((block, first, rows) => {
        assert.equal(first, next);
        got.set(block, first * 3);
        next += rows;
      }, blockRows);
      assert.deepEqual(got, data);
    }
    assert.match((await fs.readdir(dir))[0], /^x\.holoclip-tmp-/);
    await spill.remove();
    await spill.remove();
    assert.deepEqual(await fs.readdir(dir), []);
  }));

const readJson = async (file: string) => JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, any>;

test('eval calibration (built CLI, a split and a shift): metrics and reliability.json = the whole-matrix path; no spill file left', () =>
  withTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    const shift = path.join(dir, 'shift');
    await makeImageFolder(data, CLASSES, 4);
    await makeImageFolder(shift, CLASSES, 2);
    const store = path.join(dir, 'store');
    const out = path.join(dir, 'run');
    const r = await runCli(['eval', 'calibration', '--model', fixtureDir('tiny-clip'), '--data', data, '--shift', `other=${shift}`, '--store', store, '--out', out, '--bins', '7', '--preprocess', 'fast', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const result = await readJson(path.join(out, 'result.json'));
    const reliability = await readJson(path.join(out, 'reliability.json'));
    assert.deepEqual((await fs.readdir(out)).sort(), ['reliability.json', 'result.json']);
    const ctx = await openContext(store);
    try {
      const ds = await openImageFolder(data);
      const head = await ctx.classifier(ds.classnames, ['a photo of a {c}.']);
      const id = await ctx.embed(ds);
      const other = await ctx.embed(await openImageFolder(shift));
      assert.equal(id.inferred + other.inferred, 0);
      const c = CLASSES.length;
      // The whole-matrix path (before issue 18's streaming): split, pick, fit, metrics before and after.
      const logits = ctx.logits(id, head);
      const labels = Int32Array.from(id.ok, (it) => it.label);
      const perm = seededPermutation(id.n, 0);
      const nCal = Math.round(id.n * 0.5);
      const pick = (rows: number[]) => {
        const m = new Float32Array(rows.length * c);
        rows.forEach((row, i) => m.set(logits.subarray(row * c, (row + 1) * c), i * c));
        return { m, y: Int32Array.from(rows, (row) => labels[row]) };
      };
      const cal = pick(Array.from(perm.subarray(0, nCal)).sort((a, b) => a - b));
      const test = pick(Array.from(perm.subarray(nCal)).sort((a, b) => a - b));
      const fit = fitTemperature(cal.m, cal.y.length, c, cal.y);
      assert.equal(result.metrics.temperature, fit.temperature);
      assert.deepEqual(result.metrics.calibration, { n: nCal, nll_before: fit.nllBefore, nll_after: fit.nllAfter });
      const sets = { id: test, other: { m: ctx.logits(other, head), y: Int32Array.from(other.ok, (it) => it.label) } };
      for (const [name, { m, y }] of Object.entries(sets)) {
        const before = calibrationMetrics(m, y.length, c, y, { numBins: 7 });
        const after = calibrationMetrics(m, y.length, c, y, { numBins: 7, temperature: fit.temperature });
        const strip = ({ bins: _b, ...rest }: typeof before) => rest;
        assert.equal(JSON.stringify(result.metrics.sets[name]), JSON.stringify({ n: y.length, before: strip(before), after: strip(after) }), name);
        assert.equal(JSON.stringify(reliability.sets[name]), JSON.stringify({ before: before.bins, after: after.bins }), name);
      }
    } finally {
      await ctx.close();
    }
  }));

test('eval ood (built CLI): metrics and ood_scores.jsonl = the whole-matrix path (cosine and logit scores)', () =>
  withTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    const noise = path.join(dir, 'noise');
    await makeImageFolder(data, CLASSES, 3);
    await makeImageFolder(noise, ['x', 'y'], 4);
    const store = path.join(dir, 'store');
    const out = path.join(dir, 'run');
    const names: OodScoreName[] = ['msp', 'maxlogit', 'energy', 'mcm', 'maxlogit-scaled', 'energy-scaled'];
    const r = await runCli(['eval', 'ood', '--model', fixtureDir('tiny-clip'), '--data', data, '--ood', `noise=${noise}`, '--score', names.join(','), '--store', store, '--out', out, '--preprocess', 'fast', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const result = await readJson(path.join(out, 'result.json'));
    const ctx = await openContext(store);
    try {
      const ds = await openImageFolder(data);
      const head = await ctx.classifier(ds.classnames, ['a photo of a {c}.']);
      const c = CLASSES.length;
      const scored = [];
      for (const [name, d] of [['id', ds], ['noise', await openImageList(noise)]] as const) {
        const set = await ctx.embed(d);
        assert.equal(set.inferred, 0);
        const sc = ctx.scores(set, head);
        const scores = new Map(names.map((s) => [s, oodScoresOf(s, s === 'msp' || s.endsWith('-scaled') ? sc.logits : (sc.cosines as Float32Array), set.n, c)]));
        scored.push({ name, set, scores, logits: sc.logits });
      }
      const [id, ood] = scored;
      assert.equal(result.metrics.id_top1, classificationMetrics(id.logits, id.set.n, c, Int32Array.from(id.set.ok, (it) => it.label)).top1);
      for (const s of names) assert.equal(JSON.stringify(result.metrics.sets.noise[s]), JSON.stringify(oodMetrics(id.scores.get(s) as Float64Array, ood.scores.get(s) as Float64Array)), s);
      const lines = scored.flatMap(({ name, set, scores }) => Array.from(set.ok, (it, i) => `${JSON.stringify({ set: name, id: it.id, ...Object.fromEntries([...scores].map(([s, v]) => [s, v[i]])) })}\n`));
      assert.equal(await fs.readFile(path.join(out, 'ood_scores.jsonl'), 'utf8'), lines.join(''));
    } finally {
      await ctx.close();
    }
  }));

test('eval zeroshot --corruption and eval factors (built CLI), scored in blocks: top-1 / top-5 per cell, predictions.csv = the whole-matrix path', () =>
  withTempDir(async (dir) => {
    // Names unique across classes: ImageNet-X joins images by file name.
    const data = path.join(dir, 'data');
    let seed = 40;
    for (const cls of CLASSES) for (let i = 0; i < 3; i++) await writeTestImage(path.join(data, cls, `${cls}_${i}.png`), seed++);
    const store = path.join(dir, 'store');
    const corr = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', data, '--corruption', 'gaussian_noise:2,contrast:4', '--store', store, '--out', path.join(dir, 'corr'), '--quiet']);
    assert.equal(corr.code, 0, corr.stderr);
    const cr = await readJson(path.join(dir, 'corr', 'result.json'));
    // ImageNet-X-style annotations for every image (joined by file name), one factor each.
    const ds = await openImageFolder(data);
    const factorNames = ['pose', 'background', 'pattern', 'color', 'smaller', 'shape', 'partial_view', 'subcategory', 'texture', 'larger', 'darker', 'object_blocking', 'person_blocking', 'style', 'brighter', 'multiple_objects'];
    const ann = Array.from(ds.items, (it, i) => JSON.stringify({ file_name: path.basename(it.id), class: it.label, ...Object.fromEntries(factorNames.map((f, j) => [f, j === i % 16 ? 1 : 0])) }));
    await fs.writeFile(path.join(dir, 'ann.jsonl'), `${ann.join('\n')}\n`);
    await fs.writeFile(path.join(dir, 'protos.csv'), 'file_name\n');
    const fac = await runCli(['eval', 'factors', '--model', fixtureDir('tiny-clip'), '--data', data, '--annotations', path.join(dir, 'ann.jsonl'), '--prototypical', path.join(dir, 'protos.csv'), '--store', store, '--out', path.join(dir, 'fac'), '--quiet']);
    assert.equal(fac.code, 0, fac.stderr);
    const fr = await readJson(path.join(dir, 'fac', 'result.json'));
    const ctx = await EvalContext.open({ model: fixtureDir('tiny-clip'), dtype: 'fp32', batchSize: 32, store, preprocess: 'auto', progress: silentProgress, warn: () => {} });
    try {
      const head = await ctx.classifier(ds.classnames, ['a photo of a {c}.']);
      const c = CLASSES.length;
      const whole = async (transform: Parameters<EvalContext['embed']>[2]) => {
        const set = await ctx.embed(ds, 'images', transform);
        assert.equal(set.inferred, 0); // the CLI's embeddings
        const logits = ctx.logits(set, head);
        return { set, logits, m: classificationMetrics(logits, set.n, c, Int32Array.from(set.ok, (it) => it.label)) };
      };
      const clean = await whole({});
      assert.deepEqual(cr.metrics.clean, { n: clean.set.n, top1: clean.m.top1, top5: clean.m.top5 });
      const specs = parseCorruptions('gaussian_noise:2,contrast:4', 0, DEFAULT_CORRUPTION_PROTOCOL);
      for (const [i, spec] of specs.entries()) {
        const cell = await whole({ corruption: spec });
        assert.deepEqual(cr.metrics.cells[i], { corruption: spec.name, severity: spec.severity, n: cell.set.n, top1: cell.m.top1, top5: cell.m.top5 });
      }
      assert.equal(fr.metrics.top1_all_images, clean.m.top1);
      const confidence = predictionConfidence(clean.logits, clean.set.n, c, ctx.rule.kind);
      const csv = Array.from(clean.set.ok, (it, i) => `${path.basename(it.id)},${clean.m.preds[i]},${confidence[i]}`);
      assert.equal(await fs.readFile(path.join(dir, 'fac', 'predictions.csv'), 'utf8'), `file_name,predicted_class,predicted_probability\n${csv.join('\n')}\n`);
    } finally {
      await ctx.close();
    }
  }));
