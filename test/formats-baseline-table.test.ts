import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import { parseCsv, readBaselineTable, readCsv, requireColumns } from '../src/formats/index.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-formats-');
const oneLine = (re: RegExp) => (e: unknown) => e instanceof HoloclipError && re.test(e.message) && !e.message.includes('\n');

test('csv: quoting, CRLF / LF mix, BOM, blank lines, trimming, line numbers', () => {
  const t = parseCsv('\uFEFFa,b\r\n1,"x, ""y""\nz"\n\n 3 , 4 \n5,6', 'f.csv', 'table');
  assert.deepEqual(t.header, ['a', 'b']);
  assert.deepEqual(t.rows, [['1', 'x, "y"\nz'], ['3', '4'], ['5', '6']]);
  assert.deepEqual(t.lines, [3, 5, 6]);
  assert.deepEqual(requireColumns(t, 'table', ['b', 'a']), [1, 0]);
});

test('csv: one-line errors naming the file', () =>
  withTempDir(async (dir) => {
    assert.throws(() => parseCsv('a,b\n1,2,3\n', 'f.csv', 'table'), oneLine(/table f\.csv is not valid CSV: Invalid Record Length: expect 2, got 3 on line 2/));
    assert.throws(() => parseCsv('a,b\n1,"2\n', 'f.csv', 'table'), oneLine(/table f\.csv is not valid CSV: Quote Not Closed/));
    assert.throws(() => parseCsv('\n\n', 'f.csv', 'table'), oneLine(/table f\.csv is empty/));
    assert.throws(() => parseCsv('a,a\n1,2\n', 'f.csv', 'table'), oneLine(/column "a" appears twice/));
    assert.throws(() => requireColumns(parseCsv('a,b\n', 'f.csv', 'table'), 'table', ['c']), oneLine(/table f\.csv has no column "c"; its columns are: a, b/));
    await assert.rejects(readCsv(path.join(dir, 'nope.csv'), 'table'), oneLine(/table .*nope\.csv does not exist/));
    await assert.rejects(readCsv(dir, 'table'), oneLine(/is a directory/));
  }));

test('baseline table: percent detected and converted, missing values skipped and counted, model subset', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 't.csv');
    await writeFile(file, 'model,val,v2,extra\nm1,76.1,64.0,x\nm2,80.0,,y\nm3,NaN,50,\nm4,70.0,58.5,\nm5,60,nan,\n');
    const t = await readBaselineTable(file, { idColumn: 'val', shiftColumn: 'v2' });
    assert.equal(t.scale, 'percent');
    assert.deepEqual(t.models, ['m1', 'm4']);
    assert.deepEqual(t.id, [76.1 / 100, 70 / 100]);
    assert.deepEqual(t.shift, [64 / 100, 58.5 / 100]);
    assert.equal(t.skipped, 3);
    const sub = await readBaselineTable(file, { idColumn: 'val', shiftColumn: 'v2', models: ['m4', 'm2'] });
    assert.deepEqual(sub.models, ['m4']);
    assert.equal(sub.skipped, 1);
    const forced = await readBaselineTable(file, { idColumn: 'val', shiftColumn: 'v2', models: ['m1'], scale: 'percent' });
    assert.deepEqual(forced.id, [76.1 / 100]);

    const frac = path.join(dir, 'f.csv');
    await writeFile(frac, 'name,id,ood\na,0.7,0.5\nb,0.8,0.62\n');
    const f = await readBaselineTable(frac, { modelColumn: 'name', idColumn: 'id', shiftColumn: 'ood' });
    assert.equal(f.scale, 'fraction');
    assert.deepEqual(f.id, [0.7, 0.8]);
    assert.deepEqual(f.shift, [0.5, 0.62]);
  }));

test('baseline table: bad input is a one-line HoloclipError naming the file', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 't.csv');
    await writeFile(file, 'model,val,v2\nm1,76.1,64.0\nm2,abc,50\n');
    await assert.rejects(readBaselineTable(file, { idColumn: 'val', shiftColumn: 'v2' }), oneLine(/t\.csv line 3: val is "abc"; expected a number/));
    await assert.rejects(readBaselineTable(file, { idColumn: 'val', shiftColumn: 'v3' }), oneLine(/t\.csv has no column "v3"; its columns are: model, val, v2/));
    await assert.rejects(readBaselineTable(file, { idColumn: 'val', shiftColumn: 'v2', models: ['m1', 'zz'] }), oneLine(/t\.csv has no row for model "zz"/));
    await writeFile(file, 'model,val,v2\nm1,76.1,64.0\nm1,70,50\n');
    await assert.rejects(readBaselineTable(file, { idColumn: 'val', shiftColumn: 'v2' }), oneLine(/line 3: model "m1" appears more than once/));
    await writeFile(file, 'model,val,v2\nm1,176.1,64.0\n');
    await assert.rejects(readBaselineTable(file, { idColumn: 'val', shiftColumn: 'v2' }), oneLine(/val = 176\.1, outside \[0, 100\]/));
    await writeFile(file, 'model,val,v2\nm1,0.7,64.0\n');
    await assert.rejects(readBaselineTable(file, { idColumn: 'val', shiftColumn: 'v2', scale: 'fraction' }), oneLine(/v2 = 64, outside \[0, 1\]/));
  }));
