/**
 * The model catalogue (tools/export/holoclip_export/catalog.json): where it is found (src under tsx and dist),
 * validation, a sample of entries against their sources, unknowns staying unknown, the Python card_facts over the
 * same file, and `holoclip model catalog` (built CLI).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import { CATALOG_FACTORS, CATALOG_FILE, factValue, filterCatalog, findCatalogEntry, parseCatalog, readCatalog, type Catalog, type CatalogEntry } from '../src/models/catalog.js';
import { ModelCardSchema } from '../src/models/model-card.js';
import { formatCount } from '../src/cli/commands/model-catalog.js';
import { runCli } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const COMMITTED = path.join(REPO_ROOT, 'tools', 'export', 'holoclip_export', 'catalog.json');

function entry(c: Catalog, model: string, pretrained: string | null): CatalogEntry {
  const e = findCatalogEntry(c, 'open_clip', model, pretrained);
  assert.ok(e, `${model}/${pretrained} is in the catalogue`);
  return e;
}

function source(e: CatalogEntry, key: string): string {
  const f = e.facts[key];
  assert.ok(f && f !== 'unknown', `${e.name} knows ${key}`);
  return f.source;
}

test('the catalogue is found relative to the package root from src (tsx) and from dist', async () => {
  assert.equal(CATALOG_FILE, COMMITTED);
  const dist = path.join(REPO_ROOT, 'dist', 'models', 'catalog.js');
  assert.ok(existsSync(dist), 'dist is built (npm test builds it in pretest)');
  const fromDist = execFileSync(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(new URL(`file://${dist}`).href)}).then((m) => process.stdout.write(m.CATALOG_FILE))`], { encoding: 'utf8' });
  assert.equal(fromDist, COMMITTED);
  const pkg = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] };
  assert.ok(pkg.files.includes('tools/export/holoclip_export/catalog.json'), 'package.json "files" ships the catalogue');
});

test('the committed catalogue validates: unique names, every factor present, every known fact has a source', async () => {
  const c = await readCatalog();
  assert.equal(c.open_clip_version, '3.3.0');
  assert.ok(c.entries.length >= 196 + 13, `${c.entries.length} entries`); // 196 pairs listed by open_clip 3.3.0, plus the tables'
  for (const e of c.entries) {
    for (const f of CATALOG_FACTORS) assert.ok(f in e.facts, `${e.name}.${f}`);
    for (const [k, f] of Object.entries(e.facts)) if (f !== 'unknown') assert.ok(f.source.length > 5, `${e.name}.${k} has a source`);
    const loss = factValue(e, 'loss');
    assert.ok(loss === null || ['softmax', 'sigmoid', 'softmax+captioning'].includes(loss as string), `${e.name} loss ${String(loss)}`);
  }
});

test('sample entries match their sources (model_profile.csv, the tag, the model name, the model config)', async () => {
  const c = await readCatalog();
  const b32 = entry(c, 'ViT-B-32', 'laion2b_s34b_b79k');
  assert.equal(factValue(b32, 'training_data'), 'LAION-2B');
  assert.equal(factValue(b32, 'samples_seen'), 34e9);
  assert.equal(factValue(b32, 'architecture_family'), 'ViT');
  assert.equal(factValue(b32, 'params'), 151.28e6); // model_profile.csv: ViT-B-32,224,768,512,512,151.28,...
  assert.match(source(b32, 'params'), /model_profile\.csv/);
  assert.match(source(b32, 'samples_seen'), /s34b/);
  assert.equal(factValue(b32, 'image_size'), 224);
  assert.equal(factValue(b32, 'loss'), 'softmax');
  assert.equal(factValue(b32, 'fine_tuned'), false);
  assert.equal(factValue(b32, 'hf_hub_id'), 'laion/CLIP-ViT-B-32-laion2B-s34B-b79K');

  const siglip = entry(c, 'ViT-B-16-SigLIP', 'webli');
  assert.equal(factValue(siglip, 'loss'), 'sigmoid');
  assert.match(source(siglip, 'loss'), /model name/);
  assert.equal(factValue(siglip, 'training_data'), 'WebLI');
  assert.equal(siglip.facts.training_size, 'unknown', 'WebLI size: neither the tag nor a table states it');

  const rn50 = entry(c, 'RN50', 'openai');
  assert.equal(factValue(rn50, 'training_data'), 'WIT-400M');
  assert.equal(factValue(rn50, 'training_size'), 400e6);
  assert.equal(factValue(rn50, 'architecture_family'), 'ResNet');
  assert.equal(factValue(rn50, 'quick_gelu'), true);

  const coca = entry(c, 'coca_ViT-B-32', 'mscoco_finetuned_laion2b_s13b_b90k');
  assert.equal(factValue(coca, 'loss'), 'softmax+captioning');
  assert.equal(factValue(coca, 'fine_tuned'), 'MSCOCO');
  assert.equal(factValue(entry(c, 'convnext_base_w', 'laion2b_s13b_b82k'), 'architecture_family'), 'ConvNeXt');
  assert.equal(factValue(entry(c, 'EVA02-B-16', 'merged2b_s8b_b131k'), 'architecture_family'), 'EVA');
  assert.equal(factValue(entry(c, 'convnext_large_d_320', 'laion2b_s29b_b131k_ft'), 'fine_tuned'), true);
  assert.equal(factValue(entry(c, 'ViT-L-14', 'commonpool_xl_clip_s13b_b90k'), 'training_data'), 'CommonPool-XL (clip-filtered)');
  assert.equal(entry(c, 'ViT-L-14', 'commonpool_xl_clip_s13b_b90k').facts.training_size, 'unknown', 'a filtered pool has no stated size');
  // A pair only in the published tables (not listed by open_clip 3.3.0) is still an entry, and a profile-only model too.
  assert.ok(entry(c, 'ViT-B-16', 'laion400m_e32').listed_by.some((s) => s.includes('benchmark.csv')));
  assert.deepEqual(entry(c, 'ViT-S-32', null).listed_by, ['model_profile.csv']);
});

test('every "_s<N>b"/"_s<N>m" tag has exactly that many samples seen', async () => {
  const c = await readCatalog();
  let checked = 0;
  for (const e of c.entries) {
    const m = e.pretrained?.match(/(?:^|_)s(\d+)([mb])(?:_|$)/);
    if (!m || factValue(e, 'training_data') === null) continue;
    assert.equal(factValue(e, 'samples_seen'), Number(m[1]) * (m[2] === 'b' ? 1e9 : 1e6), e.name);
    checked++;
  }
  assert.ok(checked >= 50, `${checked} tags with samples seen`);
});

test('unknowns stay unknown: tags and models the sources are silent about', async () => {
  const c = await readCatalog();
  for (const [model, tag] of [['PE-Core-B-16', 'meta'], ['nllb-clip-base', 'v1'], ['nllb-clip-base-siglip', 'mrl']] as const) {
    const e = entry(c, model, tag);
    for (const f of ['training_data', 'training_size', 'samples_seen', 'fine_tuned']) assert.equal(e.facts[f], 'unknown', `${e.name}.${f}`);
  }
  assert.equal(entry(c, 'MobileCLIP-B', 'datacompdr').facts.loss, 'unknown', 'MobileCLIP: distillation, the name does not state the loss');
  assert.equal(entry(c, 'ViT-B-32', 'laion2b_e16').facts.samples_seen, 'unknown', 'epochs, not samples, in the tag');
  const tagless = entry(c, 'ViT-S-32', null);
  for (const f of ['training_data', 'training_size', 'samples_seen', 'loss', 'fine_tuned']) assert.equal(tagless.facts[f], 'unknown', f);
  assert.equal(factValue(tagless, 'params'), 63.09e6);
});

test('a damaged catalogue is an error naming the file and the fix', async () => {
  const good = await fs.readFile(COMMITTED, 'utf8');
  const err = (text: string) => assert.throws(() => parseCatalog(text, '/x/catalog.json'), (e: unknown) => e instanceof HoloclipError && e.message.includes('/x/catalog.json') && e.message.includes('build_catalog.py'));
  err('{ not json');
  const c = JSON.parse(good) as { entries: Array<{ name: string; facts: Record<string, unknown> }> };
  err(JSON.stringify({ ...c, format: 'holoclip-catalog/2' }));
  const missing = structuredClone(c);
  delete missing.entries[3].facts.loss;
  assert.throws(() => parseCatalog(JSON.stringify(missing), 'f.json'), /entries\.3 .* lacks loss/);
  const dup = structuredClone(c);
  dup.entries[1].name = dup.entries[0].name;
  assert.throws(() => parseCatalog(JSON.stringify(dup), 'f.json'), /duplicate name/);
  const badFact = structuredClone(c);
  badFact.entries[0].facts.loss = { value: 'softmax' };
  assert.throws(() => parseCatalog(JSON.stringify(badFact), 'f.json'), /entries\.0\.facts\.loss/);
  await assert.rejects(readCatalog('/nonexistent/catalog.json'), /nonexistent\/catalog\.json is not readable/);
});

test('filterCatalog matches names and factor values, case-insensitively; formatCount', async () => {
  const c = await readCatalog();
  const siglip = filterCatalog(c.entries, 'SIGMOID');
  assert.ok(siglip.length > 10 && siglip.every((e) => factValue(e, 'loss') === 'sigmoid'));
  assert.deepEqual(filterCatalog(c.entries, 'rn50/openai').map((e) => e.name), ['RN50/openai']);
  assert.equal(filterCatalog(c.entries, undefined).length, c.entries.length);
  assert.deepEqual([formatCount(151.28e6), formatCount(34e9), formatCount(400e6), formatCount(12.8e6)], ['151.3M', '34B', '400M', '12.8M']);
});

test('Python card_facts reads the same catalogue into the holoclip.json card format', () => {
  const out = execFileSync('/usr/bin/python3', ['-c', [
    'import json, sys',
    'from holoclip_export.catalog import card_facts',
    "print(json.dumps([card_facts('open_clip', 'ViT-B-32', 'laion2b_s34b_b79k'), card_facts('open_clip', 'ViT-B-32', None), card_facts('hf', 'openai/clip-vit-base-patch32', None)]))",
  ].join('\n')], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: path.join(REPO_ROOT, 'tools', 'export') } });
  const [known, random, hf] = JSON.parse(out) as Array<Record<string, unknown> & { provenance: Record<string, string> }>;
  assert.equal(known.architecture, 'ViT');
  assert.equal(known.training_data, 'LAION-2B');
  assert.equal(known.training_size, 2e9);
  assert.equal(known.samples_seen, 34e9);
  assert.equal(known.params, 151.28e6);
  assert.equal(known.loss, 'softmax');
  assert.equal(known.fine_tuned, false);
  assert.deepEqual(known.open_clip, { model: 'ViT-B-32', pretrained: 'laion2b_s34b_b79k' });
  assert.match(known.provenance.params, /^catalog: model_profile\.csv/);
  // Random weights: the architecture holds, the training facts are unknown and left out of the card.
  assert.equal(random.architecture, 'ViT');
  for (const f of ['training_data', 'training_size', 'samples_seen', 'loss', 'fine_tuned']) {
    assert.equal(random[f], undefined, f);
    assert.equal(random.provenance[f], 'unknown', f);
  }
  // The cards it makes are cards holoclip reads (model-card.ts), provenance and identity included.
  for (const card of [known, random, hf]) assert.ok(ModelCardSchema.safeParse(card).success, JSON.stringify(card));
  assert.equal(ModelCardSchema.safeParse({ ...known, open_clip: { model: 'ViT-B-32' } }).success, false, 'open_clip needs model and pretrained');
  assert.equal(ModelCardSchema.safeParse({ ...known, provenance: { loss: 3 } }).success, false);
  assert.equal(hf.architecture, undefined);
  assert.equal(hf.provenance.architecture, 'unknown');
});

test('holoclip model catalog: table, --filter, --json with provenance (built CLI)', async () => {
  const table = await runCli(['model', 'catalog', '--filter', 'ViT-B-32/laion2b_s34b']);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[0], /^name\s+family\s+params\s+image\s+training data\s+data size\s+samples seen\s+loss\s+fine-tuned$/);
  assert.match(lines[1], /^ViT-B-32\/laion2b_s34b_b79k\s+ViT\s+151\.3M\s+224\s+LAION-2B\s+2B\s+34B\s+softmax\s+no$/);
  assert.match(lines.at(-1) ?? '', /^1 of \d+ catalogue entries matching "ViT-B-32\/laion2b_s34b"/);

  const json = await runCli(['model', 'catalog', '--filter', 'pe-core-b-16', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { entries: CatalogEntry[] };
  assert.deepEqual(parsed.entries.map((e) => e.name), ['PE-Core-B-16/meta']);
  assert.equal(parsed.entries[0].facts.training_data, 'unknown');
  assert.match((parsed.entries[0].facts.image_size as { source: string }).source, /PE-Core-B-16\.json/);

  const none = await runCli(['model', 'catalog', '--filter', 'no-such-model']);
  assert.equal(none.code, 0);
  assert.match(none.stdout, /^0 of \d+ catalogue entries matching "no-such-model"/);
});
