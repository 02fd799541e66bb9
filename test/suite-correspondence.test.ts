/**
 * The correspondence task in a suite (issue 16): two zoo models with a dense output (ViT and convnet towers) and one
 * without (skipped with the reason); the pair images get no whole-image embedding units; the unit results are the
 * numbers `holoclip eval correspondence` computes; a warm rerun infers nothing; an edited keypoint annotation changes
 * the unit key (the unit is recomputed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { buildEmojiCorrespondence } from '../src/benchmarks/correspondence/build.js';
import { loadSuite } from '../src/suite/load-suite.js';
import { planSuite } from '../src/suite/plan.js';
import { runSuite } from '../src/suite/run-suite.js';
import type { SuiteResults } from '../src/results/types.js';
import { silentProgress } from '../src/util/progress.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { withTempDir } from './helpers/temp-dir.js';

const ZOO = path.join(REPO_ROOT, 'models', 'zoo');
const skip = !existsSync(path.join(ZOO, 'base', 'holoclip.json')) && 'the mini zoo is not built';

interface UnitIndexEntry {
  unit: string;
  dir: string;
}

test('suite: correspondence runs on the dense models, skips the others, embeds no pair image, and reruns warm', { skip }, async () => {
  await withTempDir(async (work) => {
    const data = path.join(work, 'pairs');
    await buildEmojiCorrespondence({ out: data, emoji: 2 });
    const suiteFile = path.join(work, 'suite.yaml');
    await fs.writeFile(
      suiteFile,
      `name: corr
description: correspondence on a small emoji-correspondence build
reference: base
models:
  - path: ${JSON.stringify(path.join(ZOO, 'base'))}
  - path: ${JSON.stringify(path.join(ZOO, 'arch-convnet'))}
  - path: ${JSON.stringify(path.join(ZOO, 'loss-sigmoid'))}
datasets:
  pairs: ${JSON.stringify(`spair-71k:${data}`)}
tasks:
  - type: correspondence
    dataset: pairs
    thresholds: [0.1, 0.2]
`,
    );
    const opts = { store: path.join(work, 'store'), out: path.join(work, 'out') };
    const suite = await loadSuite(suiteFile, opts);
    assert.deepEqual(suite.models.map((m) => [m.name, m.denseOutput]), [['base', true], ['arch-convnet', true], ['loss-sigmoid', false]]);
    const plan = planSuite(suite);
    assert.deepEqual(plan.embedding, [], 'no whole-image embeddings of the pair images');
    assert.deepEqual(plan.metric.map((u) => u.id), ['base|correspondence', 'arch-convnet|correspondence']);
    assert.equal(plan.skipped.length, 1);
    assert.equal(plan.skipped[0].model, 'loss-sigmoid');
    assert.match(plan.skipped[0].reason, /no dense output/);

    const run = { threads: 1, progress: silentProgress, warn: (m: string) => assert.fail(`unexpected warning: ${m}`) };
    const first = await runSuite(suite, run);
    assert.deepEqual(first.metricUnits, { total: 2, computed: 2, cached: 0 });
    assert.equal(first.imagesInferred, 0);
    assert.equal(first.skipped, 1);
    const text = await fs.readFile(path.join(work, 'out', 'results.json'), 'utf8');
    const json = JSON.parse(text) as SuiteResults;
    assert.deepEqual(json.skipped.map((s) => s.model), ['loss-sigmoid']);
    const rows = json.rows.filter((r) => r.type === 'correspondence');
    assert.deepEqual([...new Set(rows.map((r) => r.model))], ['base', 'arch-convnet']);
    assert.deepEqual([...new Set(rows.map((r) => r.metric))], ['pck@0.1', 'pck@0.2']);
    for (const v of ['all', 'level-0', 'level-2', 'homography', 'tps-level-1']) assert.ok(rows.some((r) => r.variant === v), v);

    // The rows are the units' numbers, and each unit computed its 2 x 16 images' dense features once.
    const index = JSON.parse(await fs.readFile(path.join(work, 'out', 'units.json'), 'utf8')) as UnitIndexEntry[];
    for (const model of ['base', 'arch-convnet']) {
      const entry = index.find((u) => u.unit === `${model}|correspondence`);
      assert.ok(entry, model);
      const unit = JSON.parse(await fs.readFile(path.join(entry.dir, 'result.json'), 'utf8')) as { metrics: { pck: Record<string, number>; pairs: number }; cache: { images_inferred: number } };
      assert.equal(unit.metrics.pairs, 2 * 5 * 3);
      assert.equal(unit.cache.images_inferred, 2 * 16);
      assert.equal(rows.find((r) => r.model === model && r.variant === 'all' && r.metric === 'pck@0.2')?.value, unit.metrics.pck['0.2']);
    }
    assert.notDeepEqual(
      rows.filter((r) => r.model === 'base').map((r) => r.value),
      rows.filter((r) => r.model === 'arch-convnet').map((r) => r.value),
      'the two towers give different figures',
    );

    // Warm rerun: no unit recomputed, no image inferred, same results.json.
    const again = await runSuite(await loadSuite(suiteFile, opts), run);
    assert.deepEqual(again.metricUnits, { total: 2, computed: 0, cached: 2 });
    assert.equal(again.imagesInferred, 0);
    assert.equal(await fs.readFile(path.join(work, 'out', 'results.json'), 'utf8'), text);

    // The keypoint annotations are part of the unit key: moving one keypoint recomputes the units (features cached).
    const annDir = path.join(data, 'ImageAnnotation');
    const category = (await fs.readdir(annDir)).sort()[0];
    const annFile = path.join(annDir, category, (await fs.readdir(path.join(annDir, category))).sort()[1]);
    const ann = JSON.parse(await fs.readFile(annFile, 'utf8')) as { kps: Record<string, [number, number] | null> };
    const k = Object.keys(ann.kps).find((i) => ann.kps[i] !== null) as string;
    const [x, y] = ann.kps[k] as [number, number];
    ann.kps[k] = [x + 1, y];
    await fs.writeFile(annFile, JSON.stringify(ann));
    const edited = await runSuite(await loadSuite(suiteFile, opts), run);
    assert.deepEqual(edited.metricUnits, { total: 2, computed: 2, cached: 0 });
    const index2 = JSON.parse(await fs.readFile(path.join(work, 'out', 'units.json'), 'utf8')) as UnitIndexEntry[];
    const unit2 = JSON.parse(await fs.readFile(path.join(index2.find((u) => u.unit === 'base|correspondence')!.dir, 'result.json'), 'utf8')) as { cache: { images_inferred: number } };
    assert.equal(unit2.cache.images_inferred, 0, 'the dense features are cached by image content');
  });
});
