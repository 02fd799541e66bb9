import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { removeStaleTempFiles, tempPathFor, writeFileAtomic, writeJsonAtomic } from '../src/store/atomic.js';
import { readJsonIfExists } from '../src/store/json-file.js';
import { HoloclipError } from '../src/errors.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-atomic-');

test('atomic: writes create parent folders, replace content and leave no temp files', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'a', 'b', 'c.txt');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, Buffer.from('two'));
    assert.equal(await readFile(file, 'utf8'), 'two');
    await writeJsonAtomic(path.join(dir, 'a', 'x.json'), { b: 1, a: [1, 2] });
    assert.equal(await readFile(path.join(dir, 'a', 'x.json'), 'utf8'), '{\n  "b": 1,\n  "a": [\n    1,\n    2\n  ]\n}\n');
    assert.deepEqual((await readdir(path.join(dir, 'a', 'b'))).sort(), ['c.txt']);
  }));

test('atomic: concurrent writers to one file leave one complete version', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'f.txt');
    const versions = Array.from({ length: 20 }, (_, i) => String(i).repeat(10000));
    await Promise.all(versions.map((v) => writeFileAtomic(file, v)));
    assert.ok(versions.includes(await readFile(file, 'utf8')));
    assert.deepEqual(await readdir(dir), ['f.txt']);
  }));

test('atomic: temp names are unique and holoclip-only; a temp file of a live process is kept however old', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'x.npy');
    const a = tempPathFor(file);
    assert.notEqual(a, tempPathFor(file));
    assert.match(path.basename(a), new RegExp(`^x\\.npy\\.holoclip-tmp-${process.pid}-[0-9a-f]{12}$`));
    const old = tempPathFor(file);
    await writeFile(old, 'half');
    await writeFile(a, 'in progress');
    const past = new Date(Date.now() - 3600_000);
    await utimes(old, past, past);
    await writeFile(path.join(dir, 'keep.txt'), 'x');
    await utimes(path.join(dir, 'keep.txt'), past, past);
    // Both belong to this (live) process: neither is removed, nor is a file of another name (dead-pid cases: safe-outputs.test.ts).
    assert.equal(await removeStaleTempFiles(dir, 60_000), 0);
    assert.deepEqual((await readdir(dir)).sort(), [path.basename(a), path.basename(old), 'keep.txt'].sort());
    assert.equal(await removeStaleTempFiles(path.join(dir, 'nope'), 0), 0);
  }));

test('json-file: readJsonIfExists returns undefined for a missing file and names a broken one', () =>
  withTempDir(async (dir) => {
    assert.equal(await readJsonIfExists(path.join(dir, 'missing.json')), undefined);
    await writeJsonAtomic(path.join(dir, 'ok.json'), { a: 1 });
    assert.deepEqual(await readJsonIfExists(path.join(dir, 'ok.json')), { a: 1 });
    await writeFile(path.join(dir, 'bad.json'), '{"a":');
    await assert.rejects(readJsonIfExists(path.join(dir, 'bad.json')), (e: Error) => e instanceof HoloclipError && e.message.includes('bad.json is not valid JSON'));
  }));
