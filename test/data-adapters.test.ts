import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import {
  CAPTION_DATASET_TYPES,
  DATASET_TYPES,
  imagenetClasses,
  openImagenetA,
  openImagenetDFolders,
  openImagenetR,
  openImagenetSketch,
  openImagenetV2,
  openImagenetVal,
  openKarpathy,
  openObjectnet,
  openOodImages,
  type AdapterOptions,
} from '../src/data/adapters/index.js';
import type { Dataset } from '../src/data/types.js';
import { writeTestImage } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-adapters-');

// Real metadata files, given explicitly (no registry lookups in tests).
const REFDATA = path.join(path.dirname(REPO_ROOT), 'shared', 'refdata');
const OPTIONS: AdapterOptions = {
  offline: true,
  resources: {
    imagenetWnids: path.join(REFDATA, 'cue_conflict/imagenet_categories_wnid_names.txt'),
    clipClassnames: path.join(REFDATA, 'clip_benchmark/en_classnames.json'),
    objectnetToImagenet: path.join(REFDATA, 'imagenet_testbed/objectnet_to_imagenet_1k.json'),
    folderToObjectnet: path.join(REFDATA, 'imagenet_testbed/folder_to_objectnet_label.json'),
    imagenetToLabels: path.join(REFDATA, 'imagenet_testbed/imagenet_to_labels.json'),
    imagenetRClasses: path.join(REFDATA, 'imagenet_testbed/imagenet_r.py'),
    imagenetAClasses: path.join(REFDATA, 'imagenet_testbed/imagenet_a.py'),
    imagenetDClasses: path.join(REFDATA, 'imagenet_d/imgnet_d_dir2imgnet_d_id.txt'),
  },
};

const isHoloclipError = (pattern: RegExp) => (e: unknown) => e instanceof HoloclipError && pattern.test(e.message) && !e.message.includes('\n');

let seed = 1;
/** Tiny real PNGs at the given relative paths. */
async function images(root: string, rels: string[]): Promise<void> {
  for (const rel of rels) await writeTestImage(path.join(root, ...rel.split('/')), seed++, 4, 4);
}
/** Junk every adapter must skip inside `folder`: a hidden file (macOS `._`) and a non-image file. */
async function junk(root: string, folder: string): Promise<void> {
  const dir = path.join(root, ...folder.split('/').filter((s) => s !== ''));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, '._x.png'), '');
  await writeFile(path.join(dir, 'notes.txt'), 'x');
}
const labelsById = (ds: Dataset) => Object.fromEntries(Array.from(ds.items, (it) => [it.id, it.label]));

test('resources: 1000 wnids in index order with CLIP_benchmark names', async () => {
  const inet = await imagenetClasses(OPTIONS);
  assert.equal(inet.wnids.length, 1000);
  assert.equal(inet.names.length, 1000);
  assert.equal(inet.wnids[0], 'n01440764');
  assert.equal(inet.names[0], 'tench');
  assert.equal(inet.indexOf.get('n02123045'), 281);
  assert.equal(inet.names[281], 'tabby cat');
});

test('imagenet-v2: label = folder number (folder "10" is class 10 though it sorts before "2")', () =>
  withTempDir(async (dir) => {
    await images(dir, ['0/a.jpeg', '2/b.jpeg', '10/c.jpeg', '10/d.jpeg', '999/e.jpeg']);
    await junk(dir, '10');
    await writeFile(path.join(dir, '.DS_Store'), '');
    const ds = await openImagenetV2(dir, OPTIONS);
    assert.equal(ds.classnames.length, 1000);
    assert.equal(ds.classnames[10], 'brambling');
    assert.deepEqual(labelsById(ds), { '0/a.jpeg': 0, '2/b.jpeg': 2, '10/c.jpeg': 10, '10/d.jpeg': 10, '999/e.jpeg': 999 });
    assert.deepEqual(Array.from(ds.items, (it) => it.id), ['0/a.jpeg', '2/b.jpeg', '10/c.jpeg', '10/d.jpeg', '999/e.jpeg']);
    assert.deepEqual(Array.from(ds.items, (it) => it.index), [0, 1, 2, 3, 4]);
    assert.equal(ds.skipped.hidden, 2);
    assert.equal(ds.skipped.nonImage, 1);
    assert.equal(ds.adapter?.type, 'imagenet-v2');
    await mkdir(path.join(dir, 'imagenetv2-matched-frequency-format-val'));
    await assert.rejects(openImagenetV2(dir, OPTIONS), isHoloclipError(/folder "imagenetv2-matched-frequency-format-val".*not a class number 0\.\.999.*give .*imagenetv2-matched-frequency-format-val itself/));
  }));

test('imagenet-v2: folders "1000" and "007" are errors naming them', () =>
  withTempDir(async (dir) => {
    await images(dir, ['1000/a.jpeg']);
    await assert.rejects(openImagenetV2(dir, OPTIONS), isHoloclipError(/folder "1000"/));
    const padded = path.join(dir, 'padded');
    await images(padded, ['007/a.jpeg']);
    await assert.rejects(openImagenetV2(padded, OPTIONS), isHoloclipError(/folder "007" .*not a class number/));
    await assert.rejects(openImagenetV2(path.join(dir, 'missing'), OPTIONS), isHoloclipError(/imagenet-v2 data folder .*missing does not exist; expected/));
  }));

test('imagenet-sketch: wnid folders -> ImageNet-1k indices, 1000-way head', () =>
  withTempDir(async (dir) => {
    await images(dir, ['n01440764/a.JPEG', 'n02123045/b.JPEG', 'n02123045/sub/c.JPEG']);
    await junk(dir, 'n01440764');
    await writeFile(path.join(dir, 'LICENSE'), '');
    const ds = await openImagenetSketch(dir, OPTIONS);
    assert.equal(ds.classnames.length, 1000);
    assert.deepEqual(labelsById(ds), { 'n01440764/a.JPEG': 0, 'n02123045/b.JPEG': 281, 'n02123045/sub/c.JPEG': 281 });
    assert.deepEqual({ hidden: ds.skipped.hidden, nonImage: ds.skipped.nonImage }, { hidden: 1, nonImage: 2 });
    assert.equal(ds.adapter?.subset, undefined);
    await mkdir(path.join(dir, 'sketch'));
    await assert.rejects(openImagenetSketch(dir, OPTIONS), isHoloclipError(/folder "sketch" .* not an ImageNet-1k wnid.*move or remove it/));
  }));

test('imagenet-r-present: 3 wnid folders -> 3-way head in ImageNet order with the 1000-indices (the former protocol, by name)', () =>
  withTempDir(async (dir) => {
    // flamingo (130), goldfish (1), hummingbird (94): folder order = index order
    await images(dir, ['n02007558/x.jpg', 'n01443537/y.jpg', 'n01443537/z.jpg', 'n01833805/w.jpg']);
    await junk(dir, 'n01833805');
    const ds = await openImagenetR(dir, OPTIONS, 'present');
    assert.deepEqual(ds.classnames, ['goldfish', 'hummingbird', 'flamingo']);
    assert.deepEqual(ds.adapter?.subset, { of: 'imagenet-1k', indices: [1, 94, 130] });
    assert.deepEqual(labelsById(ds), { 'n01443537/y.jpg': 0, 'n01443537/z.jpg': 0, 'n01833805/w.jpg': 1, 'n02007558/x.jpg': 2 });
    assert.deepEqual({ hidden: ds.skipped.hidden, nonImage: ds.skipped.nonImage }, { hidden: 1, nonImage: 1 });
    assert.equal(ds.adapter?.type, 'imagenet-r-present');
    await mkdir(path.join(dir, 'n99999999'));
    await assert.rejects(openImagenetR(dir, OPTIONS, 'present'), isHoloclipError(/imagenet-r-present: folder "n99999999"/));
  }));

test('imagenet-a-present: sub-head of the wnids present', () =>
  withTempDir(async (dir) => {
    await images(dir, ['n04086273/a.jpg', 'n02007558/b.jpg']);
    const ds = await openImagenetA(dir, OPTIONS, 'present');
    assert.deepEqual(ds.classnames, ['flamingo', 'revolver']);
    assert.deepEqual(ds.adapter?.subset?.indices, [130, 763]);
    assert.deepEqual(labelsById(ds), { 'n02007558/b.jpg': 0, 'n04086273/a.jpg': 1 });
  }));

test('imagenet-val: wnid folders or flat folder + LOC_val_solution.csv next to it', () =>
  withTempDir(async (dir) => {
    const folders = path.join(dir, 'folders');
    await images(folders, ['n01440764/ILSVRC2012_val_00000293.JPEG', 'n02123045/ILSVRC2012_val_00000001.JPEG']);
    const byFolder = await openImagenetVal(folders, OPTIONS);
    assert.deepEqual(labelsById(byFolder), { 'n01440764/ILSVRC2012_val_00000293.JPEG': 0, 'n02123045/ILSVRC2012_val_00000001.JPEG': 281 });

    const flat = path.join(dir, 'val');
    await images(flat, ['ILSVRC2012_val_00000002.JPEG', 'ILSVRC2012_val_00000001.JPEG']);
    await junk(flat, '');
    await writeFile(
      path.join(dir, 'LOC_val_solution.csv'),
      'ImageId,PredictionString\r\nILSVRC2012_val_00000001,n02123045 1 2 3 4 n02123045 5 6 7 8\r\nILSVRC2012_val_00000002,n01443537 0 0 9 9\r\nILSVRC2012_val_00000003,n01440764 0 0 9 9\r\n',
    );
    const ds = await openImagenetVal(flat, OPTIONS);
    assert.equal(ds.classnames.length, 1000);
    assert.deepEqual(Array.from(ds.items, (it) => [it.id, it.label]), [['ILSVRC2012_val_00000001.JPEG', 281], ['ILSVRC2012_val_00000002.JPEG', 1]]);
    assert.deepEqual({ hidden: ds.skipped.hidden, nonImage: ds.skipped.nonImage }, { hidden: 1, nonImage: 1 });
    assert.equal(ds.adapter?.notes?.solutionCsv, path.join(dir, 'LOC_val_solution.csv'));
    assert.equal(ds.adapter?.notes?.csvRowsWithoutImage, 1);

    // explicit csv option; an image without a row is an error naming it
    const other = path.join(dir, 'other.csv');
    await writeFile(other, 'ImageId,PredictionString\nILSVRC2012_val_00000001,n02123045 1 2 3 4\n');
    await assert.rejects(openImagenetVal(flat, { ...OPTIONS, solutionCsv: other }), isHoloclipError(/image ILSVRC2012_val_00000002\.JPEG .*has no row/));
    await writeFile(other, 'ImageId,PredictionString\nILSVRC2012_val_00000001,n12345678 1 2 3 4\n');
    await assert.rejects(openImagenetVal(flat, { ...OPTIONS, solutionCsv: other }), isHoloclipError(/other\.csv:2: "n12345678" is not one of the 1000/));
  }));

test('imagenet-val: flat folder without a solution csv is a clear error', () =>
  withTempDir(async (dir) => {
    const flat = path.join(dir, 'a', 'b', 'c', 'd', 'val');
    await images(flat, ['ILSVRC2012_val_00000001.JPEG']);
    await assert.rejects(openImagenetVal(flat, OPTIONS), isHoloclipError(/no LOC_val_solution\.csv was found/));
  }));

test('objectnet: overlapping classes only, any-of labels over the 125-class head, 2 px crop', () =>
  withTempDir(async (dir) => {
    // alarm_clock -> analog clock (409) + digital clock (530); banana -> 954; squeegee: not in ImageNet
    await images(dir, ['images/alarm_clock/1.png', 'images/alarm_clock/2.png', 'images/banana/3.png', 'images/squeegee/4.png', 'images/squeegee/5.png']);
    await junk(dir, 'images/banana');
    await writeFile(path.join(dir, 'images', 'README.txt'), '');
    const ds = await openObjectnet(dir, OPTIONS);
    assert.equal(ds.cropBorder, 2);
    assert.equal(ds.root, path.join(dir, 'images'));
    assert.equal(ds.classnames.length, 125);
    const indices = ds.adapter?.subset?.indices ?? [];
    assert.equal(indices.length, 125);
    assert.deepEqual([...indices].sort((a, b) => a - b), indices);
    assert.equal(ds.adapter?.subset?.of, 'imagenet-1k');
    const analog = indices.indexOf(409);
    const digital = indices.indexOf(530);
    const banana = indices.indexOf(954);
    assert.deepEqual([analog, digital, banana], [0, 23, 122]);
    assert.equal(ds.classnames[analog], 'analog clock');
    assert.equal(ds.classnames[banana], 'banana');
    assert.deepEqual(Array.from(ds.items, (it) => [it.id, it.label, it.labels]), [
      ['alarm_clock/1.png', analog, [analog, digital]],
      ['alarm_clock/2.png', analog, [analog, digital]],
      ['banana/3.png', banana, [banana]],
    ]);
    assert.equal(ds.adapter?.notes?.skippedClassFolders, 1);
    assert.equal(ds.adapter?.notes?.skippedImages, 2);
    assert.deepEqual({ hidden: ds.skipped.hidden, nonImage: ds.skipped.nonImage }, { hidden: 1, nonImage: 2 });

    await mkdir(path.join(dir, 'images', 'not_a_class'));
    await assert.rejects(openObjectnet(dir, OPTIONS), isHoloclipError(/objectnet: folder "not_a_class" .*not an ObjectNet class folder/));
  }));

test('objectnet: class folders directly under the root', () =>
  withTempDir(async (dir) => {
    await images(dir, ['helmet/a.png']);
    const ds = await openObjectnet(dir, OPTIONS);
    assert.equal(ds.items.length, 1);
    assert.equal(ds.items.get(0).labels?.length, 2);
    assert.deepEqual(ds.items.get(0).labels?.map((l) => ds.classnames[l]), ['crash helmet', 'football helmet']);
  }));

test('imagenet-d-folders: union of category folders over subsets; one subset folder alone (the former protocol, by name)', () =>
  withTempDir(async (dir) => {
    await images(dir, ['background/plate/a.jpg', 'background/bench/b.jpg', 'texture/plate/c.jpg', 'material/ant/d.jpg', 'material/ant/e.jpg']);
    await junk(dir, 'texture/plate');
    await writeFile(path.join(dir, 'README.md'), '');
    const ds = await openImagenetDFolders(dir, OPTIONS);
    assert.deepEqual(ds.classnames, ['ant', 'bench', 'plate']);
    assert.deepEqual(labelsById(ds), { 'background/bench/b.jpg': 1, 'background/plate/a.jpg': 2, 'material/ant/d.jpg': 0, 'material/ant/e.jpg': 0, 'texture/plate/c.jpg': 2 });
    assert.deepEqual({ hidden: ds.skipped.hidden, nonImage: ds.skipped.nonImage }, { hidden: 1, nonImage: 2 });
    assert.equal(ds.adapter?.notes?.['background.images'], 2);
    assert.equal(ds.adapter?.notes?.['material.images'], 2);
    assert.equal(ds.adapter?.notes?.['texture.images'], 1);

    const bg = await openImagenetDFolders(path.join(dir, 'background'), OPTIONS);
    assert.deepEqual(bg.classnames, ['bench', 'plate']);
    assert.deepEqual(labelsById(bg), { 'bench/b.jpg': 0, 'plate/a.jpg': 1 });
    assert.equal(bg.adapter?.notes?.['background.images'], 2);

    await mkdir(path.join(dir, 'extra'));
    await assert.rejects(openImagenetDFolders(dir, OPTIONS), isHoloclipError(/imagenet-d-folders: folder "extra" .*not an ImageNet-D subset/));
  }));

test('ood-images: any folder tree, unlabelled, junk skipped', () =>
  withTempDir(async (dir) => {
    await images(dir, ['iNaturalist/images/a.jpg', 'iNaturalist/images/sub/b.jpg']);
    await junk(dir, 'iNaturalist/images');
    const ds = await openOodImages(path.join(dir, 'iNaturalist'), OPTIONS);
    assert.deepEqual(Array.from(ds.items, (it) => [it.id, it.label]), [['images/a.jpg', -1], ['images/sub/b.jpg', -1]]);
    assert.equal(ds.kind, 'images');
    assert.equal(ds.adapter?.type, 'ood-images');
    assert.deepEqual({ hidden: ds.skipped.hidden, nonImage: ds.skipped.nonImage }, { hidden: 1, nonImage: 1 });
    await assert.rejects(openOodImages(path.join(dir, 'nope'), OPTIONS), isHoloclipError(/does not exist/));
  }));

test('karpathy: split filtering, captions, COCO filepath and Flickr image folder', () =>
  withTempDir(async (dir) => {
    const sent = (...raw: string[]) => raw.map((r) => ({ raw: r, tokens: r.split(' ') }));
    await writeFile(
      path.join(dir, 'dataset_flickr30k.json'),
      JSON.stringify({
        dataset: 'flickr30k',
        images: [
          { filename: '1.jpg', split: 'train', sentences: sent('a train caption') },
          { filename: '2.jpg', split: 'test', sentences: sent('a dog runs', 'a dog plays') },
          { filename: '3.jpg', split: 'val', sentences: sent('a val caption') },
          { filename: '4.jpg', split: 'test', sentences: sent('two cats') },
        ],
      }),
    );
    await images(dir, ['flickr30k-images/1.jpg', 'flickr30k-images/2.jpg', 'flickr30k-images/3.jpg', 'flickr30k-images/4.jpg']);
    const test1 = await openKarpathy(dir, OPTIONS);
    assert.deepEqual(Array.from(test1.dataset.items, (it) => it.id), ['2.jpg', '4.jpg']);
    assert.equal(test1.dataset.items.get(1).path, path.join(dir, 'flickr30k-images', '4.jpg'));
    assert.deepEqual(test1.captions, ['a dog runs', 'a dog plays', 'two cats']);
    assert.deepEqual([...test1.textImage], [0, 0, 1]);
    assert.equal(test1.dataset.kind, 'captions');
    assert.equal(test1.dataset.adapter?.notes?.split, 'test');
    const val = await openKarpathy(path.join(dir, 'dataset_flickr30k.json'), { ...OPTIONS, split: 'val' });
    assert.deepEqual(val.captions, ['a val caption']);
    await assert.rejects(openKarpathy(dir, { ...OPTIONS, split: 'restval' }), isHoloclipError(/no images in split "restval" \(it has: test, train, val/));

    const coco = path.join(dir, 'coco');
    await mkdir(coco);
    await writeFile(
      path.join(coco, 'dataset_coco.json'),
      JSON.stringify({ images: [{ filepath: 'val2014', filename: 'COCO_val2014_000000000042.jpg', split: 'test', sentences: sent('a', 'b', 'c', 'd', 'e', 'f') }] }),
    );
    await assert.rejects(openKarpathy(coco, OPTIONS), isHoloclipError(/cannot find image val2014\/COCO_val2014_000000000042\.jpg/));
    await images(coco, ['val2014/COCO_val2014_000000000042.jpg']);
    const c = await openKarpathy(coco, OPTIONS);
    assert.equal(c.dataset.items.get(0).id, 'val2014/COCO_val2014_000000000042.jpg');
    assert.equal(c.captions.length, 6);
  }));

test('registry: every type has a description, a layout and an opener', () => {
  assert.deepEqual(Object.keys(DATASET_TYPES).sort(), [
    'imagenet-a', 'imagenet-a-partial', 'imagenet-a-present', 'imagenet-d', 'imagenet-d-folders', 'imagenet-r', 'imagenet-r-partial', 'imagenet-r-present',
    'imagenet-sketch', 'imagenet-v2', 'imagenet-val', 'objectnet', 'objectnet-113', 'ood-images',
  ]);
  for (const t of [...Object.values(DATASET_TYPES), ...Object.values(CAPTION_DATASET_TYPES)]) {
    assert.ok(t.description.length > 0 && (t.layout.includes('<root>') || t.layout.includes('.json')));
    assert.equal(typeof t.open, 'function');
  }
  assert.deepEqual(Object.keys(CAPTION_DATASET_TYPES), ['karpathy']);
});
