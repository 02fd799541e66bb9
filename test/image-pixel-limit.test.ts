/**
 * Huge images (issue 14, case 7): Pillow's MAX_IMAGE_PIXELS rule on the header before decoding (a warning above
 * 89,478,485 pixels, an unreadable image above twice that, naming the file and --max-image-pixels), the option on
 * the CLI and recorded in result.json, and the decode worker's pixel budget.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { checkImagePixels, DEFAULT_MAX_IMAGE_PIXELS, readImageSize } from '../src/image/index.js';
import { ImageReadError } from '../src/errors.js';
import { WeightedSemaphore } from '../src/util/weighted-semaphore.js';
import { runCli } from './helpers/cli.js';
import { fixtureDir, REPO_ROOT } from './helpers/fixtures.js';
import { withTempDir } from './helpers/temp-dir.js';

const HELPER = path.join(REPO_ROOT, 'test', 'helpers', 'decode-peak.ts');

interface PeakReport {
  maxRssKiB: number;
  outcomes: Array<{ index: number; ok: boolean; error?: string; warning?: string }>;
}

/** Decode `files` in a child process through the decode worker, batches of `batch`, two in flight. */
function decodeInChild(mode: string, batch: number, files: string[]): PeakReport {
  const r = spawnSync(process.execPath, ['--import', 'tsx', HELPER, fixtureDir('tiny-clip'), mode, String(batch), ...files], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as PeakReport;
}

test("Pillow's rule: 89,478,485 pixels, a warning above, an error above twice that", () => {
  assert.equal(DEFAULT_MAX_IMAGE_PIXELS, Math.floor((1024 * 1024 * 1024) / 4 / 3));
  assert.equal(checkImagePixels(9459, 9459, 'a.png', DEFAULT_MAX_IMAGE_PIXELS), null); // 89,472,681
  const warning = checkImagePixels(9460, 9460, 'dir/b.png', DEFAULT_MAX_IMAGE_PIXELS);
  assert.match(warning ?? '', /^dir\/b\.png: 9460x9460 = 89,491,600 pixels is above the image pixel limit of 89,478,485.*--max-image-pixels/);
  assert.ok(checkImagePixels(13377, 13377, 'c.png', DEFAULT_MAX_IMAGE_PIXELS)); // 178,944,129 <= 2N = 178,956,970
  assert.throws(
    () => checkImagePixels(13378, 13378, 'd.png', DEFAULT_MAX_IMAGE_PIXELS), // 178,970,884
    (e: unknown) => e instanceof ImageReadError && /d\.png/.test(e.message) && /2 x 89,478,485/.test(e.message) && /--max-image-pixels N/.test(e.message),
  );
  assert.equal(checkImagePixels(100000, 100000, 'e.png', 0), null, '0 = no limit');
});

test('a 14000x14000 PNG is an unreadable image naming the file and the option, found from its header', { timeout: 300_000 }, async () => {
  await withTempDir(async (dir) => {
    const big = path.join(dir, 'huge.png');
    await sharp({ create: { width: 14000, height: 14000, channels: 3, background: { r: 40, g: 90, b: 160 } } }).png({ compressionLevel: 1 }).toFile(big);
    assert.deepEqual(await readImageSize(await fs.readFile(big), big), { width: 14000, height: 14000 });
    const report = decodeInChild('python', 2, [big]);
    assert.equal(report.outcomes.length, 1);
    const o = report.outcomes[0];
    assert.equal(o.ok, false, 'the old code decoded it (196 M pixels, under sharp\'s own limit)');
    assert.match(o.error ?? '', /huge\.png/);
    assert.match(o.error ?? '', /14000x14000 = 196,000,000 pixels is more than twice the image pixel limit/);
    assert.match(o.error ?? '', /--max-image-pixels N \(suites: max_image_pixels; 0 for no limit\)/);
    // Refused from the header: the process never held the 588 MB of decoded pixels.
    assert.ok(report.maxRssKiB < 400 * 1024, `peak RSS ${report.maxRssKiB} KiB`);
  });
});

test('eval: an image above --max-image-pixels is a warning naming it, above twice it unreadable; the limit is in result.json', { timeout: 300_000 }, async () => {
  await withTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    for (const cls of ['cat', 'dog']) await fs.mkdir(path.join(data, cls), { recursive: true });
    const make = (w: number, h: number, file: string) => sharp({ create: { width: w, height: h, channels: 3, background: { r: w % 256, g: 80, b: 120 } } }).png().toFile(file);
    await make(60, 50, path.join(data, 'cat', 'small.png')); // 3,000 pixels
    await make(120, 100, path.join(data, 'cat', 'above.png')); // 12,000 > 10,000
    await make(64, 64, path.join(data, 'dog', 'ok.png'));
    await make(300, 100, path.join(data, 'dog', 'toolarge.png')); // 30,000 > 20,000
    const out = path.join(dir, 'out');
    const r = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', data, '--store', path.join(dir, 'store'), '--out', out, '--batch-size', '2', '--max-image-pixels', '10000', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /above\.png: 120x100 = 12,000 pixels is above the image pixel limit of 10,000/);
    assert.doesNotMatch(r.stderr, /small\.png|ok\.png: /);
    const result = JSON.parse(await fs.readFile(path.join(out, 'result.json'), 'utf8')) as { conventions: Record<string, string>; dataset: { n: number; failed: number; failures: Array<{ id: string; error: string }> } };
    assert.match(result.conventions.max_image_pixels, /^10000 /);
    assert.equal(result.dataset.n, 3);
    assert.equal(result.dataset.failed, 1);
    assert.match(result.dataset.failures[0].error, /toolarge\.png.*300x100 = 30,000 pixels is more than twice.*--max-image-pixels/);
    const bad = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', data, '--store', path.join(dir, 'store'), '--out', path.join(dir, 'out2'), '--max-image-pixels', '-1']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--max-image-pixels/);
  });
});

test('the weighted semaphore never exceeds its budget, serves in order, and runs an oversized task alone', async () => {
  const sem = new WeightedSemaphore(10);
  let peak = 0;
  const order: number[] = [];
  const task = (i: number, w: number) =>
    sem.run(w, async () => {
      peak = Math.max(peak, sem.inUse);
      order.push(i);
      await new Promise((r) => setTimeout(r, 2));
    });
  await Promise.all([task(0, 6), task(1, 6), task(2, 25), task(3, 1), task(4, 3)]);
  assert.ok(peak <= 10, `peak ${peak}`);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.equal(sem.inUse, 0);
});

test('peak memory decoding four 8000x8000 PNGs at batch 2 (python mode) stays under 650 MB', { timeout: 600_000 }, async () => {
  // Measured (NOTES-decode.md): 946 MB before the pixel budget (four images decoded at once: two batches of two),
  // 351 MB after (one at a time, released as soon as preprocessed); a bare decode of a small image peaks at 140 MB.
  await withTempDir(async (dir) => {
    const first = path.join(dir, 'big0.png');
    await sharp({ create: { width: 8000, height: 8000, channels: 3, background: { r: 200, g: 30, b: 60 } } }).png({ compressionLevel: 1 }).toFile(first);
    const files = [first];
    for (let i = 1; i < 4; i++) {
      files.push(path.join(dir, `big${i}.png`));
      await fs.copyFile(first, files[i]); // same bytes: the worker still decodes each item
    }
    const report = decodeInChild('python', 2, files);
    assert.deepEqual(report.outcomes.map((o) => o.ok), [true, true, true, true]);
    assert.ok(report.maxRssKiB < 650 * 1024, `peak RSS ${Math.round(report.maxRssKiB / 1024)} MB`);
  });
});

test('readImageSize: the header sizes read without libvips equal sharp metadata for JPEG and PNG layouts', async () => {
  const sizes = [[1, 1], [7, 300], [500, 375], [4099, 3]] as const;
  for (const [width, height] of sizes) {
    const base = () => sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } });
    const encoded: Array<[string, Buffer]> = [
      ['jpeg 4:2:0', await base().jpeg().toBuffer()],
      ['jpeg progressive 4:4:4', await base().jpeg({ progressive: true, chromaSubsampling: '4:4:4' }).toBuffer()],
      ['jpeg grey', await base().greyscale().jpeg().toBuffer()],
      ['jpeg cmyk', await base().toColourspace('cmyk').jpeg().toBuffer()],
      ['png rgb', await base().png().toBuffer()],
      ['png palette', await base().png({ palette: true }).toBuffer()],
      ['png 16-bit', await base().toColourspace('rgb16').png().toBuffer()],
    ];
    for (const [layout, bytes] of encoded) {
      const meta = await sharp(bytes).metadata();
      assert.deepEqual(await readImageSize(bytes, `${layout}.img`), { width: meta.width, height: meta.height }, `${layout} ${width}x${height}`);
    }
  }
});
