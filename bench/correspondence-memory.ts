/**
 * `npm run bench:correspondence`: the peak memory of `holoclip eval correspondence` as the number of pairs grows.
 * Writes synthetic SPair-71k-layout datasets (noise images, 2 distinct images per pair, 5 keypoints, 10 categories,
 * 3 levels) of each size, runs the built CLI (dist/) on each in a cold store in a child process, and prints the wall
 * time and the child's max RSS, next to what the dataset's dense features would take if they were held in memory
 * (float32, the model's map shape). Too slow for the test suite (minutes for 2,000 pairs on 2 cores).
 *
 *   npm run bench:correspondence [-- --pairs 200,2000] [--model models/zoo/arch-convnet] [--threads 1]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const sizes = arg('--pairs', '200,2000').split(',').map(Number);
const model = path.resolve(root, arg('--model', 'models/zoo/arch-convnet'));
const threads = arg('--threads', '1');
const SIDE = 48;

async function writeDataset(dir: string, pairs: number): Promise<number> {
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const made = new Set<string>();
  const image = async (category: string, name: string) => {
    if (made.has(`${category}/${name}`)) return;
    made.add(`${category}/${name}`);
    const px = Buffer.alloc(SIDE * SIDE * 3);
    for (let i = 0; i < px.length; i++) px[i] = Math.floor(rand() * 256);
    await fs.mkdir(path.join(dir, 'JPEGImages', category), { recursive: true });
    await fs.mkdir(path.join(dir, 'ImageAnnotation', category), { recursive: true });
    await sharp(px, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toFile(path.join(dir, 'JPEGImages', category, `${name}.png`));
    const kps = Object.fromEntries(Array.from({ length: 5 }, (_, k) => [String(k), [Math.floor(rand() * SIDE), Math.floor(rand() * SIDE)]]));
    await fs.writeFile(path.join(dir, 'ImageAnnotation', category, `${name}.json`), JSON.stringify({ filename: `${name}.png`, kps }));
  };
  await fs.mkdir(path.join(dir, 'PairAnnotation', 'test'), { recursive: true });
  for (let p = 0; p < pairs; p++) {
    const category = `c${p % 10}`;
    const [src, trg] = [`s${p}`, `t${p}`];
    await image(category, src);
    await image(category, trg);
    const box = [2, 3, SIDE - 4, SIDE - 2];
    await fs.writeFile(
      path.join(dir, 'PairAnnotation', 'test', `${String(p).padStart(6, '0')}-${src}-${trg}:${category}.json`),
      JSON.stringify({ filename: `${p}-${src}-${trg}:${category}`, category, src_bndbox: box, trg_bndbox: box, src_imsize: [SIDE, SIDE, 3], trg_imsize: [SIDE, SIDE, 3], viewpoint_variation: p % 3 }),
    );
  }
  return made.size;
}

const work = mkdtempSync(path.join(os.tmpdir(), 'holoclip-bench-corr-'));
const preload = `data:text/javascript,${encodeURIComponent("import fs from 'node:fs'; process.on('exit', () => fs.writeFileSync(process.env.HOLOCLIP_BENCH_RSS, String(process.resourceUsage().maxRSS)));")}`;
try {
  const card = JSON.parse(readFileSync(path.join(model, 'holoclip.json'), 'utf8')) as { dense?: { grid?: [number, number] } };
  console.log(`model ${path.relative(root, model)} (dense grid ${card.dense?.grid?.join('x') ?? '?'}), --threads ${threads}, cold store per size`);
  for (const n of sizes) {
    const data = path.join(work, `pairs-${n}`);
    const images = await writeDataset(data, n);
    const rssFile = path.join(work, `rss-${n}`);
    const out = path.join(work, `out-${n}`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', preload, path.join(root, 'bin', 'holoclip.js'), 'eval', 'correspondence', '--model', model, '--data', `spair-71k:${data}`, '--store', path.join(work, `store-${n}`), '--out', out, '--threads', threads, '--quiet'], { env: { ...process.env, HOLOCLIP_BENCH_RSS: rssFile }, encoding: 'utf8' });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`eval correspondence failed (${r.status}): ${r.stderr}`);
    const maxRss = Number(readFileSync(rssFile, 'utf8')) / 1024;
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as { conventions: { features: { map_shape: number[] } }; metrics: { pairs: number } };
    const [C, H, W] = result.conventions.features.map_shape;
    const held = (images * C * H * W * 4) / 2 ** 20;
    console.log(`${String(result.metrics.pairs).padStart(6)} pairs, ${String(images).padStart(5)} images: ${seconds.toFixed(1)} s, max RSS ${maxRss.toFixed(0)} MB (all features held as float32 would add ${held.toFixed(1)} MB; map ${C}x${H}x${W})`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
