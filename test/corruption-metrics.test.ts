/** mCE, relative mCE and mean corruption accuracy (Hendrycks & Dietterich 2019), and the reference-errors reader. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readReferenceErrors } from '../src/formats/reference-errors.js';
import { refKey, summarizeCorruptions, type CorruptionCell, type ReferenceErrors } from '../src/metrics/corruption.js';
import { withTempDir } from './helpers/temp-dir.js';

const close = (a: number | null, b: number, tol = 1e-12) => assert.ok(a !== null && Math.abs(a - b) <= tol, `${a} vs ${b}`);

function cells(name: string, top1: number[]): CorruptionCell[] {
  return top1.map((t, i) => ({ corruption: name, severity: i + 1, top1: t }));
}

function reference(entries: Record<string, number[]>, clean: number | null): ReferenceErrors {
  const errors = new Map<string, number>();
  for (const [name, errs] of Object.entries(entries)) errs.forEach((e, i) => errors.set(refKey(name, i + 1), e));
  return { errors, clean, source: 'test' };
}

test('the reference model scores CE = 1 on every corruption, mCE = 1, relative mCE = 1', () => {
  const ref = reference({ a: [0.5, 0.6, 0.7, 0.8, 0.9], b: [0.45, 0.5, 0.55, 0.6, 0.65] }, 0.4);
  const measured = [...cells('a', [0.5, 0.4, 0.3, 0.2, 0.1]), ...cells('b', [0.55, 0.5, 0.45, 0.4, 0.35])];
  const s = summarizeCorruptions(measured, 0.6, ref);
  for (const c of s.corruptions) close(c.ce, 1);
  close(s.mce, 1);
  close(s.relative_mce, 1);
  close(s.mca, (0.3 + 0.45) / 2);
  assert.deepEqual(s.mce_corruptions, ['a', 'b']);
});

test('CE, relative CE and mCA by hand', () => {
  // Model errors on a: 0.2, 0.3, 0.4 (sum 0.9); reference 0.5, 0.6, 0.7 (sum 1.8): CE = 0.5.
  // Relative: model clean error 0.1 -> (0.1 + 0.2 + 0.3) = 0.6; reference clean 0.4 -> (0.1 + 0.2 + 0.3) = 0.6: 1.0.
  const ref: ReferenceErrors = { errors: new Map([[refKey('a', 1), 0.5], [refKey('a', 2), 0.6], [refKey('a', 3), 0.7]]), clean: 0.4, source: 't' };
  const s = summarizeCorruptions([{ corruption: 'a', severity: 3, top1: 0.6 }, { corruption: 'a', severity: 1, top1: 0.8 }, { corruption: 'a', severity: 2, top1: 0.7 }], 0.9, ref);
  assert.deepEqual(s.corruptions[0].severities, [1, 2, 3]);
  close(s.corruptions[0].mean_top1, 0.7);
  close(s.corruptions[0].ce, 0.5);
  close(s.corruptions[0].relative_ce, 1);
  close(s.mce, 0.5);
});

test('a reference that covers only some corruptions: mCE over those, listed; none: null', () => {
  const ref = reference({ a: [0.5, 0.5, 0.5, 0.5, 0.5] }, null);
  const s = summarizeCorruptions([...cells('a', [0.75, 0.75, 0.75, 0.75, 0.75]), ...cells('extra', [0.2, 0.2, 0.2, 0.2, 0.2])], 0.9, ref);
  close(s.mce, 0.5);
  assert.deepEqual(s.mce_corruptions, ['a']);
  assert.equal(s.relative_mce, null, 'no reference clean error');
  assert.equal(s.corruptions[1].ce, null);
  const none = summarizeCorruptions(cells('a', [0.5, 0.5, 0.5, 0.5, 0.5]), null, null);
  assert.equal(none.mce, null);
  close(none.mca, 0.5);
});

test('a published mean over severities is used when all five severities were measured', () => {
  const ref: ReferenceErrors = { errors: new Map([[refKey('a', 0), 0.8]]), clean: null, source: 't' };
  close(summarizeCorruptions(cells('a', [0.6, 0.6, 0.6, 0.6, 0.6]), null, ref).mce, 0.4 / 0.8);
  // Not with three severities: sum over 1-3 is not comparable to a mean over 1-5.
  assert.equal(summarizeCorruptions(cells('a', [0.6, 0.6, 0.6]), null, ref).mce, null);
});

test('reference errors CSV: per severity, mean, clean; clear errors', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'alexnet.csv');
    await fs.writeFile(file, 'corruption,severity,error\nclean,,0.4348\ngaussian_noise,1,0.69\nglass_blur,mean,0.8254\n');
    const r = await readReferenceErrors(file);
    assert.equal(r.clean, 0.4348);
    assert.equal(r.errors.get(refKey('gaussian_noise', 1)), 0.69);
    assert.equal(r.errors.get(refKey('glass_blur', 0)), 0.8254);
    await fs.writeFile(file, 'corruption,severity,error\ngaussian_noise,1,88.6\n');
    await assert.rejects(readReferenceErrors(file), /line 2: error 88.6 is above 1; give errors as fractions/);
    await fs.writeFile(file, 'corruption,severity,error\ngaussian_noise,7,0.5\n');
    await assert.rejects(readReferenceErrors(file), /severity "7" must be 1-5, or "mean"/);
    await fs.writeFile(file, 'corruption,level,error\n');
    await assert.rejects(readReferenceErrors(file), /has no column "severity"/);
  });
});
