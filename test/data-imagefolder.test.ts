import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import { openDataset } from '../src/data/index.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-data-');

/** Create empty files (the adapter never opens them) at the given relative paths. */
async function touch(root: string, rels: string[]): Promise<void> {
  for (const rel of rels) {
    const file = path.join(root, ...rel.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '');
  }
}

const isHoloclipError = (pattern: RegExp) => (e: unknown) => e instanceof HoloclipError && pattern.test(e.message) && !e.message.includes('\n');

test('imagefolder: labels follow sorted folder names; items recursive, sorted, POSIX ids', () =>
  withTempDir(async (dir) => {
    await touch(dir, [
      'dog/b.png',
      'dog/a.JPG',
      'cat/z.jpeg',
      'cat/sub/y.webp',
      'cat/a.tif',
      'Zebra/x.bmp',
      'cat/notes.txt',
      'cat/.DS_Store',
      'cat/._a.jpg',
      'cat/.hidden/q.jpg',
      'dog/anim.gif',
      'README.md',
      '.git/config',
    ]);
    await mkdir(path.join(dir, 'empty-class'));
    const ds = await openDataset({ path: dir });
    assert.equal(ds.kind, 'imagefolder');
    assert.equal(ds.root, dir);
    assert.equal(ds.source, dir);
    assert.deepEqual(ds.classnames, ['Zebra', 'cat', 'dog', 'empty-class']);
    assert.equal(ds.classnamesSource, 'folder names');
    assert.deepEqual(
      Array.from(ds.items, (i) => [i.index, i.id, i.label]),
      [
        [0, 'Zebra/x.bmp', 0],
        [1, 'cat/a.tif', 1],
        [2, 'cat/z.jpeg', 1],
        [3, 'cat/sub/y.webp', 1],
        [4, 'dog/a.JPG', 2],
        [5, 'dog/b.png', 2],
      ],
    );
    for (const item of ds.items) assert.equal(item.path, path.join(dir, ...item.id.split('/')));
    // hidden: .git, cat/.DS_Store, cat/._a.jpg, cat/.hidden; non-image: README.md, cat/notes.txt, dog/anim.gif
    assert.equal(ds.skipped.hidden, 4);
    assert.equal(ds.skipped.nonImage, 3);
    assert.ok(ds.skipped.examples.length > 0 && ds.skipped.examples.length <= 5);
    assert.ok(ds.skipped.examples.includes('.git'));
  }));

test('imagefolder: a classnames file replaces folder names and must match the folder count', () =>
  withTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    await touch(data, ['n01/a.jpg', 'n02/b.jpg', 'n03/c.jpg']);
    await writeFile(path.join(dir, 'names.txt'), 'tench\r\n  goldfish \n\ngreat white shark\n');
    const ds = await openDataset({ path: data, classnames: path.join(dir, 'names.txt') });
    assert.deepEqual(ds.classnames, ['tench', 'goldfish', 'great white shark']);
    assert.equal(ds.classnamesSource, path.join(dir, 'names.txt'));
    await writeFile(path.join(dir, 'two.json'), '["a", "b"]');
    await assert.rejects(
      openDataset({ path: data, classnames: path.join(dir, 'two.json') }),
      isHoloclipError(new RegExp(`^classnames file .*two\\.json has 2 names but data folder .*data has 3 class folders$`)),
    );
  }));

test('imagefolder: errors for missing path, no class folders, empty dataset, wrong file type', () =>
  withTempDir(async (dir) => {
    await assert.rejects(openDataset({ path: path.join(dir, 'nope') }), isHoloclipError(/dataset path .*nope does not exist/));
    await touch(dir, ['flat/a.jpg', 'flat/b.jpg', 'empty/c1/readme.txt', 'data.csv']);
    await assert.rejects(openDataset({ path: path.join(dir, 'flat') }), isHoloclipError(/data folder .*flat has no class sub-folders \(it holds 2 image files directly\)/));
    await assert.rejects(openDataset({ path: path.join(dir, 'empty') }), isHoloclipError(/^empty dataset: data folder .*empty has 1 class folders but no image files/));
    await assert.rejects(openDataset({ path: path.join(dir, 'data.csv') }), isHoloclipError(/data\.csv is neither a directory \(ImageFolder\) nor a \.jsonl manifest/));
  }));

test('imagefolder: symlinked class folders are followed and symlink loops do not hang', () =>
  withTempDir(async (dir) => {
    await touch(dir, ['elsewhere/x.jpg', 'data/a/one.jpg']);
    await symlink(path.join(dir, 'elsewhere'), path.join(dir, 'data', 'b'));
    await symlink(path.join(dir, 'data', 'a'), path.join(dir, 'data', 'a', 'loop'));
    const ds = await openDataset({ path: path.join(dir, 'data') });
    assert.deepEqual(ds.classnames, ['a', 'b']);
    assert.deepEqual(Array.from(ds.items, (i) => i.id), ['a/one.jpg', 'b/x.jpg']);
  }));

const PYTHON = '/usr/bin/python3';
test('imagefolder: same order as torchvision ImageFolder (find_classes + make_dataset)', { skip: !existsSync(PYTHON) && 'no /usr/bin/python3' }, () =>
  withTempDir(async (dir) => {
    await touch(dir, [
      'b/z.jpg', 'b/a-b/1.jpg', 'b/a/2.jpg', 'b/a.b/3.jpg', 'b/a/b/4.jpg', 'b/a.jpg', 'b/A.jpg', 'b/_x.png',
      'a/\u00e9.jpg', 'a/e.jpg', 'a/\u{1F600}.jpg', 'a/\uFF21.jpg', 'a/10.jpg', 'a/9.jpg',
      'B/k.jpg', '_c/k.jpg', 'a b/k.jpg',
    ]);
    // torchvision.datasets.folder.find_classes / make_dataset, inlined (minus hidden-file handling).
    const script = [
      'import os, sys, json',
      'root = sys.argv[1]',
      'classes = sorted(e.name for e in os.scandir(root) if e.is_dir())',
      'out = []',
      'for c in classes:',
      '    for r, _, fnames in sorted(os.walk(os.path.join(root, c), followlinks=True)):',
      '        for f in sorted(fnames):',
      '            out.append([os.path.relpath(os.path.join(r, f), root), classes.index(c)])',
      'print(json.dumps(out))',
    ].join('\n');
    const expected = JSON.parse(execFileSync(PYTHON, ['-c', script, dir], { encoding: 'utf8' })) as Array<[string, number]>;
    const ds = await openDataset({ path: dir });
    assert.deepEqual(Array.from(ds.items, (i) => [i.id, i.label]), expected);
  }));

test('imagefolder: 40 class folders read 16 ahead, appended in order; the first bad folder in order is the error, none unhandled', () =>
  withTempDir(async (dir) => {
    const classes = Array.from({ length: 40 }, (_, c) => `c${String(c).padStart(2, '0')}`);
    await touch(dir, classes.flatMap((c, k) => Array.from({ length: (k % 3) + 1 }, (_, i) => `${c}/sub${i % 2}/${i}.png`)));
    const ds = await openDataset({ path: dir });
    const expected = classes.flatMap((c, k) => Array.from({ length: (k % 3) + 1 }, (_, i) => [`${c}/sub${i % 2}/${i}.png`, k] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    assert.deepEqual(Array.from(ds.items, (it) => [it.id, it.label]), expected);
    assert.deepEqual(Array.from(ds.items, (it) => it.index), expected.map((_, i) => i));
    // A name that is not UTF-8 in folders 5 and 12: the error names folder 5 whichever finishes first, and the read of
    // folder 12 (in flight with it), failed too, is not an unhandled rejection.
    for (const c of [classes[5], classes[12]]) await writeFile(Buffer.concat([Buffer.from(path.join(dir, c, 'sub0') + '/'), Buffer.from([0x63, 0xe9, 0x2e, 0x70, 0x6e, 0x67])]), '');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await assert.rejects(openDataset({ path: dir }), isHoloclipError(new RegExp(`${classes[5]}/sub0 holds 1 file name that is not valid UTF-8`)));
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);
  }));
