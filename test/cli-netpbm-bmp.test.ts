/**
 * End to end (built CLI): a folder of PGM/PPM/BMP images (binary, plain and 16-bit PNM, uncompressed and RLE BMP) is evaluated in fast,
 * python and reference modes, every item embedded (none skipped as unreadable).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './helpers/cli.js';
import { fixtureDir } from './helpers/fixtures.js';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden', 'preprocess', 'netpbm-bmp');

test('eval zeroshot reads a folder of .ppm/.pgm/.bmp images in fast, python and reference modes', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-e2e-netpbm-'));
  const data = path.join(work, 'data');
  const classes: Record<string, string[]> = {
    airplane: ['rgb.ppm', 'grey.pgm', 'maxval15.pgm', 'p3-plain.ppm', 'grey16.pgm'],
    bird: ['rgb24.bmp', 'topdown32.bmp', 'palette8.bmp', 'rle8.bmp', 'rle4.bmp'],
  };
  for (const [cls, files] of Object.entries(classes)) {
    await fs.mkdir(path.join(data, cls), { recursive: true });
    for (const f of files) await fs.copyFile(path.join(GOLDEN, f), path.join(data, cls, f));
  }
  const store = path.join(work, 'store');
  const base = ['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', data, '--store', store, '--batch-size', '4'];
  for (const mode of ['fast', 'python', 'reference']) {
    const out = path.join(work, mode);
    const r = await runCli([...base, '--out', out, '--preprocess', mode]);
    assert.equal(r.code, 0, `${mode}: ${r.stderr}`);
    assert.match(r.stdout, /10 computed/, `${mode}: ${r.stdout}`);
    const result = JSON.parse(await fs.readFile(path.join(out, 'result.json'), 'utf8')) as { conventions: Record<string, string> };
    assert.equal(result.conventions.preprocess_mode, mode);
    assert.doesNotMatch(r.stdout + r.stderr, /not a supported image format|unreadable/i, mode);
  }
  await fs.rm(work, { recursive: true, force: true });
});
