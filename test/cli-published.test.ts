/**
 * `holoclip analyze published` and the `published` suite task, end to end through the built CLI, on the shared
 * reference tables (HOLOCLIP_DATA_DIR = ../shared/refdata, offline).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SuiteResults } from '../src/results/types.js';
import { runCli, writeTestImage } from './helpers/cli.js';
import { REPO_ROOT, fixtureDir } from './helpers/fixtures.js';
import { SHARED_REFDATA } from './helpers/refdata-mirror.js';

const NO_SHARED = !existsSync(SHARED_REFDATA) && 'needs ../shared/refdata';
const ENV = { HOLOCLIP_DATA_DIR: SHARED_REFDATA, HOLOCLIP_OFFLINE: '1' };
const golden = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/golden/published/landscape.json'), 'utf8'));

test('analyze published: result.json, CSVs and report; numbers traceable; a missing table is one line naming it', { skip: NO_SHARED }, async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-published-'));
  try {
    const out = path.join(work, 'out');
    const res = await runCli(['analyze', 'published', '--out', out, '--bootstrap', '40'], { env: ENV });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /121 CLIP checkpoints \(open_clip\), 338 imagenet-testbed models/);
    assert.match(res.stdout, /line ImageNet-V2\s+slope 0\.9232 intercept -0\.4977 R² 0\.9960 \(85 standard-training models\)/);
    const env = JSON.parse(await fs.readFile(path.join(out, 'result.json'), 'utf8'));
    assert.equal(env.task, 'analyze-published');
    assert.equal(env.landscape.options.samples, 40);
    for (const l of env.landscape.lines) assert.ok(Math.abs(l.slope.value - golden.lines[l.shift].slope) < 1e-9, l.shift);
    const m = env.landscape.clip_models.find((c: { id: string }) => c.id === 'ViT-B-32/laion2b_s34b_b79k');
    assert.deepEqual(m.accuracy.imagenet1k, { value: 0.6656, source: { table: 'open_clip/openclip_results.csv', line: 67, row: 'ViT-B-32 laion2b_s34b_b79k', column: 'ImageNet 1k' } });
    assert.ok(Math.abs(m.er['imagenet-r'].effective_robustness - golden.clip_models['ViT-B-32/laion2b_s34b_b79k']['imagenet-r']) < 1e-9);
    const csv = await fs.readFile(path.join(out, 'clip_models.csv'), 'utf8');
    assert.match(csv, /^ViT-B-32\/laion2b_s34b_b79k,ViT-B-32,laion2b_s34b_b79k,ViT,151280000,224,LAION-2B,2000000000,34000000000,softmax,false,imagenet1k,0\.6656,,,,,open_clip\/openclip_results\.csv,67,ImageNet 1k$/m);
    assert.match(await fs.readFile(path.join(out, 'testbed_models.csv'), 'utf8'), /^resnet50,STANDARD,true,imagenet1k,0\.761300048828125,/m);
    const html = await fs.readFile(path.join(out, 'report', 'index.html'), 'utf8');
    assert.equal((html.match(/<svg/g) ?? []).length, 4, 'one chart per shift with a line');
    // Every data-path cell holds the value at that pointer of the embedded result.json.
    const embedded = JSON.parse(html.match(/<script type="application\/json" id="holoclip-results">([\s\S]*?)<\/script>/)?.[1] ?? "null");
    const cells = [...html.matchAll(/data-path="([^"]+)" data-value="([^"]*)"/g)];
    assert.ok(cells.length > 500, String(cells.length));
    for (const [, ptr, value] of cells) {
      const at = ptr.split('/').slice(1).reduce<unknown>((o, k) => (o as Record<string, unknown>)[k.replace(/~1/g, '/').replace(/~0/g, '~')], embedded);
      assert.equal(JSON.stringify(at ?? null), value.replace(/&quot;/g, '"'), ptr);
    }
    // Deterministic: a second run writes the same result.json.
    const again = await runCli(['analyze', 'published', '--out', path.join(work, 'again'), '--bootstrap', '40', '--no-report'], { env: ENV });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await fs.readFile(path.join(work, 'again', 'result.json'), 'utf8'), await fs.readFile(path.join(out, 'result.json'), 'utf8'));
    assert.equal(existsSync(path.join(work, 'again', 'report')), false);

    const missing = await runCli(['analyze', 'published', '--out', path.join(work, 'x'), '--data-dir', path.join(work, 'empty'), '--offline'], { env: {} });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /open_clip\/openclip_results\.csv/);
    assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

test('suite task published: the suite\'s models on the published clouds, with protocol warnings', { skip: NO_SHARED }, async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-published-suite-'));
  try {
    let seed = 900;
    for (const set of ['val', 'sketch', 'objectnet']) {
      for (const cls of ['car', 'cat', 'dog']) for (let i = 0; i < 3; i++) await writeTestImage(path.join(work, set, cls, `${cls}_${i}.png`), seed++, 80, 64);
    }
    const suite = path.join(work, 'suite.yaml');
    await fs.writeFile(
      suite,
      `name: placed
models:
  - path: ${JSON.stringify(fixtureDir('tiny-clip'))}
datasets:
  val: val
  sketch: sketch
  objectnet: objectnet
tasks:
  - type: published
    id_dataset: val
    shifts: [sketch, objectnet]
    published_as: { sketch: imagenet-sketch, objectnet: objectnet-113 }
    bootstrap: 40
`,
    );
    const check = await runCli(['suite', 'check', suite], { env: ENV });
    assert.equal(check.code, 0, check.stderr);
    const res = await runCli(['run', suite, '--store', path.join(work, 'store'), '--out', path.join(work, 'out'), '--quiet'], { env: ENV });
    assert.equal(res.code, 0, res.stderr);
    const results = JSON.parse(await fs.readFile(path.join(work, 'out', 'results.json'), 'utf8')) as SuiteResults;
    const rows = results.rows.filter((r) => r.task === 'published');
    const get = (dataset: string, metric: string) => rows.find((r) => r.dataset === dataset && r.metric === metric)?.value;
    const id = get('sketch', 'id_top1') as number;
    const sh = get('sketch', 'shift_top1') as number;
    assert.ok(id >= 0 && id <= 1 && sh >= 0 && sh <= 1);
    const line = golden.lines['imagenet-sketch'];
    const logit = (p: number) => Math.log(p / (1 - p));
    const predicted = 1 / (1 + Math.exp(-(line.slope * logit(id) + line.intercept)));
    assert.ok(Math.abs((get('sketch', 'effective_robustness') as number) - (sh - predicted)) < 1e-9, 'ER against the testbed line');
    assert.ok((get('sketch', 'er_low') as number) <= (get('sketch', 'er_high') as number));
    assert.equal(get('objectnet', 'effective_robustness'), undefined, 'no line for ObjectNet');
    assert.ok(typeof get('objectnet', 'published_accuracy_percentile') === 'number');
    const detail = (results.details.published as Array<{ warnings: Array<{ model: string; dataset: string; message: string }>; cloud: Record<string, unknown[]> }>)[0];
    assert.equal(detail.cloud['imagenet-sketch'].length, 121 + 85);
    const messages = detail.warnings.map((w) => `${w.dataset}: ${w.message}`).join('\n');
    assert.match(messages, /sketch: preprocessing "fast"/);
    assert.match(messages, /sketch: templates: 1 template/);
    assert.match(messages, /objectnet: dataset protocol: a plain folder; the published ObjectNet \(CLIP_benchmark, 113-way\) numbers use objectnet-113/);
    const html = await fs.readFile(path.join(work, 'out', 'report', 'index.html'), 'utf8');
    assert.match(html, /<section id="section-published">/);
    assert.match(html, /Protocol differences/);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
