import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import { openDataset } from '../src/data/index.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-jsonl-');

const isHoloclipError = (pattern: RegExp) => (e: unknown) => e instanceof HoloclipError && pattern.test(e.message) && !e.message.includes('\n');

test('jsonl: relative and absolute paths, blank lines, extra fields; files are not checked', () =>
  withTempDir(async (dir) => {
    const manifest = path.join(dir, 'sets', 'val.jsonl');
    const lines = [
      '{"path": "images/a.jpg", "label": 1}',
      '',
      '   ',
      `{"path": ${JSON.stringify(path.join(dir, 'sets', 'sub', 'b.png'))}, "label": 0, "note": "abs inside root"}`,
      `{"path": ${JSON.stringify(path.join(dir, 'other', 'c.png'))}, "label": 2}`,
      '{"path": "../up/d.jpg", "label": 2}\r',
    ];
    await writeFile(path.join(dir, 'names.json'), '["cat", "dog", "emu"]');
    await (await import('node:fs/promises')).mkdir(path.dirname(manifest), { recursive: true });
    await writeFile(manifest, `\uFEFF${lines.join('\n')}\n`);
    const ds = await openDataset({ path: manifest, classnames: path.join(dir, 'names.json') });
    assert.equal(ds.kind, 'jsonl');
    assert.equal(ds.root, path.join(dir, 'sets'));
    assert.equal(ds.source, manifest);
    assert.deepEqual(ds.classnames, ['cat', 'dog', 'emu']);
    assert.equal(ds.classnamesSource, path.join(dir, 'names.json'));
    assert.deepEqual([...ds.items], [
      { index: 0, id: 'images/a.jpg', path: path.join(dir, 'sets', 'images', 'a.jpg'), label: 1 },
      { index: 1, id: 'sub/b.png', path: path.join(dir, 'sets', 'sub', 'b.png'), label: 0 },
      { index: 2, id: path.join(dir, 'other', 'c.png').split(path.sep).join('/'), path: path.join(dir, 'other', 'c.png'), label: 2 },
      { index: 3, id: path.join(dir, 'up', 'd.jpg').split(path.sep).join('/'), path: path.join(dir, 'up', 'd.jpg'), label: 2 },
    ]);
    assert.deepEqual(ds.skipped, { hidden: 0, nonImage: 0, examples: [] });
  }));

test('jsonl: classnames are required; bad lines name file:line', () =>
  withTempDir(async (dir) => {
    const names = path.join(dir, 'names.txt');
    await writeFile(names, 'cat\ndog\n');
    const m = path.join(dir, 'm.jsonl');
    await writeFile(m, '{"path": "a.jpg", "label": 0}\n');
    await assert.rejects(openDataset({ path: m }), isHoloclipError(/JSONL manifest .*m\.jsonl needs class names: pass --classnames/));
    const cases: Array<[string, RegExp]> = [
      ['{"path": "a.jpg", "label": 0}\n{"path": "b.jpg", "label": 2}\n', /m\.jsonl:2: label 2 is out of range; classnames file .*names\.txt has 2 names \(labels 0\.\.1\)/],
      ['{"path": "a.jpg", "label": 0}\n\n{"path": "b.jpg" "label": 1}\n', /m\.jsonl:3: not valid JSON/],
      ['{"path": "a.jpg", "label": 1.5}\n', /m\.jsonl:1: "label" must be an integer class index, got 1\.5/],
      ['{"path": "a.jpg", "label": "1"}\n', /m\.jsonl:1: "label" must be an integer/],
      ['{"path": "a.jpg"}\n', /m\.jsonl:1: "label" must be an integer class index, got nothing/],
      ['{"label": 0}\n', /m\.jsonl:1: "path" must be a non-empty string/],
      ['[1, 2]\n', /m\.jsonl:1: expected an object/],
      ['{"path": "a.jpg", "label": -1}\n', /m\.jsonl:1: label -1 is out of range/],
      ['\n\n', /^empty dataset: JSONL manifest .*m\.jsonl lists no images$/],
    ];
    for (const [content, pattern] of cases) {
      await writeFile(m, content);
      await assert.rejects(openDataset({ path: m, classnames: names }), isHoloclipError(pattern), pattern.source);
    }
  }));

test('jsonl: a 100k-line manifest streams quickly (timing printed)', () =>
  withTempDir(async (dir) => {
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(JSON.stringify({ path: `val/${i % 1000}/img_${i}.JPEG`, label: i % 1000 }));
    await writeFile(path.join(dir, 'big.jsonl'), `${lines.join('\n')}\n`);
    await writeFile(path.join(dir, 'names.txt'), Array.from({ length: 1000 }, (_, i) => `class ${i}`).join('\n'));
    const t0 = performance.now();
    const ds = await openDataset({ path: path.join(dir, 'big.jsonl'), classnames: path.join(dir, 'names.txt') });
    console.log(`# 100k-line JSONL manifest opened in ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(ds.items.length, 100_000);
    assert.equal(ds.items.get(99_999).label, 999);
  }));
