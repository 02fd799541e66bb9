/**
 * `holoclip run` on a suite of the exported open_clip models (models/exported/, written by holoclip-export with
 * holoclip.json cards): results.json, results.csv and the report carry each model's factors from its card, with
 * source `card` (issue 13). Built CLI; the dataset is made by the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FactorName, SuiteResults } from '../src/results/types.js';
import { makeImageFolder, runCli } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { modelsTableRow, sourceNotes } from './helpers/report-rows.js';

const EXPORTED = path.join(REPO_ROOT, 'models', 'exported');
const CARD_FACTORS = ['architecture', 'training_data', 'training_size', 'loss', 'fine_tuned'] as const;

test('suite of exported models: factors from their cards, source "card", in results.json, results.csv and the report', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-suite-exported-'));
  try {
    await makeImageFolder(path.join(work, 'val'), ['cat', 'rocket'], 2, { width: 70, height: 50 });
    const suite = path.join(work, 'suite.yaml');
    await fs.writeFile(
      suite,
      `name: exported
models:
  - path: ${JSON.stringify(path.join(EXPORTED, 'openclip-vit-b-32-shrunk'))}
  - path: ${JSON.stringify(path.join(EXPORTED, 'openclip-rn50-shrunk'))}
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
    const csv = await fs.readFile(path.join(out, 'results.csv'), 'utf8');
    const html = await fs.readFile(path.join(out, 'report', 'index.html'), 'utf8');
    assert.deepEqual(results.models.map((m) => m.name), ['openclip-vit-b-32-shrunk', 'openclip-rn50-shrunk']);
    for (const m of results.models) {
      const card = JSON.parse(await fs.readFile(path.join(EXPORTED, m.name, 'holoclip.json'), 'utf8')) as Record<string, unknown>;
      for (const f of CARD_FACTORS) {
        assert.notEqual(card[f], undefined, `${m.name}'s card has ${f}`);
        assert.equal(m.metadata[f], card[f], `${m.name}.${f}`);
        assert.equal(m.metadata_source[f], 'card', `${m.name}.${f} comes from the card`);
      }
      assert.equal(m.metadata_source.dtype, 'default');
      assert.equal(m.logit_scale_source, 'model-card');
      assert.equal(m.logit_scale, card.logit_scale);

      // results.csv: every row of the model carries the card's factor values.
      const rows = csv.split('\n').filter((l) => l.startsWith(`${m.name},`));
      assert.ok(rows.length > 0, `results.csv has rows for ${m.name}`);
      const quoted = (v: unknown): string => (/[",]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
      const prefix = [m.name, 'clip', ...CARD_FACTORS.map((f) => quoted(card[f])), 'fp32'].join(',');
      for (const r of rows) assert.ok(r.startsWith(`${prefix},`), `csv row ${r} starts with ${prefix}`);

      // The report's models table: each factor's value with its source.
      const row = modelsTableRow(html, m.name);
      for (const f of CARD_FACTORS) {
        const shown = typeof card[f] === 'number' ? `data-value="${String(card[f])}"` : String(card[f]).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
        assert.ok(row.includes(shown), `the report shows ${m.name}'s ${f} (${shown})`);
      }
      const sources = sourceNotes(row);
      const factorSources: Record<FactorName, string> = { architecture: 'card', training_data: 'card', training_size: 'card', loss: 'card', fine_tuned: 'card', dtype: 'default' };
      assert.deepEqual(sources.slice(0, 6), ['architecture', 'training_data', 'training_size', 'loss', 'fine_tuned', 'dtype'].map((f) => factorSources[f as FactorName]));
    }
    // The zero-shot rows exist for both models (the suite really ran them).
    for (const m of results.models) assert.ok(results.rows.some((r) => r.model === m.name && r.metric === 'top1' && typeof r.value === 'number'), `${m.name} top1`);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
