/**
 * `--device cpu|cuda|auto`: the decision (pure), the probe model, and the CLI on this machine. Nothing here needs a
 * GPU: where onnxruntime-node's CUDA provider cannot run, `cuda` is the one-line error and `auto` records CPU; where
 * it can, the same tests check that CUDA was used and recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { HoloclipError } from '../src/errors.js';
import { CUDA_INSTALL_HINT, decideDevice, deviceConventions, identityModel, resolveDevice } from '../src/models/device.js';
import { defaultDecodeWorkers } from '../src/pipeline/embed-images.js';
import { readNpy } from '../src/store/npy.js';
import { makeImageFolder, runCli } from './helpers/cli.js';
import { fixtureDir } from './helpers/fixtures.js';

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-device-'));
const readResult = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, 'result.json'), 'utf8')) as Record<string, any>;

test('device: cpu never probes; cuda and auto follow the probe; cuda without it is a one-line error naming the install', () => {
  assert.deepEqual(decideDevice('cpu', null), { requested: 'cpu', provider: 'cpu', fallbackReason: null });
  assert.equal(decideDevice('cuda', { available: true }).provider, 'cuda');
  assert.deepEqual(decideDevice('auto', { available: true }), { requested: 'auto', provider: 'cuda', fallbackReason: null });
  const fallback = decideDevice('auto', { available: false, reason: 'no provider library' });
  assert.deepEqual(fallback, { requested: 'auto', provider: 'cpu', fallbackReason: 'no provider library' });
  assert.match(deviceConventions(fallback).device, /^cpu .*--device auto: no provider library$/);
  assert.throws(
    () => decideDevice('cuda', { available: false, reason: 'no provider library' }),
    (err: unknown) => err instanceof HoloclipError && !err.message.includes('\n') && err.message.includes('no provider library') && err.message.includes('ONNXRUNTIME_NODE_INSTALL=cuda12'),
  );
  assert.match(CUDA_INSTALL_HINT, /npm rebuild onnxruntime-node/);
});

test('device: the probe model is a valid ONNX graph (Identity on float[1]) that onnxruntime runs', async () => {
  const session = await ort.InferenceSession.create(identityModel());
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(2.5), [1]) });
  assert.deepEqual([...(out.y.data as Float32Array)], [2.5]);
  await session.release();
});

test('device: decode workers scale with the cores (one per 16 on cpu, all but one on cuda)', () => {
  assert.deepEqual([1, 2, 15, 16, 64].map((c) => defaultDecodeWorkers('cpu', c)), [1, 1, 1, 1, 4]);
  assert.deepEqual([1, 2, 16, 64].map((c) => defaultDecodeWorkers('cuda', c)), [1, 1, 15, 63]);
});

test('device: eval on this machine: --device cuda fails in one line or runs on CUDA; auto records what it used; 3 decode workers give the same logits', async () => {
  const auto = await resolveDevice('auto');
  const work = await tmp();
  const data = path.join(work, 'data');
  await makeImageFolder(data, ['bird', 'cat', 'dog'], 3);
  const base = ['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', data, '--batch-size', '2', '--quiet'];

  const cuda = await runCli([...base, '--device', 'cuda', '--store', path.join(work, 's-cuda'), '--out', path.join(work, 'cuda')]);
  if (auto.provider === 'cpu') {
    assert.equal(cuda.code, 1, cuda.stderr);
    const lines = cuda.stderr.trim().split('\n');
    assert.equal(lines.length, 1, cuda.stderr);
    assert.match(lines[0], /^holoclip: --device cuda: onnxruntime's CUDA provider cannot run here \(.+\); install onnxruntime-node's CUDA 12 provider with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`/);
  } else {
    assert.equal(cuda.code, 0, cuda.stderr);
    assert.match((await readResult(path.join(work, 'cuda'))).conventions.device, /^cuda /);
  }

  const autoRun = await runCli([...base, '--device', 'auto', '--store', path.join(work, 's-auto'), '--out', path.join(work, 'auto')]);
  assert.equal(autoRun.code, 0, autoRun.stderr);
  const r = await readResult(path.join(work, 'auto'));
  assert.match(r.conventions.device, auto.provider === 'cpu' ? /^cpu \(onnxruntime CPU execution provider\); chosen by --device auto: .+/ : /^cuda .*chosen by --device auto$/);
  assert.match(r.conventions.decode_workers, /^\d+ \(of \d+ cores\)$/);

  const pooled = await runCli([...base, '--decode-workers', '3', '--store', path.join(work, 's-pool'), '--out', path.join(work, 'pool')]);
  assert.equal(pooled.code, 0, pooled.stderr);
  const p = await readResult(path.join(work, 'pool'));
  assert.equal(p.conventions.decode_workers, `3 (of ${os.availableParallelism()} cores)`);
  assert.equal(p.conventions.device, 'cpu (onnxruntime CPU execution provider)');
  if (auto.provider === 'cpu') {
    const a = await readNpy(path.join(work, 'auto', 'logits.npy'));
    const b = await readNpy(path.join(work, 'pool', 'logits.npy'));
    assert.deepEqual(b.shape, [9, 3]);
    assert.deepEqual([...b.data], [...a.data]);
  }
  await fs.rm(work, { recursive: true, force: true });
});

test('device: a suite file\'s `device` is validated with the other fields', async () => {
  const work = await tmp();
  const suite = path.join(work, 'bad.yaml');
  await fs.writeFile(suite, ['name: bad-device', 'device: gpu', 'models:', `  - ${fixtureDir('tiny-clip')}`, 'datasets:', '  d: emoji-shift/openmoji', 'tasks:', '  - type: zeroshot', '    dataset: d', ''].join('\n'));
  const r = await runCli(['suite', 'check', suite]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /device/);
  await fs.rm(work, { recursive: true, force: true });
});
