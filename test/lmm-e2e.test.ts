/**
 * `holoclip eval lmm` end to end against a REAL llama.cpp server (llama-server in the chroot built by
 * tools/test-env/setup.sh) serving the committed tiny random multimodal Gemma3: a run, a warm rerun that sends no
 * request, a run killed mid-way and resumed, the server killed mid-run. The model's answers are noise; what is checked
 * is transport, caching, resume and scoring. Runs the built CLI (dist/, rebuilt by `npm test`'s pretest).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labelAnswer, type AnswerLabel } from '../src/lmm/answer-matching.js';
import { BIN, makeImageFolder, runCli, writeTestImage } from './helpers/cli.js';
import { existsSync } from 'node:fs';
import { fixtureDir, REPO_ROOT } from './helpers/fixtures.js';
import { requireLlamaServer, startLlamaServer, TINY_ALIAS, type LlamaServer } from './helpers/llama-server.js';

const CLASSES = ['cat', 'dog', 'car', 'pen', 'can opener'];
const PER_CLASS = 8;
const N = CLASSES.length * PER_CLASS;
let root = '';
let data = '';

interface QuestionRow {
  id: string;
  true_name: string;
  distractor_name: string;
  question: string;
  answer: string;
  label: AnswerLabel;
  clip_two_way_correct: boolean;
  clip_top1_correct: boolean;
  answer_key: string;
  subset?: string;
}

before(async () => {
  requireLlamaServer(); // fails (never skips) with the set-up command when the chroot is missing
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-lmm-'));
  data = path.join(root, 'data');
  await makeImageFolder(data, CLASSES, PER_CLASS, { width: 48, height: 40 });
});

after(async () => {
  if (root) await fs.rm(root, { recursive: true, force: true });
});

function lmmArgs(server: LlamaServer, store: string, out: string, extra: string[] = []): string[] {
  return ['eval', 'lmm', '--endpoint', server.url, '--surrogate', fixtureDir('tiny-clip'), '--data', data, '--store', store, '--out', out, '--max-tokens', '24', '--quiet', ...extra];
}

async function readRun(out: string): Promise<{ result: Record<string, any>; rows: QuestionRow[]; text: string }> {
  const result = JSON.parse(await fs.readFile(path.join(out, 'result.json'), 'utf8')) as Record<string, any>;
  const text = await fs.readFile(path.join(out, 'questions.jsonl'), 'utf8');
  return { result, rows: text.trim().split('\n').map((l) => JSON.parse(l) as QuestionRow), text };
}

async function answerFiles(store: string): Promise<string[]> {
  const dir = path.join(store, 'lmm-answers');
  const out: string[] = [];
  for (const sub of await fs.readdir(dir).catch(() => [] as string[])) {
    for (const f of await fs.readdir(path.join(dir, sub))) if (f.endsWith('.json')) out.push(path.join(dir, sub, f));
  }
  return out.sort();
}

async function storedAnswers(store: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const f of await answerFiles(store)) {
    const j = JSON.parse(await fs.readFile(f, 'utf8')) as { key: string; text: string };
    m.set(j.key, j.text);
  }
  return m;
}

function checkScoring(result: Record<string, any>, rows: QuestionRow[]): void {
  assert.equal(rows.length, N);
  const counts: Record<AnswerLabel, number> = { TRUE: 0, FALSE: 0, DOUBLE: 0, TODO: 0 };
  for (const r of rows) {
    assert.equal(r.label, labelAnswer(r.true_name, r.distractor_name, r.answer), `label of ${r.id}`);
    assert.equal(r.question, `What is the main object in this image? Choose from the following list: ${r.true_name}, ${r.distractor_name}.`);
    assert.notEqual(r.true_name, r.distractor_name);
    counts[r.label] += 1;
  }
  const m = result.metrics;
  assert.deepEqual({ TRUE: m.true, FALSE: m.false, DOUBLE: m.double, TODO: m.todo }, counts);
  assert.equal(m.n, N);
  assert.equal(m.lmm_accuracy, counts.TRUE + counts.FALSE === 0 ? null : counts.TRUE / (counts.TRUE + counts.FALSE));
  assert.equal(m.clip_two_way, rows.filter((r) => r.clip_two_way_correct).length / N);
  assert.equal(m.clip_top1, rows.filter((r) => r.clip_top1_correct).length / N);
  // With the surrogate choosing the distractor, its 2-way choice is right exactly where its top-1 is.
  assert.deepEqual(rows.map((r) => r.clip_two_way_correct), rows.map((r) => r.clip_top1_correct));
  assert.equal(result.lmm.model, TINY_ALIAS);
  assert.equal(result.lmm.identity.meta.n_vocab, 300);
}

test('eval lmm against llama-server: a run, then a warm rerun that sends no request and gives the same results', { timeout: 240_000 }, async () => {
  const server = await startLlamaServer({ parallel: 2 });
  try {
    const store = path.join(root, 'store-a');
    const r1 = await runCli(lmmArgs(server, store, path.join(root, 'run-a1'), ['--concurrency', '2']));
    assert.equal(r1.code, 0, r1.stderr);
    const a1 = await readRun(path.join(root, 'run-a1'));
    checkScoring(a1.result, a1.rows);
    assert.equal(a1.result.cache.requests_sent, N);
    assert.equal(a1.result.cache.answers_cached, 0);
    assert.equal((await answerFiles(store)).length, N);
    assert.ok(a1.result.timing.questions_per_s > 0);
    assert.match(r1.stdout, new RegExp(`LMM ${TINY_ALIAS} .* on ${N} questions`));

    const decodes = await server.decodes();
    const r2 = await runCli(lmmArgs(server, store, path.join(root, 'run-a2'), ['--concurrency', '2']));
    assert.equal(r2.code, 0, r2.stderr);
    const a2 = await readRun(path.join(root, 'run-a2'));
    assert.equal(a2.result.cache.requests_sent, 0);
    assert.equal(a2.result.cache.answers_cached, N);
    assert.equal(await server.decodes(), decodes, 'the server worked on a request during the warm rerun');
    assert.equal(a2.text, a1.text);
    assert.deepEqual(a2.result.metrics, a1.result.metrics);

    // Other sampling settings are other questions: nothing reused.
    const r3 = await runCli(lmmArgs(server, store, path.join(root, 'run-a3'), ['--concurrency', '2', '--limit', '3', '--temperature', '0']));
    assert.equal(r3.code, 0, r3.stderr);
    assert.equal((await readRun(path.join(root, 'run-a3'))).result.cache.requests_sent, 3);
  } finally {
    await server.stop();
  }
});

test('eval lmm killed mid-way (SIGKILL) resumes: finished answers reused, only the rest asked, identical results on rerun', { timeout: 240_000 }, async () => {
  const server = await startLlamaServer({ parallel: 1 });
  try {
    const store = path.join(root, 'store-b');
    const out = path.join(root, 'run-b');
    // Long answers and one at a time, so the run is still asking when it is killed.
    const args = lmmArgs(server, store, out, ['--concurrency', '1', '--max-tokens', '200']);
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 120_000;
    while ((await answerFiles(store)).length < 5) {
      assert.ok(Date.now() < deadline, 'the run never stored 5 answers');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const before = await storedAnswers(store);
    assert.ok(before.size >= 5 && before.size < N, `killed after ${before.size} of ${N} answers`);
    await assert.rejects(fs.access(path.join(out, 'result.json')));

    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
    const resumed = await readRun(out);
    checkScoring(resumed.result, resumed.rows);
    assert.equal(resumed.result.cache.answers_cached, before.size);
    assert.equal(resumed.result.cache.requests_sent, N - before.size);
    // Answers stored before the kill are the ones used.
    for (const row of resumed.rows) if (before.has(row.answer_key)) assert.equal(row.answer, before.get(row.answer_key));
    assert.equal((await storedAnswers(store)).size, N);

    const warm = await runCli(lmmArgs(server, store, path.join(root, 'run-b2'), ['--concurrency', '1', '--max-tokens', '200']));
    assert.equal(warm.code, 0, warm.stderr);
    const again = await readRun(path.join(root, 'run-b2'));
    assert.equal(again.result.cache.requests_sent, 0);
    assert.equal(again.text, resumed.text);
    assert.deepEqual(again.result.metrics, resumed.result.metrics);
  } finally {
    await server.stop();
  }
});

test('the server killed mid-run: finished answers kept, a clear message, and a restarted server finishes the run', { timeout: 240_000 }, async () => {
  const store = path.join(root, 'store-c');
  const out = path.join(root, 'run-c');
  const server = await startLlamaServer({ parallel: 1 });
  let second: LlamaServer | null = null;
  try {
    const args = (s: LlamaServer) => lmmArgs(s, store, out, ['--concurrency', '1', '--max-tokens', '200', '--retries', '2', '--retry-backoff-s', '0.1', '--timeout-s', '10']);
    const run = runCli(args(server));
    const deadline = Date.now() + 120_000;
    while ((await answerFiles(store)).length < 5) {
      assert.ok(Date.now() < deadline, 'the run never stored 5 answers');
      await new Promise((r) => setTimeout(r, 20));
    }
    await server.kill();
    const r = await run;
    assert.notEqual(r.code, 0);
    const kept = (await storedAnswers(store)).size;
    assert.ok(kept >= 5 && kept < N, `kept ${kept}`);
    assert.match(r.stderr, /holoclip: the server at http:\/\/127\.0\.0\.1:\d+\/v1 failed asking: (connection refused \(ECONNREFUSED\)|connection (reset|closed)[a-z ]* \([A-Z_]+\)) \(gave up after 3 attempts\)/);
    assert.match(r.stderr, new RegExp(`${kept} of ${N} answers are stored in .*lmm-answers .*rerun the same command to resume`));
    await assert.rejects(fs.access(path.join(out, 'result.json')));

    second = await startLlamaServer({ parallel: 1, port: server.port });
    const r2 = await runCli(args(second));
    assert.equal(r2.code, 0, r2.stderr);
    const done = await readRun(out);
    checkScoring(done.result, done.rows);
    assert.equal(done.result.cache.answers_cached, kept);
    assert.equal(done.result.cache.requests_sent, N - kept);
  } finally {
    await server.stop();
    await second?.stop();
  }
});

test('a llama-server without its projector: the run stops at once, saying the server takes no images', { timeout: 120_000 }, async () => {
  const server = await startLlamaServer({ parallel: 1, mmproj: false });
  try {
    const store = path.join(root, 'store-d');
    const r = await runCli(lmmArgs(server, store, path.join(root, 'run-d')));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /does not accept images for model "tiny-gemma3" .*--mmproj/);
    assert.equal((await answerFiles(store)).length, 0);
  } finally {
    await server.stop();
  }
});

test('a suite with an lmm task: one unit per surrogate model, rows per metric, a report section', { timeout: 240_000 }, async () => {
  const server = await startLlamaServer({ parallel: 2 });
  try {
    const suite = path.join(root, 'suite.yaml');
    await fs.writeFile(
      suite,
      `name: lmm
models:
  - path: ${JSON.stringify(fixtureDir('tiny-clip'))}
  - path: ${JSON.stringify(fixtureDir('tiny-siglip'))}
datasets:
  val: data
tasks:
  - type: lmm
    dataset: val
    endpoint: ${server.url}
    limit: 6
    max_tokens: 16
    concurrency: 2
`,
    );
    const out = path.join(root, 'suite-out');
    const r = await runCli(['run', suite, '--store', path.join(root, 'store-e'), '--out', out, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8')) as { rows: Array<{ model: string; type: string; metric: string; variant: string | null; value: number | null }> };
    const rows = results.rows.filter((x) => x.type === 'lmm');
    assert.deepEqual([...new Set(rows.map((x) => x.model))].sort(), ['tiny-clip', 'tiny-siglip']);
    for (const model of ['tiny-clip', 'tiny-siglip']) {
      const get = (metric: string) => rows.find((x) => x.model === model && x.metric === metric && x.variant === null)?.value;
      assert.equal(get('n'), 6);
      assert.equal(Number(get('true')) + Number(get('false')) + Number(get('double')) + Number(get('todo')), 6);
      assert.equal(get('clip_two_way'), get('clip_top1'));
    }
    const report = await fs.readFile(path.join(out, 'report', 'index.html'), 'utf8');
    assert.match(report, /id="section-lmm"/);
    assert.match(report, /Multimodal LLMs as classifiers/);
  } finally {
    await server.stop();
  }
});

const SHARED = path.resolve(REPO_ROOT, '..', 'shared', 'refdata');

test('ImageNet-D layout: the 113 cleaned class names in the questions, scores per subset and pooled', { skip: !existsSync(SHARED) && 'needs ../shared/refdata', timeout: 240_000 }, async () => {
  const dir = path.join(root, 'imagenet-d');
  let seed = 500;
  const layout: Array<[string, number]> = [['background/plate', 3], ['background/mug', 2], ['texture/plate', 2], ['material/coffee_or_french_press', 3]];
  for (const [rel, k] of layout) for (let i = 0; i < k; i++) await writeTestImage(path.join(dir, rel, `${i}.jpg`), seed++, 48, 48, 'jpeg');
  const server = await startLlamaServer({ parallel: 2 });
  try {
    const out = path.join(root, 'run-imagenet-d');
    const args = ['eval', 'lmm', '--endpoint', server.url, '--surrogate', fixtureDir('tiny-clip'), '--data', `imagenet-d:${dir}`, '--store', path.join(root, 'store-f'), '--out', out, '--max-tokens', '16', '--quiet'];
    const r = await runCli(args, { env: { HOLOCLIP_DATA_DIR: SHARED, HOLOCLIP_OFFLINE: '1' } });
    assert.equal(r.code, 0, r.stderr);
    const { result, rows } = await readRun(out);
    assert.equal(result.dataset.num_classes, 113);
    assert.deepEqual(result.conventions.templates, ['A photo of a {c}']);
    assert.deepEqual(Object.keys(result.metrics.subsets), ['background', 'texture', 'material']);
    assert.deepEqual(Object.values(result.metrics.subsets).map((m) => (m as { n: number }).n), [5, 2, 3]);
    assert.deepEqual(rows.map((x) => x.subset), [...Array(5).fill('background'), ...Array(2).fill('texture'), ...Array(3).fill('material')]);
    // Cleaned names as evaluate_vlm.py writes them, in the question as eval_imagenet_d.py asks it.
    const coffee = rows.filter((x) => x.id.startsWith('material/'));
    for (const x of coffee) {
      assert.equal(x.true_name, 'coffee or french press');
      assert.equal(x.question, `What is the main object in this image? Choose from the following list: coffee or french press, ${x.distractor_name}.`);
      assert.equal(x.label, labelAnswer(x.true_name, x.distractor_name, x.answer));
    }
    const counts = (k: 'true' | 'false' | 'double' | 'todo') => Object.values(result.metrics.subsets).reduce((a: number, m) => a + (m as Record<string, number>)[k], 0);
    for (const k of ['true', 'false', 'double', 'todo'] as const) assert.equal(counts(k), result.metrics[k], `pooled ${k} = sum over subsets`);
  } finally {
    await server.stop();
  }
});
