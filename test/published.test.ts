/**
 * The published landscape (src/published/): the table readers against rows checked by hand in the CSV files,
 * model identity normalisation, the catalogue join with provenance, controlled pairs, and the analysis' line fits,
 * ERs and means against an independent numpy/scipy computation (tools/goldens/make_published_goldens.py,
 * test/golden/published/landscape.json). Reads ../shared/refdata through the registry's layout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import { parseCsv } from '../src/formats/csv.js';
import { readCatalog } from '../src/models/catalog.js';
import { ER_SHIFTS, analyzeLandscape, identityOf, joinFactors, loadLandscapeInput, parseIdentity, parseOpenclipTable, parseTestbedTable, spearman, type LandscapeResult } from '../src/published/index.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { SHARED_REFDATA } from './helpers/refdata-mirror.js';

const NO_SHARED = !existsSync(SHARED_REFDATA) && 'needs ../shared/refdata';
const golden = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/golden/published/landscape.json'), 'utf8'));
const TOL = 1e-9;

function close(actual: number, expected: number, what: string, tol = TOL): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
}

let cached: Promise<LandscapeResult> | undefined;
/** The analysis on the shared tables, 50 resamples (intervals are not what these tests check). */
function landscape(): Promise<LandscapeResult> {
  cached ??= loadLandscapeInput({ dataDir: SHARED_REFDATA, offline: true }).then((l) => analyzeLandscape(l.input, { samples: 50, seed: 0, extremes: 'exclude' }));
  return cached;
}

test('published tables: rows checked by hand against the CSV files, each number with its source', { skip: NO_SHARED }, async () => {
  const { input } = await loadLandscapeInput({ dataDir: SHARED_REFDATA, offline: true });
  assert.equal(input.openclip.rows.length, 121);
  const b32 = input.openclip.byId.get('ViT-B-32/laion2b_s34b_b79k');
  assert.ok(b32);
  // openclip_results.csv line 67: ViT-B-32,laion2b_s34b_b79k,151.28,14.78,0.5694,0.6656,... ImageNet v2 0.5814, ObjectNet 0.4883, ImageNet-O 0.4995.
  assert.deepEqual(b32.values.get('ImageNet 1k'), { value: 0.6656, ref: { table: 'open_clip/openclip_results.csv', line: 67, row: 'ViT-B-32 laion2b_s34b_b79k', column: 'ImageNet 1k' } });
  assert.equal(b32.values.get('ImageNet v2')?.value, 0.5814);
  assert.equal(b32.values.get('ObjectNet')?.value, 0.4883);
  assert.equal(b32.values.get('ImageNet-O')?.value, 0.4995);
  assert.equal(b32.values.get('params (M)')?.value, 151.28);
  // benchmark.csv line 20: 0.4417465274038979,...,objectnet,ViT-B-32,openai,zeroshot_classification
  const cb = input.clipBenchmark.byId.get('ViT-B-32/openai');
  assert.deepEqual(cb?.values.get('objectnet'), { value: 0.4417465274038979, ref: { table: 'clip_benchmark/benchmark.csv', line: 20, row: 'ViT-B-32 openai', column: 'acc1 (dataset objectnet)' } });
  assert.equal(input.clipBenchmark.rows.length, 13);
  // robustness_top1s.csv line 117: resnet50, val 76.1300048828125, imagenet-a 0.0 (percent -> fraction).
  const r50 = input.testbed.rows.find((r) => r.model === 'resnet50');
  assert.equal(r50?.values.get('val')?.value, 0.761300048828125);
  assert.equal(r50?.values.get('val')?.ref.line, 117);
  assert.equal(r50?.values.get('imagenet-a')?.value, 0);
  assert.equal(input.testbed.rows.length, 338);
  // openclip_retrieval_results.csv line 2: ViT-SO400M-14-SigLIP-384,webli,...,0.7721,0.8296 (Flickr image retr. R@1).
  assert.equal(input.retrieval.byId.get('ViT-SO400M-14-SigLIP-384/webli')?.values.get('Flickr image retr. R@1')?.value, 0.8296);
});

test('published tables: a bad number or an accuracy outside [0, 1] is an error naming the table, line and column', () => {
  const bad = parseCsv('name,pretrained,ImageNet 1k\nViT-B-32,openai,abc\n', 'x.csv', 'table');
  assert.throws(() => parseOpenclipTable(bad, 'open_clip/openclip_results.csv'), (e: Error) => e instanceof HoloclipError && /x\.csv line 2: ImageNet 1k is "abc"/.test(e.message));
  const big = parseCsv('name,pretrained,ImageNet 1k\nViT-B-32,openai,63.3\n', 'x.csv', 'table');
  assert.throws(() => parseOpenclipTable(big, 'r'), /line 2: ImageNet 1k = 63.3 is not an accuracy/);
  const dup = parseCsv('name,pretrained,ImageNet 1k\nViT-B-32,openai,0.6\nViT-B-32, openai ,0.6\n', 'x.csv', 'table');
  assert.throws(() => parseOpenclipTable(dup, 'r'), /ViT-B-32\/openai appears twice/);
  const tb = parseTestbedTable(parseCsv('model,val,imagenet-a\nm,76.5,\n', 't.csv', 'table'), 'imagenet_testbed/robustness_top1s.csv');
  assert.equal(tb.rows[0].values.get('val')?.value, 0.765);
  assert.equal(tb.rows[0].values.has('imagenet-a'), false, 'an empty field is a number the table does not give');
  assert.throws(() => parseTestbedTable(parseCsv('model,val\nm,176\n', 't.csv', 'table'), 'r'), /val = 1.76 %|val = 1\.76/);
});

test('model identity: every way the tables write a checkpoint gives MODEL/PRETRAINED', () => {
  const want = { model: 'ViT-B-32', pretrained: 'laion2b_s34b_b79k', id: 'ViT-B-32/laion2b_s34b_b79k' };
  assert.deepEqual(identityOf(' ViT-B-32 ', 'laion2b_s34b_b79k '), want);
  assert.deepEqual(parseIdentity('ViT-B-32/laion2b_s34b_b79k'), want);
  assert.deepEqual(parseIdentity('ViT-B-32 laion2b_s34b_b79k'), want);
  assert.deepEqual(parseIdentity('ViT-B-32:laion2b_s34b_b79k'), want);
  assert.equal(parseIdentity('ViT-B/32 openai').id, 'ViT-B-32/openai');
  assert.equal(parseIdentity('ViT-L/14@336px/OpenAI').id, 'ViT-L-14-336/openai');
  assert.equal(identityOf('ViT-B/16', 'openai').id, 'ViT-B-16/openai');
  assert.throws(() => parseIdentity('ViT-B-32'), /expected MODEL\/PRETRAINED/);
  assert.throws(() => identityOf('', 'openai'), /needs a model name/);
  assert.throws(() => identityOf('a b', 'openai'), /space or a slash/);
});

test('catalogue join: facts with their sources, unknown where the catalogue is silent', async () => {
  const catalog = await readCatalog();
  const f = joinFactors(parseIdentity('ViT-B-32/laion2b_s34b_b79k'), catalog, 'row 67');
  assert.equal(f.catalog_entry, 'ViT-B-32/laion2b_s34b_b79k');
  assert.deepEqual(f.facts.training_data, { value: 'LAION-2B', source: 'catalog: pretrained tag name "laion2b_s34b_b79k"' });
  assert.equal((f.facts.samples_seen as { value: number }).value, 34e9);
  assert.deepEqual(f.facts.model, { value: 'ViT-B-32', source: 'row 67' });
  const nllb = joinFactors(parseIdentity('nllb-clip-base/v1'), catalog, 'r');
  assert.equal(nllb.facts.training_data, 'unknown');
  const none = joinFactors(parseIdentity('NoSuch-Model/none'), catalog, 'r');
  assert.equal(none.catalog_entry, null);
  assert.equal(none.facts.loss, 'unknown');
});

test('published landscape: the testbed lines and the ERs equal an independent numpy/scipy computation', { skip: NO_SHARED }, async () => {
  const r = await landscape();
  assert.deepEqual(r.lines.map((l) => l.shift), [...ER_SHIFTS], 'ObjectNet and ImageNet-O get no line');
  for (const l of r.lines) {
    const g = golden.lines[l.shift];
    assert.equal(l.baseline_set.size, g.n, `${l.shift} n`);
    assert.equal(l.baseline_set.excluded_at_0_or_100_percent.length, g.excluded);
    close(l.slope.value, g.slope, `${l.shift} slope`);
    close(l.intercept.value, g.intercept, `${l.shift} intercept`);
    close(l.r2, g.r2, `${l.shift} r2`);
    assert.ok(l.slope.low <= l.slope.value && l.slope.value <= l.slope.high);
  }
  assert.deepEqual(r.lines.find((l) => l.shift === 'imagenet-a')?.baseline_set.excluded_at_0_or_100_percent, ['resnet50']);
  for (const [id, ers] of Object.entries(golden.clip_models as Record<string, Record<string, number>>)) {
    const m = r.clip_models.find((c) => c.id === id);
    assert.ok(m, id);
    for (const [shift, v] of Object.entries(ers)) close(m.er[shift as 'imagenetv2']?.effective_robustness as number, v, `${id} ${shift}`);
  }
  for (const [name, ers] of Object.entries(golden.testbed_models as Record<string, Record<string, number>>)) {
    const m = r.testbed_models.find((c) => c.model === name);
    for (const [shift, v] of Object.entries(ers)) close(m?.er[shift as 'imagenetv2']?.effective_robustness as number, v, `${name} ${shift}`);
  }
  const clip = r.populations.find((p) => p.name === 'published CLIP');
  const std = r.populations.find((p) => p.name === 'testbed standard (line fit)');
  for (const shift of ER_SHIFTS) {
    close(clip?.er[shift]?.mean as number, golden.clip_mean_er_per_shift[shift], `CLIP mean ${shift}`);
    close(std?.er[shift]?.mean as number, golden.standard_mean_er_per_shift[shift], `standard mean ${shift}`);
  }
  assert.equal(r.clip_models.filter((m) => m.mean_er !== null).length, golden.n_clip_with_all_shifts);
  const arch = r.factors.find((f) => f.factor === 'architecture');
  for (const [fam, g] of Object.entries(golden.architecture_family_mean_er as Record<string, { n: number; mean: number }>)) {
    const grp = arch?.groups.find((x) => x.value === fam);
    assert.equal(grp?.n, g.n, fam);
    close(grp?.er.mean?.mean as number, g.mean, `architecture ${fam}`);
  }
  const flickr = r.retrieval_vs_robustness.find((x) => x.metric === 'flickr_image_r1');
  assert.equal(flickr?.vs_mean_er.n, golden.flickr_image_r1_vs_mean_er.n);
  close(flickr?.vs_mean_er.pearson as number, golden.flickr_image_r1_vs_mean_er.pearson, 'pearson');
  close(flickr?.vs_mean_er.spearman as number, golden.flickr_image_r1_vs_mean_er.spearman, 'spearman');
});

test('published landscape: controlled pairs differ in exactly one known factor', { skip: NO_SHARED }, async () => {
  const r = await landscape();
  const laion = r.controlled_pairs.find((p) => [p.a, p.b].sort().join(' ') === 'ViT-B-32/laion2b_e16 ViT-B-32/laion400m_e32');
  assert.ok(laion, 'the same architecture on LAION-400M vs LAION-2B');
  assert.equal(laion.factor, 'training_data');
  assert.deepEqual([laion.a_value, laion.b_value].sort(), ['LAION-2B', 'LAION-400M']);
  assert.deepEqual(laion.unverified, ['samples_seen']);
  const filt = r.controlled_pairs.find((p) => [p.a, p.b].sort().join(' ') === 'ViT-B-16/commonpool_l_clip_s1b_b8k ViT-B-16/commonpool_l_image_s1b_b8k');
  assert.equal(filt?.factor, 'training_data');
  assert.deepEqual(filt?.unverified, [], 'samples seen known (1B) for both');
  const mb = r.clip_models.find((m) => m.id === filt?.b);
  const ma = r.clip_models.find((m) => m.id === filt?.a);
  close(filt?.delta_er.mean as number, (mb?.mean_er as number) - (ma?.mean_er as number), 'delta');
  // No pair relies on an unknown fact other than samples seen, and none differs in two factors.
  const byId = new Map(r.clip_models.map((m) => [m.id, m]));
  for (const p of r.controlled_pairs) {
    const a = byId.get(p.a)?.factors.facts;
    const b = byId.get(p.b)?.factors.facts;
    for (const f of ['model', 'training_data', 'loss', 'fine_tuned'] as const) {
      assert.notEqual(a?.[f], 'unknown', `${p.a} ${f}`);
      assert.notEqual(b?.[f], 'unknown', `${p.b} ${f}`);
      if (f !== p.factor) assert.equal((a?.[f] as { value: unknown }).value, (b?.[f] as { value: unknown }).value, `${p.a} vs ${p.b}: ${f}`);
    }
  }
});

test('published landscape: ObjectNet kept apart and labelled; same checkpoints agree across sources', { skip: NO_SHARED }, async () => {
  const r = await landscape();
  assert.deepEqual(r.kept_apart.map((k) => k.benchmark), ['objectnet-113', 'objectnet-testbed', 'imagenet-o']);
  assert.equal(r.kept_apart[0].clip_models, 121);
  assert.equal(r.kept_apart[0].testbed_models, 0, "the testbed has no CLIP_benchmark ObjectNet column");
  assert.ok(r.kept_apart[1].testbed_models > 100, String(r.kept_apart[1].testbed_models));
  assert.equal(r.kept_apart[1].clip_models, 0);
  for (const m of r.clip_models) assert.equal(m.er['objectnet-113'], undefined, 'no ER for the CLIP ObjectNet column');
  const b32 = r.same_checkpoint.find((s) => s.clip === 'ViT-B-32/openai');
  for (const v of b32?.values ?? []) if (v.comparable) assert.ok(Math.abs(v.difference as number) < 0.005, `${v.benchmark} ${v.difference}`);
  assert.equal(r.source_agreement.classification_vs_results.differing, 0);
  assert.ok(r.source_agreement.classification_vs_results.cells > 4000);
});

test('published landscape: seeded, deterministic; a placed model goes through the same code path', { skip: NO_SHARED }, async () => {
  const l = await loadLandscapeInput({ dataDir: SHARED_REFDATA, offline: true });
  const acc = { imagenet1k: 0.6656, imagenetv2: 0.5814, 'imagenet-sketch': 0.5366, 'imagenet-r': 0.7643, 'imagenet-a': 0.2627, 'objectnet-113': 0.4883 };
  const a = analyzeLandscape(l.input, { samples: 30, seed: 3, extremes: 'exclude' }, [{ name: 'mine', accuracy: acc }]);
  const b = analyzeLandscape(l.input, { samples: 30, seed: 3, extremes: 'exclude' }, [{ name: 'mine', accuracy: acc }]);
  assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
  const mine = a.placed[0];
  const published = a.clip_models.find((m) => m.id === 'ViT-B-32/laion2b_s34b_b79k');
  // The same accuracies as the published checkpoint: the same ER and interval.
  assert.deepEqual(mine.er, published?.er);
  assert.equal(mine.er['objectnet-113'], undefined);
  assert.ok((mine.accuracy_percentile['objectnet-113'] as number) > 0 && (mine.accuracy_percentile['objectnet-113'] as number) < 1);
  assert.equal(spearman([1, 2, 2, 3], [1, 3, 3, 4]), 1);
});
