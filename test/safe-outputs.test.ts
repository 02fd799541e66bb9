/**
 * Issue 14, cases 2 and 3: holoclip never writes outside its output folder (paths built from data are
 * confined) and never deletes files it did not create (temp files and old folders are recognised by a
 * holoclip-only name pattern and a dead owner pid).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CORRUPTION_PROTOCOL } from '../src/corruptions/protocol.js';
import type { CorruptionSpec } from '../src/corruptions/registry.js';
import { removeStaleBuilds } from '../src/benchmarks/emoji-shift/build.js';
import { openWebDataset } from '../src/data/webdataset.js';
import { writeCorrupted } from '../src/pipeline/write-corrupted.js';
import { removeStaleTempFiles } from '../src/store/atomic.js';
import { UnitResultStore } from '../src/store/unit-results.js';
import { confinedPath } from '../src/util/paths.js';
import { silentProgress } from '../src/util/progress.js';
import { makeImageFolder, runCli, writeTestImage } from './helpers/cli.js';
import { fixtureDir } from './helpers/fixtures.js';
import { writeTar } from './helpers/tar-writer.js';
import { withTempDir } from './helpers/temp-dir.js';

const SPEC: CorruptionSpec = { name: 'gaussian_noise', severity: 1, seed: 0, protocol: DEFAULT_CORRUPTION_PROTOCOL };

test('confinedPath: a relative name stays inside; .., absolute and NUL names are errors naming the item', () => {
  assert.equal(confinedPath('/o', 'a/b.png', 'item "a/b.png"'), path.join('/o', 'a', 'b.png'));
  assert.equal(confinedPath('/o', 'a/..b.png', 'x'), path.join('/o', 'a', '..b.png'));
  for (const bad of ['../x.png', 'a/../../x.png', '/etc/passwd', 'C:\\x.png', 'a\\..\\..\\x', 'a\0b', '', '.', 'a/..']) {
    assert.throws(() => confinedPath('/o', bad, `item "${bad}"`), (err: Error) => err.name === 'HoloclipError' && err.message.includes(`item "${bad}"`), bad);
  }
});

test('corrupt from a WebDataset whose tar holds a ../../ member writes nothing outside --out and names the member', async () => {
  await withTempDir(async (dir) => {
    const img = path.join(dir, 'src.png');
    await writeTestImage(img, 1, 32, 32);
    const wds = path.join(dir, 'a', 'b', 'wds');
    await fs.mkdir(path.join(wds, 'test'), { recursive: true });
    await fs.writeFile(path.join(wds, 'classnames.txt'), 'cat\ndog\n');
    await fs.writeFile(path.join(wds, 'zeroshot_classification_templates.txt'), 'a photo of a {c}.\n');
    const bytes = await fs.readFile(img);
    await writeTar(path.join(wds, 'test', '0.tar'), [
      { name: 'ok.png', data: bytes },
      { name: 'ok.cls', data: Buffer.from('0') },
      { name: '../../../../outside.png', data: bytes },
      { name: '../../../../outside.cls', data: Buffer.from('1') },
    ]);
    const ds = await openWebDataset(wds);
    assert.ok([...ds.items].some((i) => i.id.includes('..')), 'the hostile member is listed as an item');
    const out = path.join(dir, 'a', 'b', 'out');
    await assert.rejects(
      writeCorrupted({ dataset: ds, specs: [SPEC], out, format: 'png', progress: silentProgress, concurrency: 1 }),
      (err: Error) => err.name === 'HoloclipError' && /0\.tar\/\.\.\/\.\.\/\.\.\/\.\.\/outside/.test(err.message) && err.message.includes(out),
    );
    // Nothing anywhere under the temp dir but the inputs: no outside.png at any level.
    const found: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await fs.readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(path.join(d, e.name));
        else if (e.name.startsWith('outside')) found.push(path.join(d, e.name));
      }
    };
    await walk(dir);
    assert.deepEqual(found, []);
  });
});

/** The pid of a process that has exited (a child we started and waited for). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  assert.ok(child.pid !== undefined);
  return child.pid;
}

const HEX = 'a1b2c3d4e5f6';

test('run cleanup: a user\'s .tmp- file and an older holoclip temp name survive; a dead pid\'s holoclip temp goes, a live one stays', async () => {
  await withTempDir(async (dir) => {
    const dead = await deadPid();
    const names = {
      user: 'notes.tmp-2024.txt',
      legacy: `results.json.tmp-${dead}-${HEX}`,
      stale: `results.json.holoclip-tmp-${dead}-${HEX}`,
      live: `results.json.holoclip-tmp-${process.pid}-${HEX}`,
    };
    for (const n of Object.values(names)) await fs.writeFile(path.join(dir, n), 'x');
    // What `holoclip run` does with --out and --out/report (max age 0).
    assert.equal(await removeStaleTempFiles(dir, 0), 1);
    assert.deepEqual((await fs.readdir(dir)).sort(), [names.user, names.legacy, names.live].sort());
  });
});

test('bench build cleanup: a sibling X.old-123 folder survives; a dead build\'s .holoclip-old-/.holoclip-tmp- folder goes, a live one stays', async () => {
  await withTempDir(async (dir) => {
    const dead = await deadPid();
    const out = path.join(dir, 'X');
    const keep = ['X.old-123', `X.old-${dead}`, `X.tmp-${dead}-${HEX}`, `X.holoclip-tmp-${process.pid}-${HEX}`, `Y.holoclip-old-${dead}-${HEX}`];
    const gone = [`X.holoclip-old-${dead}-${HEX}`, `X.holoclip-tmp-${dead}-${HEX}`];
    for (const n of [...keep, ...gone]) {
      await fs.mkdir(path.join(dir, n, 'sub'), { recursive: true });
      await fs.writeFile(path.join(dir, n, 'sub', 'f.txt'), 'x');
    }
    await removeStaleBuilds(out);
    assert.deepEqual((await fs.readdir(dir)).sort(), keep.sort());
    assert.ok(existsSync(path.join(dir, 'X.old-123', 'sub', 'f.txt')));
  });
});

test('unit store cleanup: only holoclip temp folders of dead pids are removed, never a user\'s .tmp- folder', async () => {
  await withTempDir(async (dir) => {
    const dead = await deadPid();
    const store = new UnitResultStore(dir);
    const root = path.dirname(store.dirFor('k'));
    const keep = ['mine.tmp-1', `u1.holoclip-tmp-${process.pid}-${HEX}`];
    const gone = [`u2.holoclip-tmp-${dead}-${HEX}`];
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    for (const n of [...keep, ...gone]) {
      await fs.mkdir(path.join(root, n), { recursive: true });
      await fs.utimes(path.join(root, n), hourAgo, hourAgo);
    }
    assert.equal(await store.removeStale(), 1);
    assert.deepEqual((await fs.readdir(root)).sort(), keep.sort());
  });
});

test('eval in an output folder a killed run left temp files in: the dead pid\'s holoclip temp files go (with a note), the rest stay', async () => {
  await withTempDir(async (dir) => {
    const dead = await deadPid();
    const data = path.join(dir, 'data');
    await makeImageFolder(data, ['cat', 'dog'], 3);
    const out = path.join(dir, 'run');
    await fs.mkdir(out);
    // A calibration spill and a half-written logits.npy of a SIGKILLed run; a user's file; a live process's temp name.
    const gone = [`calibration-logits.holoclip-tmp-${dead}-${HEX}`, `logits.npy.holoclip-tmp-${dead}-${HEX}`];
    const keep = ['notes.tmp-2024.txt', `x.holoclip-tmp-${process.pid}-${HEX}`];
    for (const n of [...gone, ...keep]) await fs.writeFile(path.join(out, n), 'x');
    const res = await runCli(['eval', 'calibration', '--model', fixtureDir('tiny-clip'), '--data', data, '--store', path.join(dir, 'store'), '--out', out]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, new RegExp(`removed 2 temp files a killed run left in ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const left = await fs.readdir(out);
    for (const n of gone) assert.ok(!left.includes(n), `${n} removed`);
    for (const n of keep) assert.ok(left.includes(n), `${n} kept`);
    assert.ok(left.includes('result.json'));
    assert.ok(!left.some((n) => n.includes('.holoclip-tmp-') && !keep.includes(n)), `no temp file of this run left: ${left.join(', ')}`);
  });
});
