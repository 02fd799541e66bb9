/**
 * Image preprocessing throughput of each mode: fast, reference (transformers.js) and python (Pillow-identical).
 *   node --import tsx bench/preprocess-throughput.ts [count=200] [concurrency list=1,4]
 * Generates `count` distinct 500x375 JPEGs in memory, uses the CLIP ViT-B/32 preprocessor config (224x224 output),
 * and prints images/s per mode and concurrency (images in flight). Decoding is included; file I/O is not.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createPreprocessor, type ImagePreprocessor, type PreprocessMode } from '../src/image/index.js';
import { CLIP_VIT_B32 } from '../test/helpers/image-fixtures.js';

const count = Number(process.argv[2] ?? 200);
const concurrencies = (process.argv[3] ?? '1,4').split(',').map(Number);


async function makeJpegs(n: number): Promise<Buffer[]> {
  const w = 500;
  const h = 375;
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(w * h * 3);
    let s = (i + 1) * 2654435761;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const o = (y * w + x) * 3;
        px[o] = (x + i * 7) & 255;
        px[o + 1] = (y * 2 + i * 13) & 255;
        px[o + 2] = ((x ^ y) + (s >>> 26)) & 255;
      }
    }
    out.push(await sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 85 }).toBuffer());
  }
  return out;
}

async function run(p: ImagePreprocessor, jpegs: Buffer[], concurrency: number): Promise<number> {
  const n = 3 * p.outputHeight * p.outputWidth;
  // One reusable batch buffer per worker slot, as the evaluation loop would use it.
  const slots = Array.from({ length: concurrency }, () => new Float32Array(n));
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    slots.map(async (slot) => {
      for (let i = next++; i < jpegs.length; i = next++) await p.processInto(jpegs[i], `img${i}.jpg`, slot, 0);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return jpegs.length / seconds;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holoclip-bench-'));
  try {
    await writeFile(path.join(dir, 'preprocessor_config.json'), JSON.stringify(CLIP_VIT_B32));
    await writeFile(path.join(dir, 'config.json'), '{}');
    const jpegs = await makeJpegs(count);
    console.log(
      `${count} JPEGs 500x375 (${Math.round(jpegs.reduce((a, b) => a + b.length, 0) / count / 1024)} KiB avg) -> 3x224x224; ` +
        `node ${process.version}, sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, ` +
        `${os.availableParallelism()} CPUs, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`,
    );
    const preprocessors: Record<PreprocessMode, ImagePreprocessor> = {
      fast: await createPreprocessor(dir, 'fast'),
      reference: await createPreprocessor(dir, 'reference'),
      python: await createPreprocessor(dir, 'python'),
    };
    // Sanity: identical outputs on a few images.
    for (let i = 0; i < 5; i++) {
      const [a, b] = await Promise.all([preprocessors.fast.process(jpegs[i], 'x'), preprocessors.reference.process(jpegs[i], 'x')]);
      let max = 0;
      for (let k = 0; k < a.length; k++) max = Math.max(max, Math.abs(a[k] - b[k]));
      if (max !== 0) console.log(`warning: image ${i} differs between modes (max abs diff ${max})`);
    }
    const rows: string[] = [];
    for (const mode of ['fast', 'reference', 'python'] as const) {
      for (const c of concurrencies) {
        await run(preprocessors[mode], jpegs.slice(0, 10), c); // warm-up
        const ips = await run(preprocessors[mode], jpegs, c);
        rows.push(`${mode.padEnd(9)}  concurrency ${String(c).padStart(2)}  ${ips.toFixed(1).padStart(7)} images/s  ${(1000 / ips).toFixed(2).padStart(6)} ms/image`);
      }
    }
    for (const r of rows) console.log(r);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
