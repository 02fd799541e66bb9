import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import { readClassnames } from '../src/data/index.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-names-');

const isHoloclipError = (pattern: RegExp) => (e: unknown) => e instanceof HoloclipError && pattern.test(e.message) && !e.message.includes('\n');

test('classnames: text file (trimmed, blank lines dropped, CRLF, BOM) and JSON array', () =>
  withTempDir(async (dir) => {
    await writeFile(path.join(dir, 'a.txt'), '\uFEFF tench \r\n\r\ngoldfish\n  \nAmerican robin');
    assert.deepEqual(await readClassnames(path.join(dir, 'a.txt')), ['tench', 'goldfish', 'American robin']);
    await writeFile(path.join(dir, 'b.json'), '["crane", "crane", "maillot"]');
    assert.deepEqual(await readClassnames(path.join(dir, 'b.json')), ['crane', 'crane', 'maillot']);
  }));

test('classnames: clear one-line errors naming the file', () =>
  withTempDir(async (dir) => {
    await assert.rejects(readClassnames(path.join(dir, 'missing.txt')), isHoloclipError(/classnames file .*missing\.txt does not exist/));
    await writeFile(path.join(dir, 'empty.txt'), '\n \n');
    await assert.rejects(readClassnames(path.join(dir, 'empty.txt')), isHoloclipError(/empty\.txt has no class names/));
    await writeFile(path.join(dir, 'obj.json'), '{"0": "cat"}');
    await assert.rejects(readClassnames(path.join(dir, 'obj.json')), isHoloclipError(/obj\.json must hold a JSON array of strings .*found object/));
    await writeFile(path.join(dir, 'num.json'), '["cat", 3]');
    await assert.rejects(readClassnames(path.join(dir, 'num.json')), isHoloclipError(/num\.json: entry 1 is 3; every entry must be a non-empty string/));
    await writeFile(path.join(dir, 'bad.json'), '["cat",');
    await assert.rejects(readClassnames(path.join(dir, 'bad.json')), isHoloclipError(/bad\.json is not valid JSON/));
    await mkdir(path.join(dir, 'folder'));
    await assert.rejects(readClassnames(path.join(dir, 'folder')), isHoloclipError(/folder is a directory/));
  }));
