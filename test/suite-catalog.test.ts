/**
 * The model catalogue in suites (issue 13): cards that name their open_clip checkpoint are completed from the
 * catalogue (source `catalog`, the card always wins), and a suite can name a catalogue model with the folder to
 * export it into (a missing folder prints the holoclip-export command; a present one must be that checkpoint).
 * Pure functions through tsx; the end-to-end part runs the built CLI on a copy of an exported model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import { catalogFactors, parseCatalog, readCatalog, type Catalog } from '../src/models/catalog.js';
import type { SuiteResults } from '../src/results/types.js';
import { cardIdentityProblem, exportCommand, parseCatalogRef, resolveCatalogRef, shellQuote } from '../src/suite/catalog-models.js';
import { resolveFactors } from '../src/suite/load-suite.js';
import { suiteJsonSchema } from '../src/suite/schema.js';
import { makeImageFolder, runCli } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { modelsTableRow, sourceNotes } from './helpers/report-rows.js';

const VITB32 = path.join(REPO_ROOT, 'models', 'exported', 'openclip-vit-b-32-shrunk');

test('catalogFactors: the checkpoint entry gives every known factor; an uncatalogued tag only the architecture', async () => {
  const c = await readCatalog();
  const b32 = catalogFactors(c, { model: 'ViT-B-32', pretrained: 'laion2b_s34b_b79k' });
  assert.ok(b32);
  assert.equal(b32.entry.name, 'ViT-B-32/laion2b_s34b_b79k');
  assert.equal(b32.exact, true);
  assert.deepEqual(Object.fromEntries(Object.entries(b32.factors).map(([k, v]) => [k, v.value])), {
    architecture: 'ViT',
    training_data: 'LAION-2B',
    training_size: 2e9,
    loss: 'softmax',
    fine_tuned: false,
  });
  assert.match(b32.factors.training_data!.source, /laion2b/);

  const webli = catalogFactors(c, { model: 'ViT-B-16-SigLIP', pretrained: 'webli' });
  assert.ok(webli);
  assert.equal(webli.factors.loss?.value, 'sigmoid');
  assert.equal(webli.factors.training_size, undefined, 'WebLI size is unknown in the catalogue and stays unknown');

  const random = catalogFactors(c, { model: 'RN50', pretrained: null });
  assert.ok(random);
  assert.equal(random.exact, false);
  assert.deepEqual(Object.keys(random.factors), ['architecture'], 'random weights: no training facts');
  assert.equal(random.factors.architecture?.value, 'ResNet');

  assert.equal(catalogFactors(c, { model: 'no-such-model', pretrained: 'openai' }), null);

  // A damaged value is an error naming the file, not a factor.
  const broken: Catalog = structuredClone(c);
  const e = broken.entries.find((x) => x.name === 'RN50/openai')!;
  e.facts.training_size = { value: 'lots', source: 'x' };
  assert.throws(() => catalogFactors(broken, { model: 'RN50', pretrained: 'openai' }, '/x/catalog.json'), (err: unknown) => err instanceof HoloclipError && /\/x\/catalog\.json: RN50\/openai\.training_size/.test(err.message));
  assert.ok(parseCatalog(JSON.stringify(broken), 'x'), 'the catalogue schema itself accepts any JSON value');
});

test('resolveFactors: suite > card > catalogue > unknown', async () => {
  const c = await readCatalog();
  const fromCatalog = catalogFactors(c, { model: 'ViT-B-16-SigLIP', pretrained: 'webli' });
  const card = { loss: 'softmax', fine_tuned: 'MSCOCO', open_clip: { model: 'ViT-B-16-SigLIP', pretrained: 'webli' } };
  const r = resolveFactors({ architecture: 'vit-b/16' }, card, 'fp16', fromCatalog);
  assert.deepEqual(r.metadata, { architecture: 'vit-b/16', training_data: 'WebLI', training_size: null, loss: 'softmax', fine_tuned: true, dtype: 'fp16' });
  assert.deepEqual(r.source, { dtype: 'default', architecture: 'suite', training_data: 'catalog', training_size: 'unknown', loss: 'card', fine_tuned: 'card' });
  // Without the catalogue, the same card leaves those factors unknown.
  assert.deepEqual(resolveFactors({}, card, 'fp32').source, { dtype: 'default', architecture: 'unknown', training_data: 'unknown', training_size: 'unknown', loss: 'card', fine_tuned: 'card' });
});

test('catalog references: parsing, checking against the catalogue, the export command, the card check', async () => {
  const c = await readCatalog();
  assert.deepEqual(parseCatalogRef('ViT-B-32/laion2b_s34b_b79k'), { model: 'ViT-B-32', pretrained: 'laion2b_s34b_b79k' });
  assert.deepEqual(parseCatalogRef('ViT-B-32/none'), { model: 'ViT-B-32', pretrained: null });
  assert.deepEqual(parseCatalogRef('coca_base'), { model: 'coca_base', pretrained: null });
  assert.deepEqual(resolveCatalogRef(c, 'RN50/openai'), { identity: { model: 'RN50', pretrained: 'openai' } });
  assert.deepEqual(resolveCatalogRef(c, 'RN50/none'), { identity: { model: 'RN50', pretrained: null } });
  const badTag = resolveCatalogRef(c, 'RN50/laion9b');
  assert.ok('error' in badTag);
  assert.match(badTag.error, /RN50 has no pretrained tag "laion9b".*its tags: .*openai.*RN50\/none/);
  const badModel = resolveCatalogRef(c, 'ViT-Q-99/openai');
  assert.ok('error' in badModel);
  assert.match(badModel.error, /no open_clip model "ViT-Q-99"/);

  assert.equal(exportCommand({ model: 'ViT-B-32', pretrained: 'laion2b_s34b_b79k' }, '/m/vitb32'), 'holoclip-export open_clip ViT-B-32 laion2b_s34b_b79k --out /m/vitb32');
  assert.equal(exportCommand({ model: 'RN50', pretrained: null }, "/my models/it's"), "holoclip-export open_clip RN50 none --out '/my models/it'\\''s'");
  assert.equal(shellQuote('a b'), "'a b'");

  const id = { model: 'ViT-B-32', pretrained: 'openai' };
  assert.equal(cardIdentityProblem(id, { open_clip: { model: 'ViT-B-32', pretrained: 'openai' } }, '/d'), null);
  assert.match(cardIdentityProblem(id, { open_clip: { model: 'ViT-B-16', pretrained: 'openai' } }, '/d') ?? '', /suite names ViT-B-32\/openai, but the card \/d\/holoclip\.json is ViT-B-16\/openai/);
  assert.match(cardIdentityProblem(id, { open_clip: { model: 'ViT-B-32', pretrained: null } }, '/d') ?? '', /is ViT-B-32\/none/);
  assert.match(cardIdentityProblem(id, {}, '/d') ?? '', /does not name its open_clip checkpoint/);
  assert.match(cardIdentityProblem(id, null, '/d') ?? '', /no holoclip\.json card/);

  // The suite schema (and suites/suite.schema.json, checked elsewhere to equal it) has the field.
  const schema = suiteJsonSchema() as { properties: { models: { items: { properties: Record<string, { type?: string; pattern?: string }> } } } };
  const field = schema.properties.models.items.properties.catalog;
  assert.equal(field?.type, 'string');
  assert.ok(field.pattern && new RegExp(field.pattern).test('ViT-B-32/laion2b_s34b_b79k') && !new RegExp(field.pattern).test('a/b/c'));
});

test('holoclip run / suite check: cards completed from the catalogue; catalogue models in suites', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-suite-catalog-'));
  try {
    // A card naming a catalogued checkpoint but lacking its training facts (as a hand-written card might).
    const model = path.join(work, 'models', 'vitb32-laion');
    await fs.cp(VITB32, model, { recursive: true });
    const card = JSON.parse(await fs.readFile(path.join(model, 'holoclip.json'), 'utf8')) as Record<string, unknown>;
    card.open_clip = { model: 'ViT-B-32', pretrained: 'laion2b_s34b_b79k' };
    delete card.training_data;
    delete card.training_size;
    card.loss = 'softmax-from-card';
    await fs.writeFile(path.join(model, 'holoclip.json'), JSON.stringify(card, null, 1));
    await makeImageFolder(path.join(work, 'val'), ['cat', 'rocket'], 2, { width: 64, height: 48 });
    const suite = path.join(work, 'suite.yaml');
    await fs.writeFile(
      suite,
      `name: catalog
models:
  - path: models/vitb32-laion
    catalog: ViT-B-32/laion2b_s34b_b79k
  - path: ${JSON.stringify(VITB32)}
    catalog: ViT-B-32/none
    name: shrunk
    fine_tuned: true
datasets:
  val: val
tasks:
  - type: zeroshot
    datasets: [val]
`,
    );
    const out = path.join(work, 'out');
    const res = await runCli(['run', suite, '--store', path.join(work, 'store'), '--out', out, '--quiet']);
    assert.equal(res.code, 0, res.stderr);
    const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8')) as SuiteResults;
    const [laion, shrunk] = results.models;
    assert.deepEqual(laion.metadata, { architecture: card.architecture, training_data: 'LAION-2B', training_size: 2e9, loss: 'softmax-from-card', fine_tuned: false, dtype: 'fp32' });
    assert.deepEqual(laion.metadata_source, { dtype: 'default', architecture: 'card', training_data: 'catalog', training_size: 'catalog', loss: 'card', fine_tuned: 'card' });
    assert.deepEqual(laion.catalog, { entry: 'ViT-B-32/laion2b_s34b_b79k', exact: true });
    // Everything on the shrunk model's card: the catalogue adds nothing, the suite still wins.
    assert.deepEqual(shrunk.metadata_source, { dtype: 'default', architecture: 'card', training_data: 'card', training_size: 'card', loss: 'card', fine_tuned: 'suite' });
    assert.equal(shrunk.metadata.fine_tuned, true);
    assert.equal(shrunk.catalog, null);
    assert.match(String(results.conventions.model_metadata), /card over the model catalogue/);

    const csv = await fs.readFile(path.join(out, 'results.csv'), 'utf8');
    assert.equal(card.architecture, 'ViT');
    assert.match(csv, /^vitb32-laion,clip,ViT,LAION-2B,2000000000,softmax-from-card,false,fp32,zeroshot,/m);

    const html = await fs.readFile(path.join(out, 'report', 'index.html'), 'utf8');
    const row = modelsTableRow(html, 'vitb32-laion');
    const sources = sourceNotes(row);
    assert.deepEqual(sources.slice(0, 6), ['card', 'catalog', 'catalog', 'card', 'card', 'default']);
    assert.ok(row.includes('LAION-2B'));
    assert.match(html, /vitb32-laion: training_data, training_size from the catalogue entry ViT-B-32\/laion2b_s34b_b79k/);
    assert.match(html, /the card over the catalogue/);

    // A missing folder: the exact export command, before anything runs.
    const missing = path.join(work, 'suite-missing.yaml');
    await fs.writeFile(missing, `name: m\nmodels:\n  - path: models/rn50-openai\n    catalog: RN50/openai\ndatasets:\n  val: val\ntasks:\n  - type: zeroshot\n    datasets: [val]\n`);
    for (const cmd of [['suite', 'check', missing], ['run', missing, '--store', path.join(work, 'store'), '--out', path.join(work, 'out-m')]]) {
      const r = await runCli(cmd);
      assert.equal(r.code, 1, `${cmd.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`holoclip-export open_clip RN50 openai --out ${path.join(work, 'models', 'rn50-openai')}\n`), r.stderr);
      assert.match(r.stderr, /models\[0\]\.path: model folder .*rn50-openai does not exist/);
    }

    // A folder holding another checkpoint, an unknown tag, a glob: each an error naming what is wrong.
    const wrong = path.join(work, 'suite-wrong.yaml');
    await fs.writeFile(
      wrong,
      `name: w\nmodels:\n  - path: models/vitb32-laion\n    catalog: ViT-B-32/openai\n  - path: models/vitb32-laion\n    catalog: ViT-B-32/laion9b\n  - path: models/*\n    catalog: ViT-B-32/none\n  - path: models/vitb32-laion\n    catalog: "a/b/c"\ndatasets:\n  val: val\ntasks:\n  - type: zeroshot\n    datasets: [val]\n`,
    );
    const r = await runCli(['suite', 'check', wrong]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /models\[0\]\.catalog: the suite names ViT-B-32\/openai, but the card .*vitb32-laion\/holoclip\.json is ViT-B-32\/laion2b_s34b_b79k/);
    assert.match(r.stderr, /models\[1\]\.catalog: "ViT-B-32\/laion9b": ViT-B-32 has no pretrained tag "laion9b"/);
    assert.match(r.stderr, /models\[2\]\.path: "models\/\*" is a glob/);
    assert.match(r.stderr, /models\[3\]\.catalog: MODEL\/PRETRAINED/);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
