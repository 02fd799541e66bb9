/**
 * WebDataset shards (CLIP_benchmark layout) read in place: listing from tar headers (ustar, pax,
 * GNU long names), embedding straight from the tar members (bit-identical to the same images as
 * files, cached across runs, nothing extracted), and the border crop (ObjectNet) with its own keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { DEFAULT_CORRUPTION_PROTOCOL } from '../src/corruptions/protocol.js';
import type { CorruptionSpec } from '../src/corruptions/registry.js';
import { openImageFolder, type Dataset, type DatasetItem } from '../src/data/index.js';
import { openWebDataset } from '../src/data/webdataset.js';
import { itemListOf } from '../src/data/item-list.js';
import { embedImages } from '../src/pipeline/embed-images.js';
import { openImageSpace } from '../src/pipeline/image-space.js';
import { hashItem } from '../src/data/item-bytes.js';
import { corruptedKey, croppedKey } from '../src/pipeline/item-key.js';
import { FileHashIndex } from '../src/store/hash.js';
import { EvalContext } from '../src/tasks/eval-context.js';
import { silentProgress } from '../src/util/progress.js';
import { runCli, writeTestImage } from './helpers/cli.js';
import { fixtureDir } from './helpers/fixtures.js';
import { writeTar } from './helpers/tar-writer.js';
import { withTempDir } from './helpers/temp-dir.js';

const CLASSES = ['bird', 'cat', 'dog'];
const TEMPLATES = ['a photo of a {c}.', 'a drawing of the {c}.'];
const LONG_KEY = `deep/${'k'.repeat(110)}`;
/** WebDataset id -> the same image's id in the ImageFolder, in the shards' sample order. */
const SAME_IMAGE: ReadonlyArray<[string, string]> = [
  ['2.tar/s000', 'cat/img0.png'],
  ['2.tar/s001', 'bird/img1.png'],
  [`10.tar/${LONG_KEY}`, 'dog/img2.png'],
  ['10.tar/s102', 'dog/img3.jpg'],
];

/**
 * `<dir>/folder`: an ImageFolder; `<dir>/wds`: the same images as two shards (`2.tar`, `10.tar`, so
 * natural order matters) with every header kind, one hidden member, a sample without an image and
 * one without a label. Shard mtimes are set an hour back so the hash index remembers their members.
 */
async function buildDatasets(dir: string): Promise<{ folder: string; wds: string; shards: string[] }> {
  const folder = path.join(dir, 'folder');
  await writeTestImage(path.join(folder, 'cat', 'img0.png'), 1);
  await writeTestImage(path.join(folder, 'bird', 'img1.png'), 2, 64, 72);
  await writeTestImage(path.join(folder, 'dog', 'img2.png'), 3, 50, 90);
  await writeTestImage(path.join(folder, 'dog', 'img3.jpg'), 4, 80, 80, 'jpeg');
  const unlisted = path.join(dir, 'unlabelled.png');
  await writeTestImage(unlisted, 5);
  const bytes = (rel: string) => fs.readFile(path.join(folder, rel));

  const wds = path.join(dir, 'wds');
  await fs.mkdir(path.join(wds, 'test'), { recursive: true });
  await fs.writeFile(path.join(wds, 'classnames.txt'), `${CLASSES.join('\n')}\n`);
  await fs.writeFile(path.join(wds, 'zeroshot_classification_templates.txt'), `${TEMPLATES.join('\n')}\n`);
  const shards = [path.join(wds, 'test', '2.tar'), path.join(wds, 'test', '10.tar')];
  await writeTar(shards[0], [
    { name: 's000.png', data: await bytes('cat/img0.png') },
    { name: 's000.cls', data: Buffer.from('1') },
    { name: '._s001.png', data: Buffer.from('macOS resource fork') },
    { name: 's001.png', data: await bytes('bird/img1.png'), format: 'pax' },
    { name: 's001.cls', data: Buffer.from('0') },
    { name: 'extra/' },
    { name: 's002.cls', data: Buffer.from('2') },
  ]);
  await writeTar(shards[1], [
    { name: `${LONG_KEY}.png`, data: await bytes('dog/img2.png'), format: 'gnu' },
    { name: `${LONG_KEY}.cls`, data: Buffer.from('2\n'), format: 'gnu' },
    { name: 's101.png', data: await fs.readFile(unlisted) },
    { name: 's102.jpg', data: await bytes('dog/img3.jpg') },
    { name: 's102.cls', data: Buffer.from('2') },
    { name: 's102.json', data: Buffer.from('{}') },
  ]);
  const hourAgo = new Date(Date.now() - 3600_000);
  for (const s of shards) await fs.utimes(s, hourAgo, hourAgo);
  await fs.writeFile(path.join(wds, 'test', 'nshards.txt'), '2\n');
  return { folder, wds, shards };
}

/** The ImageFolder's items put in the WebDataset's order (same batches, so the model sees identical inputs). */
async function folderInOrder(folder: string, rename: (id: string) => string = (id) => id): Promise<Dataset> {
  const ds = await openImageFolder(folder);
  const byId = new Map(Array.from(ds.items, (it) => [it.id, it]));
  const items: DatasetItem[] = SAME_IMAGE.map(([, fid], index) => {
    const it = byId.get(rename(fid));
    assert.ok(it, `ImageFolder item ${rename(fid)}`);
    return { ...it, index };
  });
  return { ...ds, items: itemListOf(items) };
}

/** Every path under `dir` except the stores, to prove nothing was extracted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true });
  return entries.filter((e) => !e.startsWith('store')).sort();
}

const openContext = (store: string) =>
  EvalContext.open({ model: fixtureDir('tiny-clip'), dtype: 'fp32', batchSize: 2, store, preprocess: 'fast', progress: silentProgress, warn: () => {} });

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

test('openWebDataset: samples from ustar, pax and GNU long-name members, in shard and tar order', async () => {
  await withTempDir(async (dir) => {
    const { folder, wds, shards } = await buildDatasets(dir);
    const ds = await openWebDataset(wds);
    assert.deepEqual(ds.classnames, CLASSES);
    assert.deepEqual(ds.adapter?.templates, TEMPLATES);
    assert.equal(ds.adapter?.type, 'webdataset');
    assert.deepEqual(
      Array.from(ds.items, (it) => it.id),
      SAME_IMAGE.map(([id]) => id),
    );
    assert.deepEqual(
      Array.from(ds.items, (it) => it.label),
      [1, 0, 2, 2],
    );
    assert.deepEqual(
      Array.from(ds.items, (it) => it.index),
      [0, 1, 2, 3],
    );
    assert.equal(ds.items.get(0).path, `${shards[0]}#s000.png`);
    assert.equal(ds.items.get(2).path, `${shards[1]}#${LONG_KEY}.png`);
    assert.deepEqual(ds.skipped, { hidden: 1, nonImage: 1, examples: ['2.tar/s002', '10.tar/s101'] });
    assert.equal(ds.adapter?.notes?.samples_without_cls, 1);
    // Each source points at exactly the image's bytes.
    for (const [i, [, fid]] of SAME_IMAGE.entries()) {
      const src = ds.items.get(i).source;
      assert.ok(src);
      const handle = await fs.open(src.tar, 'r');
      const buf = Buffer.alloc(src.size);
      await handle.read(buf, 0, src.size, src.offset);
      await handle.close();
      assert.ok(buf.equals(await fs.readFile(path.join(folder, fid))), `bytes of ${ds.items.get(i).id}`);
    }
    // Shards directly in the root are accepted too; a wrong shard count is reported.
    await fs.rename(path.join(wds, 'test'), path.join(dir, 'moved'));
    for (const s of ['2.tar', '10.tar']) await fs.rename(path.join(dir, 'moved', s), path.join(wds, s));
    assert.equal((await openWebDataset(wds)).items.length, 4);
    await fs.writeFile(path.join(wds, 'nshards.txt'), '3\n');
    await assert.rejects(openWebDataset(wds), /2 shard\(s\) but its nshards\.txt says 3/);
    await assert.rejects(openWebDataset(path.join(dir, 'folder')), /has no shards: expected test\/\*\.tar/);
  });
});

test('embedding tar members: bit-identical to the files, cached on rerun, nothing extracted; cropBorder has its own keys', async () => {
  await withTempDir(async (dir) => {
    const { folder, wds, shards } = await buildDatasets(dir);
    const before = await listFiles(dir);
    const ds = await openWebDataset(wds);
    const ctxA = await openContext(path.join(dir, 'storeA'));
    const ctxB = await openContext(path.join(dir, 'storeB'));
    try {
      // Separate stores: the tar path computes the embeddings itself, equal bit for bit.
      const fromTar = await ctxA.embed(ds);
      const fromFiles = await ctxB.embed(await folderInOrder(folder));
      assert.equal(fromTar.inferred, 4);
      assert.equal(fromFiles.inferred, 4);
      assert.deepEqual(fromTar.keys.slice(), fromFiles.keys.slice()); // sha256 of the same bytes
      assert.ok(bits(fromTar.embeddings).equals(bits(fromFiles.embeddings)), 'tar-member embeddings differ from the files');

      // The hash index remembers members under `<tar>#<member>` with the member size and the tar's mtime.
      const entry = ctxA.hashIndex.peek(`${shards[0]}#s000.png`);
      const tarStat = await fs.stat(shards[0]);
      assert.deepEqual(entry && { size: entry.size, mtimeMs: entry.mtimeMs, sha256: entry.sha256 }, { size: ds.items.get(0).source?.size, mtimeMs: tarStat.mtimeMs, sha256: fromTar.keys.at(0) });

      // hashItem (dataset fingerprints): from the index, or by reading the member into a fresh one.
      assert.equal(await hashItem(ds.items.get(0), ctxA.hashIndex), fromTar.keys.at(0));
      const fresh = await FileHashIndex.open(path.join(dir, 'store-fresh'));
      assert.equal(await hashItem(ds.items.get(2), fresh), fromTar.keys.at(2));
      assert.equal(fresh.peek(ds.items.get(2).path)?.sha256, fromTar.keys.at(2));

      // Rerun: every key comes from the hash index (no read, no inference). From here on one space
      // instance (an instance does not see rows another one appends) is used through embedImages.
      const space = await openImageSpace({ store: ctxA.store, model: ctxA.model, identity: ctxA.identity, preprocessor: ctxA.preprocessor });
      const common = { model: ctxA.model, preprocessor: ctxA.preprocessor, space, hashIndex: ctxA.hashIndex, batchSize: 2, progress: silentProgress };
      const rerun = await embedImages({ ...common, items: ds.items });
      assert.deepEqual({ cached: rerun.cached, inferred: rerun.inferred, failures: rerun.failures }, { cached: 4, inferred: 0, failures: [] });
      // The files themselves hit the rows the tar members wrote.
      assert.equal((await embedImages({ ...common, items: (await openImageFolder(folder)).items })).inferred, 0);

      // Border crop: new keys (derived from the file keys), embeddings equal to images cropped beforehand.
      const cropped = await embedImages({ ...common, items: ds.items, cropBorder: 2 });
      assert.equal(cropped.inferred, 4);
      const croppedRows = space.getRows(cropped.keys.slice());
      assert.deepEqual(
        cropped.keys.slice(),
        fromTar.keys.slice().map((k) => croppedKey(k, 2)),
      );
      assert.ok(!bits(croppedRows).equals(bits(fromTar.embeddings)));
      const precropped = path.join(dir, 'precropped');
      for (const [, fid] of SAME_IMAGE) {
        const src = path.join(folder, fid);
        const { width = 0, height = 0 } = await sharp(src).metadata();
        const out = path.join(precropped, fid.replace(/\.jpg$/, '.png'));
        await fs.mkdir(path.dirname(out), { recursive: true });
        await sharp(src)
          .extract({ left: 2, top: 2, width: width - 4, height: height - 4 })
          .png()
          .toFile(out);
      }
      const fromPrecropped = await ctxB.embed(await folderInOrder(precropped, (id) => id.replace(/\.jpg$/, '.png')));
      assert.equal(fromPrecropped.inferred, 4);
      assert.ok(bits(croppedRows).equals(bits(fromPrecropped.embeddings)), 'cropped embeddings differ from pre-cropped files');
      assert.equal((await embedImages({ ...common, items: ds.items, cropBorder: 2 })).cached, 4);

      // Crop, then corrupt: the lookup computes the same composed key as the decode worker.
      const corruption: CorruptionSpec = { name: 'gaussian_noise', severity: 1, seed: 0, protocol: DEFAULT_CORRUPTION_PROTOCOL };
      const both = await embedImages({ ...common, items: ds.items, cropBorder: 2, corruption });
      assert.equal(both.inferred, 4);
      assert.deepEqual(
        both.keys.slice(),
        fromTar.keys.slice().map((k) => corruptedKey(croppedKey(k, 2), corruption, null)),
      );
      assert.equal((await embedImages({ ...common, items: ds.items, cropBorder: 2, corruption })).cached, 4);
    } finally {
      await ctxA.close();
      await ctxB.close();
    }
    // Only what the test wrote (and the stores): no member was extracted to disk.
    const after = (await listFiles(dir)).filter((e) => !e.startsWith('precropped'));
    assert.deepEqual(after, before);
  });
});

test('a missing or truncated shard fails only its items, with the display path', async () => {
  await withTempDir(async (dir) => {
    const { wds, shards } = await buildDatasets(dir);
    const ds = await openWebDataset(wds);
    await fs.truncate(shards[1], 2048); // inside the long-name member's data
    const ctx = await openContext(path.join(dir, 'store'));
    try {
      const set = await ctx.embed(ds);
      assert.deepEqual(
        Array.from(set.ok, (it) => it.id),
        ['2.tar/s000', '2.tar/s001'],
      );
      assert.equal(set.failures.length, 2);
      assert.match(set.failures[0].error, new RegExp(`${path.basename(shards[1])}#deep/k+\\.png.*truncated`));
    } finally {
      await ctx.close();
    }
  });
});

test('CLI: eval zeroshot --data webdataset:DIR uses the shipped templates and the cache (built CLI)', async () => {
  await withTempDir(async (dir) => {
    const { wds } = await buildDatasets(dir);
    const args = ['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', `webdataset:${wds}`, '--store', path.join(dir, 'store'), '--out', path.join(dir, 'out')];
    const first = await runCli(args);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /4 images, 3 classes/);
    assert.match(first.stdout, /templates\s+2 \(the dataset's own templates \(webdataset\)\)/);
    assert.match(first.stdout, /4 computed, 0 from cache/);
    const second = await runCli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /0 computed, 4 from cache/);
  });
});
