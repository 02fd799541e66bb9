/**
 * Dataset protocols as their references define them (issue 12): ImageNet-D as evaluate_vlm.py, ObjectNet as
 * CLIP_benchmark (objectnet-113), ImageNet-R/-A on the canonical 200 classes, ImageNet-X without its
 * prototypical images. Goldens: tools/goldens/make_protocol_goldens.py (the reference code itself).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import {
  canonicalSubset,
  cleanImagenetDName,
  IMAGENET_D_TEMPLATE,
  imagenetDClasses,
  openImagenetA,
  openImagenetD,
  openImagenetDFolders,
  openImagenetR,
  openObjectnet,
  openObjectnet113,
  type AdapterOptions,
} from '../src/data/adapters/index.js';
import type { Dataset } from '../src/data/types.js';
import { parsePythonIntList, readFactorAnnotations, readImagenetxPredictions } from '../src/formats/index.js';
import { correctnessFromPredictions, factorMetrics, IMAGENET_X_FACTORS, type FactorAnnotation } from '../src/metrics/factors.js';
import { prototypeFilter } from '../src/tasks/factors/prototypes.js';
import { writeTestImage } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-protocols-');
const REFDATA = path.join(path.dirname(REPO_ROOT), 'shared', 'refdata');
const skip = !existsSync(REFDATA) && 'needs ../shared/refdata';
const GOLDEN = path.join(REPO_ROOT, 'test', 'golden', 'protocols');
const golden = (name: string) => JSON.parse(readFileSync(path.join(GOLDEN, name), 'utf8'));
const TOL = 1e-6;

const OPTIONS: AdapterOptions = {
  offline: true,
  resources: {
    imagenetWnids: path.join(REFDATA, 'cue_conflict/imagenet_categories_wnid_names.txt'),
    clipClassnames: path.join(REFDATA, 'clip_benchmark/en_classnames.json'),
    clipTemplates: path.join(REFDATA, 'clip_benchmark/en_zeroshot_classification_templates.json'),
    objectnetToImagenet: path.join(REFDATA, 'imagenet_testbed/objectnet_to_imagenet_1k.json'),
    folderToObjectnet: path.join(REFDATA, 'imagenet_testbed/folder_to_objectnet_label.json'),
    imagenetToLabels: path.join(REFDATA, 'imagenet_testbed/imagenet_to_labels.json'),
    imagenetRClasses: path.join(REFDATA, 'imagenet_testbed/imagenet_r.py'),
    imagenetAClasses: path.join(REFDATA, 'imagenet_testbed/imagenet_a.py'),
    imagenetDClasses: path.join(REFDATA, 'imagenet_d/imgnet_d_dir2imgnet_d_id.txt'),
  },
};

const isHoloclipError = (pattern: RegExp) => (e: unknown) => e instanceof HoloclipError && pattern.test(e.message) && !e.message.includes('\n');
let seed = 5000;
async function images(root: string, rels: string[]): Promise<void> {
  for (const rel of rels) await writeTestImage(path.join(root, ...rel.split('/')), seed++, 4, 4);
}
const labelsById = (ds: Dataset) => Object.fromEntries(Array.from(ds.items, (it) => [it.id, it.label]));

// ------------------------------------------------------------------------------------------------
// ImageNet-D

test('imagenet-d: the 113 names cleaned exactly as evaluate_vlm.py cleans them, and its template', { skip }, async () => {
  const g = golden('imagenet_d.json');
  assert.equal(IMAGENET_D_TEMPLATE, g.template);
  assert.deepEqual(g.raw_names.map(cleanImagenetDName), g.category_list);
  const classes = await imagenetDClasses(OPTIONS);
  assert.deepEqual(classes.rawNames, g.raw_names);
  assert.equal(g.names_changed_by_cleaning, 51);
  assert.equal(cleanImagenetDName('coffee/french press'), 'coffee or french press');
  assert.equal(cleanImagenetDName('T-shirt_(A/B)'), 't shirt (a or b)');
});

test('imagenet-d: fixed 113-class head, label ids from the file, subsets, its template; unknown folder is an error', { skip }, () =>
  withTempDir(async (dir) => {
    const g = golden('imagenet_d.json');
    await images(dir, ['background/plate/a.jpg', 'background/coffee_or_french_press/b.jpg', 'texture/plate/c.jpg', 'material/alarm_clock/d.jpg']);
    const ds = await openImagenetD(dir, OPTIONS);
    assert.deepEqual(ds.classnames, g.category_list);
    assert.equal(ds.classnames.length, 113);
    assert.deepEqual(labelsById(ds), { 'background/coffee_or_french_press/b.jpg': 19, 'background/plate/a.jpg': 62, 'material/alarm_clock/d.jpg': 0, 'texture/plate/c.jpg': 62 });
    assert.equal(ds.classnames[19], 'coffee or french press');
    assert.deepEqual(ds.adapter?.templates, ['A photo of a {c}']);
    assert.deepEqual(ds.adapter?.subsets, [{ name: 'background', prefix: 'background/' }, { name: 'texture', prefix: 'texture/' }, { name: 'material', prefix: 'material/' }]);
    assert.equal(ds.adapter?.type, 'imagenet-d');
    assert.match(String(ds.adapter?.notes?.protocol), /evaluate_vlm\.py/);
    // one subset folder alone: same head, one subset
    const bg = await openImagenetD(path.join(dir, 'background'), OPTIONS);
    assert.equal(bg.classnames.length, 113);
    assert.deepEqual(bg.adapter?.subsets, [{ name: 'background', prefix: '' }]);
    // the old protocol: folders present, raw names, no template
    const old = await openImagenetDFolders(dir, OPTIONS);
    assert.deepEqual(old.classnames, ['alarm_clock', 'coffee_or_french_press', 'plate']);
    assert.equal(old.adapter?.templates, undefined);
    assert.equal(old.adapter?.type, 'imagenet-d-folders');
    await images(dir, ['texture/ant/e.jpg']);
    await assert.rejects(openImagenetD(dir, OPTIONS), isHoloclipError(/category folder "texture\/ant" .*not one of the 113 ImageNet-D classes.*imagenet-d-folders/));
    assert.equal((await openImagenetDFolders(dir, OPTIONS)).classnames.length, 4);
  }));

// ------------------------------------------------------------------------------------------------
// ObjectNet, CLIP_benchmark protocol

test('objectnet-113: classes, labels and templates as CLIP_benchmark builds them; no crop', { skip }, () =>
  withTempDir(async (dir) => {
    const g = golden('objectnet_113.json');
    await images(dir, ['objectnet-1.0/images/alarm_clock/1.png', 'objectnet-1.0/images/banana/2.png', 'objectnet-1.0/images/squeegee/3.png', 'objectnet-1.0/images/wok/4.png']);
    const ds = await openObjectnet113(path.join(dir, 'objectnet-1.0'), OPTIONS);
    assert.deepEqual(ds.classnames, g.classes);
    assert.equal(ds.classnames.length, 113);
    assert.deepEqual(ds.adapter?.templates, g.templates);
    assert.equal(g.templates_key, 'imagenet1k');
    assert.equal(ds.cropBorder, undefined);
    assert.equal(ds.adapter?.subset, undefined);
    assert.deepEqual(labelsById(ds), { 'alarm_clock/1.png': g.label_map.alarm_clock, 'banana/2.png': g.label_map.banana, 'wok/4.png': g.label_map.wok });
    assert.ok([...ds.items].every((it) => it.labels === undefined), 'one label per image');
    assert.equal(ds.adapter?.notes?.skippedImages, 1);
    // the testbed variant reads the same folder differently
    const testbed = await openObjectnet(path.join(dir, 'objectnet-1.0'), OPTIONS);
    assert.equal(testbed.classnames.length, 125);
    assert.equal(testbed.cropBorder, 2);
    await mkdir(path.join(dir, 'objectnet-1.0', 'images', 'not_a_class'));
    await assert.rejects(openObjectnet113(path.join(dir, 'objectnet-1.0'), OPTIONS), isHoloclipError(/objectnet-113: folder "not_a_class"/));
  }));

// ------------------------------------------------------------------------------------------------
// ImageNet-R / -A

test('class_sublist: parsed from the Python file; malformed lists are errors naming the file', async () => {
  assert.deepEqual(parsePythonIntList('import x\n\nclass_sublist = [\n1, 2, # two\n 30,\n]\nother = [5]\n', 'class_sublist', 'f.py'), [1, 2, 30]);
  assert.throws(() => parsePythonIntList('class_sublist = [1, 2, x]\n', 'class_sublist', 'f.py'), isHoloclipError(/f\.py: element 2 of "class_sublist" .* is "x", not an integer literal/));
  assert.throws(() => parsePythonIntList('class_sublist = [1, , 2]\n', 'class_sublist', 'f.py'), isHoloclipError(/f\.py: element 1 .* is empty/));
  assert.throws(() => parsePythonIntList('sublist = [1]\n', 'class_sublist', 'f.py'), isHoloclipError(/f\.py: no "class_sublist = \[\.\.\.\]"/));
  assert.throws(() => parsePythonIntList('class_sublist = [1, 2\n', 'class_sublist', 'f.py'), isHoloclipError(/never closed/));
  assert.throws(() => parsePythonIntList('class_sublist = [1]\nclass_sublist = [2]\n', 'class_sublist', 'f.py'), isHoloclipError(/assigned 2 times/));
  await withTempDir(async (dir) => {
    const bad = path.join(dir, 'imagenet_r.py');
    await writeFile(bad, 'class_sublist = [1, 2, 3]\n');
    await assert.rejects(canonicalSubset('imagenetRClasses', { resources: { imagenetRClasses: bad } }), isHoloclipError(/imagenet_r\.py: class_sublist has 3 indices; .* have 200/));
  });
});

test('imagenet-r / -a: the canonical 200 of imagenet-testbed', { skip }, async () => {
  const r = await canonicalSubset('imagenetRClasses', OPTIONS);
  const a = await canonicalSubset('imagenetAClasses', OPTIONS);
  assert.equal(r.indices.length, 200);
  assert.equal(a.indices.length, 200);
  assert.deepEqual(r.indices.slice(0, 5), [1, 2, 4, 6, 8]);
  assert.deepEqual(r.indices.slice(-2), [983, 988]);
  assert.notDeepEqual(r.indices, a.indices);
});

test('imagenet-r: a 3-folder copy is an error naming how many are missing; -partial keeps the 200-way head; -present the old head', { skip }, () =>
  withTempDir(async (dir) => {
    // goldfish (1), hummingbird (94), flamingo (130): all three among the 200
    await images(dir, ['n02007558/x.jpg', 'n01443537/y.jpg', 'n01833805/w.jpg']);
    await assert.rejects(openImagenetR(dir, OPTIONS), isHoloclipError(/imagenet-r: .* has 3 of the 200 class folders .*\(197 missing, first "n01484850"\).*imagenet-r-partial:PATH.*imagenet-r-present:PATH/));
    const partial = await openImagenetR(dir, OPTIONS, 'partial');
    const r = await canonicalSubset('imagenetRClasses', OPTIONS);
    assert.equal(partial.classnames.length, 200);
    assert.deepEqual(partial.adapter?.subset, { of: 'imagenet-1k', indices: r.indices });
    assert.deepEqual(labelsById(partial), { 'n01443537/y.jpg': r.indices.indexOf(1), 'n01833805/w.jpg': r.indices.indexOf(94), 'n02007558/x.jpg': r.indices.indexOf(130) });
    assert.equal(partial.classnames[r.indices.indexOf(130)], 'flamingo');
    assert.equal(partial.adapter?.type, 'imagenet-r-partial');
    assert.equal(partial.adapter?.notes?.missingClassFolders, 197);
    const present = await openImagenetR(dir, OPTIONS, 'present');
    assert.deepEqual(present.classnames, ['goldfish', 'hummingbird', 'flamingo']);
    assert.equal(present.adapter?.type, 'imagenet-r-present');
    // tench (0) is an ImageNet class but not an ImageNet-R class: an error in every variant
    await images(dir, ['n01440764/t.jpg']);
    for (const v of ['complete', 'partial', 'present'] as const) {
      await assert.rejects(openImagenetR(dir, OPTIONS, v), isHoloclipError(/1 folder\(s\) in .* are not among the 200 classes listed in .*imagenet_r\.py .*"n01440764"/));
    }
  }));

test('imagenet-r / -a: a complete copy reads with the 200-way head, labels in ImageNet index order', { skip }, () =>
  withTempDir(async (dir) => {
    const a = await canonicalSubset('imagenetAClasses', OPTIONS);
    const { imagenetClasses } = await import('../src/data/adapters/index.js');
    const inet = await imagenetClasses(OPTIONS);
    await images(dir, a.indices.map((i) => `${inet.wnids[i]}/0.jpg`));
    const ds = await openImagenetA(dir, OPTIONS);
    assert.equal(ds.items.length, 200);
    assert.deepEqual(Array.from(ds.items, (it) => it.label), [...Array(200).keys()]);
    assert.deepEqual(ds.classnames, a.indices.map((i) => inet.names[i]));
    assert.equal(ds.adapter?.notes?.missingClassFolders, 0);
  }));

// ------------------------------------------------------------------------------------------------
// ImageNet-X

function checkRun(annotations: FactorAnnotation[], predicted: Map<string, number>, exclude: ReadonlySet<string> | undefined, expected: Json, what: string): void {
  const m = factorMetrics(annotations, correctnessFromPredictions(annotations, predicted), { exclude });
  assert.equal(m.n, expected.annotations_kept, `${what}: images kept`);
  assert.ok(Math.abs(m.overall_accuracy - expected.average) <= TOL, `${what}: average ${m.overall_accuracy} vs ${expected.average}`);
  for (const f of IMAGENET_X_FACTORS) {
    const row = m.factors.find((r) => r.factor === f);
    assert.ok(row, `${what}: factor ${f}`);
    for (const [key, ours] of [['accuracy', row.accuracy], ['error_ratio', row.error_ratio]] as const) {
      const ref = expected[key][f] as number | null;
      if (ref === null) assert.ok(Number.isNaN(ours), `${what}: ${f} ${key} NaN`);
      else assert.ok(Math.abs(ours - ref) <= TOL, `${what}: ${f} ${key} ${ours} vs ${ref}`);
    }
  }
  const worst = m.factors.find((r) => r.factor === m.worst_factor);
  assert.ok(Math.abs((worst?.accuracy ?? NaN) - expected.worst_factor_accuracy) <= TOL, `${what}: worst factor accuracy`);
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

test('imagenet-x: prototypical images dropped by default, as load_annotations(filter_prototypes=True); kept on request', { skip }, async () => {
  const g = golden('imagenetx.json');
  const list = path.join(REFDATA, 'imagenetx', 'prototypical_paths.csv');
  const drop = await prototypeFilter('drop', list);
  const keep = await prototypeFilter('keep', list);
  assert.equal(drop.exclude?.size, 3000);
  assert.equal(keep.exclude, undefined);
  assert.match(drop.convention, /3000 images .*filter_prototypes=True/);
  assert.match(keep.convention, /kept .*filter_prototypes=False/);

  // synthetic val annotations, half prototypical: the two protocols differ
  const val = await readFactorAnnotations(path.join(GOLDEN, 'imagenetx_val_synthetic.jsonl'));
  const valPred = await readImagenetxPredictions(path.join(GOLDEN, 'imagenetx_val_synthetic_pred.csv'));
  const [dropRun, keepRun] = g.val_synthetic.runs;
  assert.equal(dropRun.filter_prototypes, true);
  checkRun(val, valPred, drop.exclude, dropRun, 'val, filter_prototypes=True');
  checkRun(val, valPred, keep.exclude, keepRun, 'val, filter_prototypes=False');
  assert.equal(factorMetrics(val, correctnessFromPredictions(val, valPred), { exclude: drop.exclude }).dropped_prototypical, 200);
  assert.notEqual(dropRun.error_ratio.pose, keepRun.error_ratio.pose);

  // the released train annotations: no prototypical image among them, both protocols agree
  const train = await readFactorAnnotations(path.join(REFDATA, 'imagenetx', 'imagenet_x_train_top_factor.jsonl'));
  const trainPred = new Map(train.map((a, i) => [a.file_name, i % 3 === 1 || i % 7 === 0 ? (a.label + 1) % 1000 : a.label] as const));
  checkRun(train, trainPred, drop.exclude, g.train.runs[0], 'train, filter_prototypes=True');
  checkRun(train, trainPred, keep.exclude, g.train.runs[1], 'train, filter_prototypes=False');
  assert.equal(factorMetrics(train, correctnessFromPredictions(train, trainPred), { exclude: drop.exclude }).dropped_prototypical, 0);
});

test('imagenet-x: the default list comes from the reference-data registry', { skip }, async () => {
  const before = process.env.HOLOCLIP_DATA_DIR;
  const offline = process.env.HOLOCLIP_OFFLINE;
  process.env.HOLOCLIP_DATA_DIR = REFDATA;
  process.env.HOLOCLIP_OFFLINE = '1';
  try {
    const f = await prototypeFilter('drop', undefined);
    assert.equal(f.file, path.join(REFDATA, 'imagenetx', 'prototypical_paths.csv'));
    assert.equal(f.exclude?.size, 3000);
  } finally {
    if (before === undefined) delete process.env.HOLOCLIP_DATA_DIR;
    else process.env.HOLOCLIP_DATA_DIR = before;
    if (offline === undefined) delete process.env.HOLOCLIP_OFFLINE;
    else process.env.HOLOCLIP_OFFLINE = offline;
  }
});
