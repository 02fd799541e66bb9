/**
 * The caches that make a warm rerun fast (issue 18) never change what a run computes or hide damage:
 * - a built benchmark's verified-files stamp: a file changed in place is found even with its mtime put back;
 * - the chart cache: the same SVG bytes with or without it, a damaged entry re-rendered with a warning, and
 *   checked by `holoclip store verify`;
 * - the decoder identity record: used only while sharp's installed packages are unchanged;
 * - the run's item stats: each file stat'ed once, so every model of a run sees one snapshot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { damagedFiles, VERIFIED_STAMP } from '../src/benchmarks/build-integrity.js';
import { ItemStatCache } from '../src/data/item-bytes.js';
import { itemListOf } from '../src/data/item-list.js';
import { decoderIdentity, sharpInstallFingerprint } from '../src/pipeline/decoder-identity.js';
import { chartKey, renderSvg } from '../src/report/kit/render-svg.js';
import { ChartCache } from '../src/store/chart-cache.js';
import { verifyStore } from '../src/store/verify.js';
import { loadSharp } from '../src/util/heavy-modules.js';
import { withTempDir } from './helpers/temp-dir.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

test('benchmark check: the verified-files stamp skips unchanged files but never a file changed in place, deleted or added', async () => {
  await withTempDir(async (root) => {
    const files: Record<string, string> = { 'a/1.png': 'one-png-bytes', 'a/2.png': 'two-png-bytes', 'notes.txt': 'text' };
    const expected: Record<string, string> = {};
    for (const [rel, body] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), body);
      expected[rel] = sha(body);
      await utimes(path.join(root, rel), 1_700_000_000, 1_700_000_000); // whole seconds: utimes can put them back exactly
    }
    assert.deepEqual(await damagedFiles(root, expected, { racyWindowMs: 0 }), []);
    const stamp = JSON.parse(await readFile(path.join(root, VERIFIED_STAMP), 'utf8')) as { files: Record<string, unknown[]> };
    assert.deepEqual(Object.keys(stamp.files).sort(), Object.keys(files).sort(), 'every verified file is remembered');

    // Same size, same mtime (put back), other bytes: the ctime changed, so it is hashed again and found.
    const one = path.join(root, 'a/1.png');
    const before = await stat(one);
    await writeFile(one, 'one-png-bytez');
    await utimes(one, 1_700_000_000, 1_700_000_000);
    assert.equal((await stat(one)).mtimeMs, before.mtimeMs);
    assert.equal((await stat(one)).size, before.size);
    assert.deepEqual(await damagedFiles(root, expected, { racyWindowMs: 0 }), ['a/1.png']);
    await writeFile(one, files['a/1.png']);
    assert.deepEqual(await damagedFiles(root, expected, { racyWindowMs: 0 }), []);

    // A manifest that now expects other bytes is not answered from the stamp.
    assert.deepEqual(await damagedFiles(root, { ...expected, 'notes.txt': sha('other text') }, { racyWindowMs: 0 }), ['notes.txt']);

    await rm(path.join(root, 'a/2.png'));
    await writeFile(path.join(root, 'a/3.png'), 'added');
    assert.deepEqual(await damagedFiles(root, expected, { racyWindowMs: 0 }), ['a/2.png', 'a/3.png']);

    // Files modified within the racy window are verified but not remembered.
    await writeFile(path.join(root, 'a/2.png'), files['a/2.png']);
    await rm(path.join(root, 'a/3.png'));
    await rm(path.join(root, VERIFIED_STAMP));
    assert.deepEqual(await damagedFiles(root, expected, { racyWindowMs: 60_000 }), []);
    const fresh = JSON.parse(await readFile(path.join(root, VERIFIED_STAMP), 'utf8')) as { files: Record<string, unknown[]> };
    assert.deepEqual(Object.keys(fresh.files), []);
  });
});

const SPEC: TopLevelSpec = {
  data: { values: [{ x: 'a', y: 1 }, { x: 'b', y: Number.NaN }, { x: 'c', y: 3 }] },
  mark: 'bar',
  encoding: { x: { field: 'x', type: 'nominal' }, y: { field: 'y', type: 'quantitative' } },
};

test('chart cache: the same SVG bytes with or without it; a damaged entry is removed, warned about and rendered again', async () => {
  await withTempDir(async (store) => {
    const warnings: string[] = [];
    const cache = ChartCache.forStore(store, (m) => warnings.push(m));
    const plain = await renderSvg(SPEC, 'chart-x');
    assert.equal(await renderSvg(SPEC, 'chart-x', cache), plain);
    const key = chartKey(SPEC, 'chart-x');
    assert.equal(await cache.get(key), plain, 'the rendered SVG is kept under its key');
    assert.equal(await renderSvg(SPEC, 'chart-x', cache), plain);
    // Everything the SVG depends on is in the key: the id prefix, and NaN kept apart from null.
    assert.notEqual(chartKey(SPEC, 'chart-y'), key);
    const withNull = { ...SPEC, data: { values: [{ x: 'a', y: 1 }, { x: 'b', y: null }, { x: 'c', y: 3 }] } } as TopLevelSpec;
    assert.notEqual(chartKey(withNull, 'chart-x'), key);

    const file = path.join(store, 'charts', `${key}.json`);
    const entry = JSON.parse(await readFile(file, 'utf8')) as { svg: string };
    await writeFile(file, JSON.stringify({ ...entry, svg: entry.svg.replace('<svg', '<svg data-edited="1"') }));
    assert.equal(await renderSvg(SPEC, 'chart-x', cache), plain, 'a damaged entry never reaches the report');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`removed the damaged chart cache entry ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(its SVG does not match its sha256\\)`));
    assert.equal(await cache.get(key), plain, 'and the entry is written again');
    await writeFile(file, '{"version": 1, "svg_sha');
    assert.equal(await cache.get(key), null);
    assert.match(warnings[1], /not valid JSON/);
  });
});

test('store verify checks the chart cache: a damaged entry is reported, and --repair removes only it', async () => {
  await withTempDir(async (store) => {
    const cache = ChartCache.forStore(store, () => {});
    const good = chartKey(SPEC, 'chart-good');
    const bad = chartKey(SPEC, 'chart-bad');
    await cache.put(good, '<svg>good</svg>');
    await cache.put(bad, '<svg>bad</svg>');
    const badFile = path.join(store, 'charts', `${bad}.json`);
    const entry = JSON.parse(await readFile(badFile, 'utf8')) as { svg: string };
    await writeFile(badFile, JSON.stringify({ ...entry, svg: '<svg>edited</svg>' }));
    await writeFile(path.join(store, 'charts', 'notes.txt'), 'not an entry');
    const quiet = { start() {}, update() {}, finish() {}, log() {}, warn() {} };
    const report = await verifyStore(store, { repair: false, progress: quiet });
    assert.equal(report.checked.charts, 2);
    assert.deepEqual(report.damaged.map((d) => [d.kind, d.file, d.problem]), [['report chart', badFile, 'its SVG does not match its sha256']]);
    const repaired = await verifyStore(store, { repair: true, progress: quiet });
    assert.equal(repaired.repaired, true);
    assert.equal(await cache.get(bad), null);
    assert.equal(await cache.get(good), '<svg>good</svg>');
    assert.deepEqual((await verifyStore(store, { repair: false, progress: quiet })).damaged, []);
  });
});

test('decoder identity: read from the store only while the installed sharp packages match the recorded fingerprint', async () => {
  await withTempDir(async (store) => {
    const sharp = await loadSharp();
    const real = `sharp ${sharp.versions.sharp} libvips ${sharp.versions.vips}`;
    const fingerprint = sharpInstallFingerprint();
    assert.ok(fingerprint !== null, 'the prebuilt sharp of this install can be fingerprinted');
    assert.equal(sharpInstallFingerprint(), fingerprint, 'the fingerprint is stable');
    const file = path.join(store, 'index', 'decoder.json');
    assert.equal(await decoderIdentity(store), real);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { fingerprint, decoder: real });
    // The record is what is used while the fingerprint matches (here a planted one shows it)...
    await writeFile(file, JSON.stringify({ fingerprint, decoder: 'sharp 0.0.1 libvips 0.0.1' }));
    assert.equal(await decoderIdentity(store), 'sharp 0.0.1 libvips 0.0.1');
    // ...and never once the packages differ from the ones recorded.
    await writeFile(file, JSON.stringify({ fingerprint: sha('another install'), decoder: 'sharp 0.0.1 libvips 0.0.1' }));
    assert.equal(await decoderIdentity(store), real);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { fingerprint, decoder: real });
  });
});

test("item stats: one stat per file per run, so a file changed during a run keeps the run's first view of it", async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'x.png');
    await writeFile(file, 'abc');
    const stats = new ItemStatCache();
    const first = await stats.stat({ path: file });
    await writeFile(file, 'abcdef');
    assert.deepEqual(await stats.stat({ path: file }), first);
    assert.equal((await new ItemStatCache().stat({ path: file })).size, 6, 'a new run sees the new file');
    await assert.rejects(stats.stat({ path: path.join(dir, 'missing.png') }), /ENOENT/);
    // Asked for by position in an item list (a dataset's items): remembered per list, by position.
    const list = itemListOf([
      { id: 'x.png', path: file, label: -1 },
      { id: 'y.png', path: path.join(dir, 'y.png'), label: -1 },
    ]);
    await writeFile(list.get(1).path, 'y');
    const inList = await stats.stat(list.get(0), list, 0);
    assert.equal(inList.size, 6);
    await writeFile(file, 'abcdefgh');
    assert.deepEqual(await stats.stat(list.get(0), list, 0), inList, "the list keeps the run's first view");
    assert.equal((await stats.stat(list.get(1), list, 1)).size, 1);
    const other = itemListOf([{ id: 'x.png', path: file, label: -1 }]);
    assert.equal((await stats.stat(other.get(0), other, 0)).size, 8, 'another list over the same file stats it for itself');
    assert.deepEqual(await stats.stat({ path: file }), first, 'asked for alone: by its path');
  });
});
