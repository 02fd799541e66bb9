/**
 * End to end: the built CLI on the committed fixture models and tiny datasets made here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readNpy } from '../src/store/npy.js';
import { BIN, makeImageFolder, runCli, writeTestImage } from './helpers/cli.js';
import { fixtureDir, readReference } from './helpers/fixtures.js';
import { decodeWaitNote } from '../src/tasks/zeroshot/summary.js';

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-e2e-'));
const readResult = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, 'result.json'), 'utf8')) as Record<string, any>;
const readPredictions = async (dir: string) =>
  (await fs.readFile(path.join(dir, 'predictions.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);

async function copyModel(name: 'tiny-clip' | 'tiny-siglip', into: string): Promise<string> {
  const dir = path.join(into, name);
  await fs.cp(fixtureDir(name), dir, { recursive: true });
  return dir;
}

test('eval zeroshot writes result.json, predictions.jsonl, logits.npy; a rerun does no image inference', async () => {
  const work = await tmp();
  const data = path.join(work, 'data');
  await makeImageFolder(data, ['airplane', 'bird', 'car', 'cat', 'dog', 'tree'], 3);
  await fs.writeFile(path.join(data, 'README.txt'), 'not an image');
  await fs.writeFile(path.join(data, 'cat', '.DS_Store'), 'hidden');
  const store = path.join(work, 'store');
  const out = path.join(work, 'run');
  const args = ['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', data, '--out', out, '--store', store, '--batch-size', '4'];
  const first = await runCli(args);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /top-1/);
  assert.match(first.stdout, /18 computed/);
  const r = await readResult(out);
  assert.equal(r.task, 'zeroshot');
  assert.equal(r.model.model_type, 'clip');
  assert.equal(r.model.dtype, 'fp32');
  assert.equal(r.model.logit_scale_source, 'recovered-from-model.onnx');
  assert.ok(Math.abs(r.model.logit_scale - readReference('tiny-clip').logit_scale) < 1e-3);
  assert.ok(r.model.files_sha256['onnx/vision_model.onnx'].match(/^[0-9a-f]{64}$/));
  assert.deepEqual([r.dataset.n, r.dataset.num_classes, r.dataset.failed], [18, 6, 0]);
  assert.equal(r.dataset.skipped.hidden, 1);
  assert.equal(r.dataset.skipped.nonImage, 1); // README.txt at the root
  for (const k of ['top1', 'top5', 'mean_per_class_recall']) assert.ok(r.metrics[k] >= 0 && r.metrics[k] <= 1, k);
  assert.deepEqual(r.conventions.templates, ['a photo of a {c}.']);
  assert.match(r.conventions.template_aggregation, /mean/);
  assert.match(r.conventions.preprocess, /shortest_edge=72/);
  assert.ok(typeof r.timing.total_s === 'number');
  assert.ok(r.timing.decode_wait_s >= 0 && r.timing.decode_wait_s <= r.timing.embed_s, `decode_wait_s ${r.timing.decode_wait_s} of embed_s ${r.timing.embed_s}`);

  const preds = await readPredictions(out);
  assert.equal(preds.length, 18);
  assert.deepEqual(Object.keys(preds[0]).sort(), ['confidence', 'id', 'pred', 'target']);
  assert.equal(preds[0].id, 'airplane/img0.png');
  const logits = await readNpy(path.join(out, 'logits.npy'));
  assert.deepEqual(logits.shape, [18, 6]);
  // predictions and logits agree; confidence = max softmax probability; top-1 recomputed
  let correct = 0;
  preds.forEach((p, i) => {
    const row = Array.from((logits.data as Float32Array).subarray(i * 6, i * 6 + 6));
    const max = Math.max(...row);
    assert.equal(row.indexOf(max), p.pred);
    const z = row.reduce((s, v) => s + Math.exp(v - max), 0);
    assert.ok(Math.abs(1 / z - p.confidence) < 1e-6);
    if (p.pred === p.target) correct++;
  });
  assert.ok(Math.abs(correct / 18 - r.metrics.top1) < 1e-12);

  const second = await runCli(args);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /0 computed, 18 from cache \(no image inference\)/);
  const r2 = await readResult(out);
  assert.equal(r2.cache.images_inferred, 0);
  assert.equal(r2.cache.classifier_from_cache, true);
  assert.deepEqual(r2.metrics, r.metrics);
  const logits2 = await readNpy(path.join(out, 'logits.npy'));
  assert.deepEqual(Array.from(logits2.data as Float32Array), Array.from(logits.data as Float32Array));

  // --preprocess reference (transformers.js's processor) is a separate cache space with identical pixels.
  const ref = await runCli([...args.slice(0, -6), '--out', path.join(work, 'ref'), '--store', store, '--batch-size', '4', '--preprocess', 'reference']);
  assert.equal(ref.code, 0, ref.stderr);
  const r3 = await readResult(path.join(work, 'ref'));
  assert.equal(r3.cache.images_inferred, 18);
  assert.equal(r3.conventions.preprocess_mode, 'reference');
  const logits3 = await readNpy(path.join(work, 'ref', 'logits.npy'));
  assert.deepEqual(Array.from(logits3.data as Float32Array), Array.from(logits.data as Float32Array));
});

test('model inspect shows type, dtypes, logit scale source and preprocessing', async () => {
  const work = await tmp();
  const res = await runCli(['model', 'inspect', fixtureDir('tiny-clip'), '--store', path.join(work, 'store')]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /model_type\s+clip \(scoring: softmax\)/);
  assert.match(res.stdout, /dtypes\s+fp32, fp16, q8 \(using fp32\)/);
  assert.match(res.stdout, /logit scale\s+24\.(5|4999)\d* from recovered-from-model\.onnx/);
  assert.match(res.stdout, /shortest_edge=72/);
  const sig = await runCli(['model', 'inspect', fixtureDir('tiny-siglip'), '--store', path.join(work, 'store')]);
  assert.equal(sig.code, 0, sig.stderr);
  assert.match(sig.stdout, /bias -4\.2/);
  assert.match(sig.stdout, /16 tokens \(padded to max length\)/);
});

test('SigLIP fixture is scored with sigmoid + bias; JSONL manifest with --classnames and a templates file', async () => {
  const work = await tmp();
  const imgs = path.join(work, 'imgs');
  const lines: string[] = [];
  for (let i = 0; i < 6; i++) {
    await writeTestImage(path.join(imgs, `x${i}.jpg`), 100 + i, 70, 90, 'jpeg');
    lines.push(JSON.stringify({ path: `imgs/x${i}.jpg`, label: i % 3 }));
  }
  await fs.writeFile(path.join(work, 'manifest.jsonl'), `${lines.join('\n')}\n`);
  await fs.writeFile(path.join(work, 'classes.txt'), 'dog\ncat\nred car\n');
  await fs.writeFile(path.join(work, 'templates.json'), JSON.stringify({ demo: ['a photo of a {c}.', 'a sketch of a {c}.'] }));
  const out = path.join(work, 'run');
  const res = await runCli([
    'eval', 'zeroshot', '--model', fixtureDir('tiny-siglip'), '--data', path.join(work, 'manifest.jsonl'),
    '--classnames', path.join(work, 'classes.txt'), '--templates', path.join(work, 'templates.json'), '--templates-key', 'demo',
    '--out', out, '--store', path.join(work, 'store'),
  ]);
  assert.equal(res.code, 0, res.stderr);
  const r = await readResult(out);
  const ref = readReference('tiny-siglip');
  assert.equal(r.model.scoring, 'sigmoid');
  assert.ok(Math.abs(r.model.logit_scale - ref.logit_scale) < 1e-3);
  assert.ok(Math.abs(r.model.logit_bias - ref.logit_bias) < 1e-3);
  assert.equal(r.metrics.top5, null);
  assert.deepEqual(r.conventions.templates, ['a photo of a {c}.', 'a sketch of a {c}.']);
  assert.deepEqual(r.conventions.classnames, ['dog', 'cat', 'red car']);
  const preds = await readPredictions(out);
  const logits = await readNpy(path.join(out, 'logits.npy'));
  preds.forEach((p, i) => {
    const row = Array.from((logits.data as Float32Array).subarray(i * 3, i * 3 + 3));
    assert.ok(Math.abs(1 / (1 + Math.exp(-Math.max(...row))) - p.confidence) < 1e-6);
    assert.equal(p.id, `imgs/x${i}.jpg`);
  });
});

test('logit scale: --logit-scale flag, holoclip.json card, and a loud fallback without model.onnx', async () => {
  const work = await tmp();
  const data = path.join(work, 'data');
  await makeImageFolder(data, ['cat', 'dog'], 2);
  const model = await copyModel('tiny-clip', work);
  const base = ['eval', 'zeroshot', '--model', model, '--data', data, '--store', path.join(work, 'store')];

  const flag = await runCli([...base, '--out', path.join(work, 'flag'), '--logit-scale', '50']);
  assert.equal(flag.code, 0, flag.stderr);
  assert.equal((await readResult(path.join(work, 'flag'))).model.logit_scale_source, 'flag');
  assert.equal((await readResult(path.join(work, 'flag'))).model.logit_scale, 50);

  await fs.writeFile(path.join(model, 'holoclip.json'), JSON.stringify({ logit_scale: 33.3, architecture: 'ViT-tiny' }));
  const card = await runCli([...base, '--out', path.join(work, 'card')]);
  assert.equal(card.code, 0, card.stderr);
  const rc = await readResult(path.join(work, 'card'));
  assert.equal(rc.model.logit_scale_source, 'model-card');
  assert.equal(rc.model.logit_scale, 33.3);
  assert.deepEqual(rc.model.card, { logit_scale: 33.3, architecture: 'ViT-tiny' }, 'the model card is recorded as model metadata');

  await fs.rm(path.join(model, 'holoclip.json'));
  await fs.rm(path.join(model, 'onnx', 'model.onnx'));
  const fallback = await runCli([...base, '--out', path.join(work, 'fallback')]);
  assert.equal(fallback.code, 0, fallback.stderr);
  assert.match(fallback.stderr, /WARNING: no learned logit scale/);
  const rf = await readResult(path.join(work, 'fallback'));
  assert.equal(rf.model.logit_scale_source, 'config-init-fallback');
  assert.ok(Math.abs(rf.model.logit_scale - Math.exp(2.6592)) < 1e-9);
  // the logit scale does not change the image cache: the card and fallback runs inferred nothing
  assert.equal(rc.cache.images_inferred, 0);
  assert.equal(rf.cache.images_inferred, 0);
});

test('bad inputs give one-line errors; corrupt images are counted and reported', async () => {
  const work = await tmp();
  const data = path.join(work, 'data');
  await makeImageFolder(data, ['cat', 'dog', 'car'], 2);
  const store = path.join(work, 'store');
  const run = (extra: string[], model = fixtureDir('tiny-clip'), d = data) =>
    runCli(['eval', 'zeroshot', '--model', model, '--data', d, '--out', path.join(work, 'out'), '--store', store, ...extra]);
  const oneLine = (stderr: string) => {
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
    assert.match(lines[0], /^holoclip: /);
    assert.doesNotMatch(stderr, /\n\s+at /);
    return lines[0];
  };

  // missing model file
  const broken = await copyModel('tiny-clip', work);
  await fs.rm(path.join(broken, 'onnx', 'text_model.onnx'));
  const r1 = await run([], broken);
  assert.equal(r1.code, 1);
  assert.match(oneLine(r1.stderr), /onnx\/text_model\.onnx.*--dtype fp32/);
  await fs.rm(path.join(broken, 'tokenizer.json'));
  assert.match(oneLine((await run([], broken)).stderr), /missing tokenizer\.json/);
  // unavailable dtype
  const r2 = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-siglip'), '--data', data, '--out', path.join(work, 'o'), '--store', store, '--dtype', 'q4']);
  assert.equal(r2.code, 1);
  assert.match(oneLine(r2.stderr), /available dtypes: fp32/);
  // empty folder
  const empty = path.join(work, 'empty');
  await fs.mkdir(path.join(empty, 'cat'), { recursive: true });
  const r3 = await run([], undefined, empty);
  assert.equal(r3.code, 1);
  assert.match(oneLine(r3.stderr), /empty|no image/i);
  // wrong class-name count
  await fs.writeFile(path.join(work, 'two.txt'), 'cat\ndog\n');
  const r4 = await run(['--classnames', path.join(work, 'two.txt')]);
  assert.equal(r4.code, 1);
  assert.match(oneLine(r4.stderr), /2 names.*3 class folders/);
  // unreadable manifest
  const r5 = await run([], undefined, path.join(work, 'nope.jsonl'));
  assert.equal(r5.code, 1);
  oneLine(r5.stderr);
  // bad usage
  const r6 = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip')]);
  assert.equal(r6.code, 2);
  assert.match(r6.stderr, /required option/);

  // corrupt and truncated images: the run succeeds, failures are counted and listed
  await fs.writeFile(path.join(data, 'cat', 'corrupt.png'), 'this is not a png');
  const good = await fs.readFile(path.join(data, 'dog', 'img0.png'));
  await fs.writeFile(path.join(data, 'dog', 'truncated.png'), good.subarray(0, 60));
  const r7 = await run([]);
  assert.equal(r7.code, 0, r7.stderr);
  assert.match(r7.stdout, /2 FAILED to read/);
  const res = await readResult(path.join(work, 'out'));
  assert.equal(res.dataset.failed, 2);
  assert.equal(res.dataset.n, 6);
  const failures = (await fs.readFile(path.join(work, 'out', 'failures.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(failures.map((f: { id: string }) => f.id).sort(), ['cat/corrupt.png', 'dog/truncated.png']);
  for (const f of failures) assert.match(f.error, /cannot read image .*(corrupt|truncated)\.png/);
});

test('a run killed half-way resumes where it stopped', async () => {
  const work = await tmp();
  const data = path.join(work, 'data');
  await makeImageFolder(data, ['a', 'b', 'c', 'd'], 40, { width: 900, height: 700 });
  const store = path.join(work, 'store');
  const args = ['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', data, '--store', store, '--batch-size', '2', '--threads', '1'];

  const child = spawn(process.execPath, [BIN, ...args, '--out', path.join(work, 'killed')], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const chunkCount = async () => {
    const spaces = await fs.readdir(path.join(store, 'embeddings')).catch(() => [] as string[]);
    let n = 0;
    for (const s of spaces) {
      const files = await fs.readdir(path.join(store, 'embeddings', s, 'chunks')).catch(() => [] as string[]);
      n += files.filter((f) => f.endsWith('.keys.json')).length;
    }
    return n;
  };
  let finished = false;
  void exited.then(() => (finished = true));
  while (!finished && (await chunkCount()) < 5) await new Promise((r) => setTimeout(r, 10));
  assert.ok(!finished, 'the run finished before it could be killed; make the dataset larger');
  child.kill('SIGKILL');
  await exited;
  const stored = (await chunkCount()) * 2;
  assert.ok(stored < 160);

  const resumed = await runCli([...args, '--out', path.join(work, 'resumed')]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const r = await readResult(path.join(work, 'resumed'));
  assert.equal(r.dataset.n, 160);
  assert.ok(r.cache.images_inferred > 0 && r.cache.images_inferred <= 160 - stored, `inferred ${r.cache.images_inferred}, stored before ${stored}`);

  // Same numbers as an uninterrupted run in a fresh store.
  const clean = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', data, '--store', path.join(work, 'store2'), '--out', path.join(work, 'clean')]);
  assert.equal(clean.code, 0, clean.stderr);
  const a = await readNpy(path.join(work, 'resumed', 'logits.npy'));
  const b = await readNpy(path.join(work, 'clean', 'logits.npy'));
  const da = a.data as Float32Array;
  const db = b.data as Float32Array;
  let maxDiff = 0;
  for (let i = 0; i < da.length; i++) maxDiff = Math.max(maxDiff, Math.abs(da[i] - db[i]));
  assert.ok(maxDiff < 1e-4, `resumed vs clean logits differ by ${maxDiff}`);
});

test('eval zeroshot summary: a model that waited over a tenth of the stage for decoding is told to add decode workers', () => {
  const conventions = { decode_workers: '1 (of 16 cores)' };
  assert.equal(decodeWaitNote({ timing: { embed_s: 10, decode_wait_s: 1 }, conventions }), '');
  assert.equal(decodeWaitNote({ timing: { embed_s: 0, decode_wait_s: 0 }, conventions }), '');
  assert.equal(decodeWaitNote({ timing: { embed_s: 10, decode_wait_s: 6.04 }, conventions }), '; the model waited 6.0 s (60%) for decoded images: more --decode-workers (now 1 (of 16 cores)) would help');
});
