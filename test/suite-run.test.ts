/**
 * `holoclip run`: a suite of three zoo models (CLIP, SigLIP, classifier) on small subsets of
 * emoji-shift, run end to end through the CLI:
 * - an uninterrupted run writes results.json, results.csv and the report; a rerun is warm (no
 *   inference, no metric recomputed) and byte-identical;
 * - a run SIGKILLed during the embedding phase and again during the metric phase, then rerun,
 *   writes the same results.json as the uninterrupted run;
 * - `--shard 1/2` and `--shard 2/2` in two processes on one store, then a plain run, write the
 *   same results.json, and the plain run infers nothing;
 * - the report's numbers are the numbers of results.json;
 * - invalid suite files report all their problems at once, before any work.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, runCli } from './helpers/cli.js';
import { sharedEmojiShift, writeSmallSuite } from './helpers/emoji-shift.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import type { SuiteResults } from '../src/results/types.js';
import { suiteJsonSchema } from '../src/suite/schema.js';

const ZOO = path.join(REPO_ROOT, 'models', 'zoo');
const hasZoo = existsSync(path.join(ZOO, 'base', 'holoclip.json'));

let work = '';
let suiteFile = '';
let bench = '';

before(async () => {
  if (!hasZoo) return;
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-suite-'));
  bench = await sharedEmojiShift();
  suiteFile = await writeSmallSuite(work, bench, ZOO, { name: 'small', description: 'three zoo models on small emoji-shift subsets', trainPerClass: 2, benchmarksDir: true });
});

after(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

function runArgs(tag: string, extra: string[] = []): string[] {
  return ['run', suiteFile, '--store', path.join(work, `store-${tag}`), '--out', path.join(work, `out-${tag}`), '--threads', '1', ...extra];
}

async function readResults(tag: string): Promise<{ text: string; json: SuiteResults }> {
  const text = await fs.readFile(path.join(work, `out-${tag}`, 'results.json'), 'utf8');
  return { text, json: JSON.parse(text) as SuiteResults };
}

/** Starts a run and SIGKILLs it once `ready()` holds (fails if the run finishes first). */
async function killWhen(args: string[], ready: () => Promise<boolean>): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
  let finished = false;
  const exited = new Promise<void>((resolve) =>
    child.on('close', () => {
      finished = true;
      resolve();
    }),
  );
  while (!finished && !(await ready())) await new Promise((r) => setTimeout(r, 20));
  assert.ok(!finished, 'the run finished before it could be killed');
  child.kill('SIGKILL');
  await exited;
}

async function findFiles(dir: string, pred: (name: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await fs.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else if (pred(e.name)) found.push(path.join(d, e.name));
    }
  };
  await walk(dir);
  return found;
}

async function countFiles(dir: string, pred: (name: string) => boolean): Promise<number> {
  return (await findFiles(dir, pred)).length;
}

const skip = !hasZoo && 'no models/zoo in this checkout';

test('suite: an uninterrupted run writes results.json, results.csv and the report; a rerun is warm and identical', { skip }, async () => {
  const res = await runCli(runArgs('a'));
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /metric units +\d+: \d+ computed, 0 already done; 1 not applicable/);
  assert.match(res.stderr, /^embedding: /m, 'one progress display for the whole embedding phase');
  const { text, json } = await readResults('a');

  assert.deepEqual(json.models.map((m) => m.name), ['base', 'loss-sigmoid', 'classifier']);
  assert.deepEqual(json.models.map((m) => m.kind), ['two-tower', 'two-tower', 'classifier']);
  assert.equal(json.models[1].metadata.loss, 'sigmoid');
  assert.equal(json.models[1].metadata_source.loss, 'card');
  assert.equal(json.models[2].metadata.fine_tuned, true);
  assert.deepEqual(json.skipped, [{ model: 'classifier', task: 'retrieval', reason: 'image-text retrieval needs a text tower; this model is an image classifier' }]);

  // Zero-shot: 2 two-tower models x 3 datasets x 2 prompt sets + the classifier x 3 datasets, 3 metrics each.
  const zs = json.rows.filter((r) => r.type === 'zeroshot');
  assert.equal(zs.length, (2 * 3 * 2 + 3) * 3);
  assert.ok(zs.every((r) => (r.model === 'classifier' ? r.prompts === null : r.prompts === 'single' || r.prompts === 'pair')));
  // The rows are the unit results' numbers.
  // units.json says where each unit's own results are in the store.
  const index = JSON.parse(await fs.readFile(path.join(work, 'out-a', 'units.json'), 'utf8')) as Array<{ unit: string; dir: string }>;
  // zero-shot: 2 two-tower models x 3 datasets x 2 prompt sets + 3 for the classifier; calibration, OOD,
  // shape bias for 3 models; retrieval for the 2 two-tower models.
  assert.equal(index.length, 2 * 3 * 2 + 3 + 3 * 3 + 2);
  const entry = index.find((u) => u.unit === 'base|zeroshot|shift-small|single');
  assert.ok(entry && entry.dir.startsWith(path.join(work, 'store-a', 'units')), JSON.stringify(entry));
  const unit = JSON.parse(await fs.readFile(path.join(entry.dir, 'result.json'), 'utf8')) as { metrics: { top1: number } };
  const row = zs.find((r) => r.model === 'base' && r.dataset === 'shift-small' && r.prompts === 'single' && r.metric === 'top1');
  assert.equal(row?.value, unit.metrics.top1);

  // Effective robustness: one line per shift over the 3 models; ER = shift - predicted.
  const er = json.details.effective_robustness[0];
  assert.equal(er.lines.length, 2);
  for (const line of er.lines) {
    assert.equal(line.models.length, 3);
    for (const m of line.models) assert.ok(Math.abs(m.effective_robustness - (m.shift_top1 - m.predicted_top1)) < 1e-12);
  }
  // Calibration, OOD, shape bias, retrieval rows exist for the models they apply to.
  assert.equal(json.details.calibration.length, 3);
  assert.ok(json.rows.some((r) => r.type === 'calibration' && r.variant === 'after' && r.metric === 'ece' && r.dataset === 'shift-small'));
  assert.ok(json.rows.some((r) => r.type === 'ood' && r.model === 'classifier' && r.variant === 'msp'));
  assert.ok(!json.rows.some((r) => r.type === 'ood' && r.model === 'classifier' && r.variant === 'mcm'), 'no MCM for a classifier');
  assert.equal(json.details.shape_bias.length, 3);
  assert.deepEqual([...new Set(json.rows.filter((r) => r.type === 'retrieval').map((r) => r.model))], ['base', 'loss-sigmoid']);

  // The tidy CSV: a header and one line per row, with the metadata columns.
  const csv = (await fs.readFile(path.join(work, 'out-a', 'results.csv'), 'utf8')).trimEnd().split('\n');
  assert.equal(csv[0], 'model,model_type,architecture,training_data,training_size,loss,fine_tuned,dtype,task,type,dataset,prompts,variant,metric,value');
  assert.equal(csv.length, json.rows.length + 1);
  assert.ok(csv.includes(`base,clip,vit-tiny,emoji-shift:noto+twemoji+fluent-flat,3528,softmax,false,fp32,zeroshot,zeroshot,shift-small,single,,top1,${row?.value}`));
  await fs.access(path.join(work, 'out-a', 'report', 'index.html'));

  // Warm rerun: nothing inferred or recomputed, same bytes.
  const again = await runCli(runArgs('a'));
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /embedding units +\d+, 0 images inferred/);
  assert.match(again.stdout, /metric units +(\d+): 0 computed, \1 already done/);
  assert.equal((await readResults('a')).text, text);
});

test('suite: killed during embedding and again during metrics, a rerun gives the same results.json', { skip }, async () => {
  const store = path.join(work, 'store-b');
  const units = path.join(store, 'units');
  await killWhen(runArgs('b', ['--no-report']), async () => (await countFiles(store, (n) => n.endsWith('.keys.json'))) >= 3);
  assert.ok(!existsSync(path.join(work, 'out-b', 'results.json')));
  await killWhen(runArgs('b', ['--no-report']), async () => (await countFiles(units, (n) => n === 'result.json')) >= 4);
  // Only whole units are in place: a killed unit is at worst a temp folder.
  const done = (await fs.readdir(units)).filter((n) => !n.includes('tmp-')).length;
  for (const name of await fs.readdir(units)) {
    if (!name.includes('tmp-')) await fs.access(path.join(units, name, 'result.json'));
  }
  const res = await runCli(runArgs('b'));
  assert.equal(res.code, 0, res.stderr);
  const m = /metric units +(\d+): (\d+) computed, (\d+) already done/.exec(res.stdout);
  assert.ok(m, res.stdout);
  assert.equal(Number(m[3]), done, `units already done: ${m[3]}, unit folders before: ${done}`);
  assert.deepEqual(await findFiles(path.join(work, 'out-b'), (n) => n.includes('tmp-')), [], 'no temp file in the output');
  assert.equal((await readResults('b')).text, (await readResults('a')).text);
});

test('suite: --shard 1/2 and 2/2 in two processes on one store, then a plain run, give the same results', { skip }, async () => {
  const [s1, s2] = await Promise.all([runCli(runArgs('c', ['--shard', '1/2'])), runCli(runArgs('c', ['--shard', '2/2']))]);
  assert.equal(s1.code, 0, s1.stderr);
  assert.equal(s2.code, 0, s2.stderr);
  assert.match(s1.stdout, /shard 1\/2/);
  assert.match(s1.stdout, /run the suite without --shard to finish and aggregate/);
  assert.ok(!existsSync(path.join(work, 'out-c', 'results.json')), 'a shard does not aggregate');
  const plain = await runCli(runArgs('c'));
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /0 images inferred/, 'the shards embedded everything');
  assert.equal((await readResults('c')).text, (await readResults('a')).text);
});

test('suite: every number in the report equals results.json', { skip }, async () => {
  const html = await fs.readFile(path.join(work, 'out-a', 'report', 'index.html'), 'utf8');
  const { json } = await readResults('a');
  assert.ok(!/<script[^>]+src=/.test(html) && !/(src|href)="https?:/.test(html), 'self-contained');
  for (const id of ['table-summary', 'table-models', 'chart-accuracy', 'chart-er', 'chart-reliability', 'table-ood', 'chart-shape-bias', 'section-differences']) {
    assert.ok(html.includes(`id="${id}`), `the report has ${id}`);
  }
  const attr = (cell: string, name: string): string | null => {
    const m = new RegExp(`data-${name}="([^"]*)"`).exec(cell);
    return m ? m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"') : null;
  };
  const cells = html.match(/<td[^>]*data-value="[^"]*"[^>]*>/g) ?? [];
  assert.ok(cells.length > 50, `${cells.length} numeric cells`);
  let checked = 0;
  for (const cell of cells) {
    if (attr(cell, 'derived') !== null || attr(cell, 'metric') === null) continue;
    const want = { model: attr(cell, 'model'), dataset: attr(cell, 'dataset'), metric: attr(cell, 'metric'), variant: attr(cell, 'variant'), prompts: attr(cell, 'prompts'), task: attr(cell, 'task') };
    const matches = json.rows.filter(
      (r) =>
        r.model === want.model &&
        r.metric === want.metric &&
        (want.dataset === null || r.dataset === want.dataset) &&
        r.variant === want.variant &&
        r.prompts === want.prompts &&
        (want.task === null || r.task === want.task),
    );
    assert.equal(matches.length, 1, `one row for ${cell}`);
    const value = attr(cell, 'value');
    assert.equal(value === '' || value === 'null' ? null : Number(value), matches[0].value, cell);
    checked++;
  }
  assert.ok(checked > 50, `${checked} cells checked against results.json`);
});

test('suite: invalid files report every problem at once and run nothing', { skip }, async () => {
  const bad = path.join(work, 'bad.yaml');
  await fs.writeFile(
    bad,
    `name: bad
models:
  - path: ${JSON.stringify(path.join(ZOO, 'base'))}
  - path: no-such-model
datasets:
  shift-small: shift-small.jsonl
  near: emoji-shift/near-ood
tasks:
  - type: zeroshot
    datasets: [shift-small, nope]
    promts: [single]
  - type: ood
    dataset: shift-small
  - type: shape-bias
    dataset: near
    colour: blue
`,
  );
  const res = await runCli(['run', bad, '--store', path.join(work, 'store-bad'), '--out', path.join(work, 'out-bad')]);
  assert.equal(res.code, 1);
  const lines = res.stderr.trimEnd().split('\n');
  assert.match(lines[0], /bad\.yaml: 6 problems; nothing was run:$/);
  for (const expected of [
    /tasks\[0\]: unknown key "promts"/,
    /tasks\[1\]\.ood: missing \(required, array\)/,
    /tasks\[2\]: unknown key "colour"/,
    /models\[1\]\.path: model folder .*no-such-model does not exist/,
    /tasks\[0\]\.datasets\[1\]: no dataset named "nope"/,
    /tasks\[2\]\.dataset: "near" \(emoji-shift\/near-ood\) is an unlabelled image folder, but shape-bias needs a cue-conflict folder here/,
  ]) {
    assert.ok(lines.some((l) => expected.test(l)), `${expected} in:\n${res.stderr}`);
  }
  assert.ok(!existsSync(path.join(work, 'store-bad')), 'no store was created');
  assert.ok(!existsSync(path.join(work, 'out-bad')), 'no output was created');

  const check = await runCli(['suite', 'check', suiteFile]);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /3 models, 6 datasets, 2 prompt sets, 6 tasks/);
});

test('suite: the committed JSON Schema is the schema holoclip validates with', async () => {
  const committed = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'suites', 'suite.schema.json'), 'utf8')) as unknown;
  assert.deepEqual(committed, suiteJsonSchema(), 'run `holoclip suite schema --out suites/suite.schema.json`');
});

test('suite: a half-written unit folder in the store is recomputed with a note; a damaged result.json is an error naming it, repaired by --repair', { skip }, async () => {
  const want = (await readResults('a')).text;
  const index = JSON.parse(await fs.readFile(path.join(work, 'out-a', 'units.json'), 'utf8')) as Array<{ unit: string; dir: string }>;
  const half = index.find((u) => u.unit === 'base|zeroshot|shift-small|single')!.dir;
  // A run killed mid-unit by hand: the folder is there, its result.json is not.
  await fs.rm(path.join(half, 'result.json'));
  const res = await runCli(runArgs('a'));
  assert.equal(res.code, 0, res.stderr);
  assert.ok(res.stderr.includes(`${half} has no result.json`), res.stderr);
  assert.match(res.stdout, /metric units +\d+: 1 computed/);
  assert.equal((await readResults('a')).text, want, 'the recomputed unit gives the same results');
  await fs.access(path.join(half, 'result.json'));

  // A finished unit whose result.json is damaged is an error naming that file, not a silent recompute.
  const damaged = path.join(index.find((u) => u.unit === 'base|zeroshot|train-small|single')!.dir, 'result.json');
  const good = await fs.readFile(damaged, 'utf8');
  await fs.writeFile(damaged, good.slice(0, good.length >> 1));
  const bad = await runCli(runArgs('a'));
  assert.notEqual(bad.code, 0);
  assert.ok(bad.stderr.includes(damaged), bad.stderr);
  assert.match(bad.stderr, /--repair/);
  assert.doesNotMatch(bad.stderr, /unexpected error/);
  const repaired = await runCli(runArgs('a', ['--repair']));
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.ok(repaired.stderr.includes(damaged), repaired.stderr);
  assert.match(repaired.stdout, /metric units +\d+: 1 computed/);
  assert.equal((await readResults('a')).text, want, 'the repaired unit gives the same results');
});
