/**
 * End to end: `--preprocess python` through the built CLI and the decode worker. A folder with a
 * holoclip_preprocess block is evaluated in python mode by default (auto), the mode and exact pipeline are recorded
 * in result.json, and the fast mode of the same folder is a different embedding space.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeImageFolder, runCli } from './helpers/cli.js';
import { fixtureDir } from './helpers/fixtures.js';

const readResult = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, 'result.json'), 'utf8')) as { conventions: Record<string, string>; metrics: Record<string, number> };

test('eval zeroshot: auto = python for a folder with a holoclip_preprocess block; recorded; fast is another space', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-e2e-python-'));
  const model = path.join(work, 'tiny-clip-open-clip');
  await fs.cp(fixtureDir('tiny-clip'), model, { recursive: true });
  const cfgFile = path.join(model, 'preprocessor_config.json');
  const cfg = JSON.parse(await fs.readFile(cfgFile, 'utf8')) as Record<string, unknown>;
  cfg.holoclip_preprocess = { pipeline: 'open_clip', image_size: 64, mean: [0.52, 0.47, 0.41], std: [0.23, 0.25, 0.27] };
  await fs.writeFile(cfgFile, JSON.stringify(cfg));
  const data = path.join(work, 'data');
  await makeImageFolder(data, ['airplane', 'bird', 'car'], 3);
  const store = path.join(work, 'store');
  const base = ['eval', 'zeroshot', '--model', model, '--data', data, '--store', store, '--batch-size', '4'];

  const auto = await runCli([...base, '--out', path.join(work, 'auto')]);
  assert.equal(auto.code, 0, auto.stderr);
  assert.match(auto.stdout, /9 computed/);
  const r = await readResult(path.join(work, 'auto'));
  assert.equal(r.conventions.preprocess_mode, 'python');
  assert.match(r.conventions.preprocess, /library=open_clip .*decode pillow convert\(RGB\), no ICC.*resize shortest_edge=64 long=int\(size\*long\/short\) pil-bicubic; center_crop 64x64 torchvision.*mode=python$/);

  const python = await runCli([...base, '--out', path.join(work, 'python'), '--preprocess', 'python']);
  assert.equal(python.code, 0, python.stderr);
  assert.match(python.stdout, /0 computed, 9 from cache/);

  const fast = await runCli([...base, '--out', path.join(work, 'fast'), '--preprocess', 'fast']);
  assert.equal(fast.code, 0, fast.stderr);
  assert.match(fast.stdout, /9 computed/);
  assert.equal((await readResult(path.join(work, 'fast'))).conventions.preprocess_mode, 'fast');

  // A bad block stops the run with the file and the field.
  cfg.holoclip_preprocess = { pipeline: 'open_clip', image_size: 64, resize_mode: 'fit' };
  await fs.writeFile(cfgFile, JSON.stringify(cfg));
  const bad = await runCli([...base, '--out', path.join(work, 'bad')]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /preprocessor_config\.json: holoclip_preprocess\.resize_mode is invalid/);
  await fs.rm(work, { recursive: true, force: true });
});
