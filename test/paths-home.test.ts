/**
 * `~` is the home folder wherever holoclip accepts a path: in a suite file (models, datasets,
 * class names, store and output folders) and on the command line (a quoted `~/...` reaches holoclip
 * unexpanded by the shell).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { expandHome, resolveUserPath } from '../src/util/paths.js';
import { makeImageFolder, runCli } from './helpers/cli.js';
import { fixtureDir } from './helpers/fixtures.js';

test('expandHome and resolveUserPath', () => {
  const home = process.env.HOME ?? os.homedir();
  assert.equal(expandHome('~'), home);
  assert.equal(expandHome('~/a/b'), path.join(home, 'a', 'b'));
  assert.equal(expandHome('a/~/b'), 'a/~/b');
  assert.equal(expandHome('~user/x'), '~user/x');
  assert.equal(resolveUserPath('~/m', '/suite/dir'), path.join(home, 'm'));
  assert.equal(resolveUserPath('m', '/suite/dir'), path.join('/suite/dir', 'm'));
});

test('a suite with ~ paths and a quoted ~ on the command line resolve to the home folder', async () => {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-home-'));
  try {
    await fs.mkdir(path.join(home, 'models'), { recursive: true });
    await fs.symlink(fixtureDir('tiny-clip'), path.join(home, 'models', 'tiny-clip'));
    await makeImageFolder(path.join(home, 'data', 'shapes'), ['airplane', 'bird', 'car'], 3);
    await fs.writeFile(path.join(home, 'data', 'classes.txt'), 'airplane\nbird\ncar\n');
    const work = path.join(home, 'work');
    await fs.mkdir(work);
    const suite = path.join(work, 'home.yaml');
    await fs.writeFile(
      suite,
      [
        'name: home',
        'store: ~/store',
        'out: ~/runs/home',
        'models:',
        '  - path: ~/models/tiny-clip',
        'datasets:',
        '  shapes: { path: ~/data/shapes, classnames: ~/data/classes.txt }',
        'tasks:',
        '  - type: zeroshot',
        '    datasets: [shapes]',
        '',
      ].join('\n'),
    );
    const env = { HOME: home };
    const run = await runCli(['run', suite, '--no-report'], { cwd: work, env });
    assert.equal(run.code, 0, run.stderr);
    const results = JSON.parse(await fs.readFile(path.join(home, 'runs', 'home', 'results.json'), 'utf8')) as { rows: Array<{ metric: string; value: number }>; datasets: Array<{ n: number }> };
    assert.equal(results.datasets[0].n, 9);
    assert.ok(results.rows.some((r) => r.metric === 'top1'));
    await fs.access(path.join(home, 'store'));

    const evalRun = await runCli(['eval', 'zeroshot', '--model', '~/models/tiny-clip', '--data', '~/data/shapes', '--classnames', '~/data/classes.txt', '--store', '~/store', '--out', '~/runs/cli', '--quiet'], { cwd: work, env });
    assert.equal(evalRun.code, 0, evalRun.stderr);
    const result = JSON.parse(await fs.readFile(path.join(home, 'runs', 'cli', 'result.json'), 'utf8')) as { dataset: { n: number; path: string }; cache: { images_inferred: number } };
    assert.equal(result.dataset.n, 9);
    assert.equal(result.dataset.path, path.join(home, 'data', 'shapes'));
    // The suite embedded the same images into the same store.
    assert.equal(result.cache.images_inferred, 0);
  } finally {
    await fs.rm(home, { recursive: true, force: true });
  }
});
