/**
 * Corruption throughput on one core (ImageNet-C and 3DCC): 224 x 224 images per second, per corruption
 * and severity. The 3D corruptions get a synthetic depth map (a floor receding from bottom to top).
 *   node --import tsx bench/corruption-throughput.ts [--seconds S] [--severity N] [--only name,name]
 * A single-threaded loop over `apply` on the 224-px golden test image (test/golden/corruptions/input-a.png),
 * a new seeded rng per image; the frost textures are generated first (timed and reported apart), each cell
 * warms up on 3 images and then runs for at least S seconds (default 0.5) and at least 5 images. Decoding and encoding
 * are not included. Rates are images per CPU-second of this process (process.cpuUsage), which is what one
 * free core gives and is robust to other work on the machine; the wall/cpu column shows how much the loop
 * waited for a core. The `all` column is over all measured severities (images / total CPU time).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { THREEDCC_CORRUPTIONS } from '../src/corruptions/3dcc/index.js';
import { IMAGENET_C_CORRUPTIONS } from '../src/corruptions/imagenet-c/index.js';
import { FROST_TEXTURE_COUNT, frostTexture } from '../src/corruptions/imagenet-c/frost-texture.js';
import { createRng } from '../src/metrics/random.js';
import { SEVERITIES, type Corruption, type DepthMap, type RgbImage, type Severity } from '../src/corruptions/types.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seconds = Number(arg('seconds') ?? 0.5);
const severities: readonly Severity[] = arg('severity') ? [Number(arg('severity')) as Severity] : SEVERITIES;
const only = arg('only')?.split(',');

async function loadImage(): Promise<RgbImage> {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'golden', 'corruptions', 'input-a.png');
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

interface Cell {
  readonly images: number;
  /** Wall-clock seconds of the timed loop. */
  readonly wall: number;
  /** CPU seconds (user + system) this process spent in the timed loop. */
  readonly cpu: number;
}

/** Times one corruption at one severity: warm-up, then a loop of at least `seconds` and at least 5 images. */
function measure(c: Corruption, image: RgbImage, severity: Severity, depth: DepthMap): Cell {
  let sink = 0;
  for (let i = 0; i < 3; i++) sink += c.apply({ image, severity, rng: createRng(1_000_000 + i), depth }).data[0];
  let images = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  let wall = 0;
  while (wall < seconds || images < 5) {
    sink += c.apply({ image, severity, rng: createRng(images), depth }).data[images % 100];
    images++;
    wall = Number(process.hrtime.bigint() - start) / 1e9;
  }
  const used = process.cpuUsage(cpu0);
  if (sink < 0) console.log(sink); // keeps the results alive
  return { images, wall, cpu: (used.user + used.system) / 1e6 };
}

async function main(): Promise<void> {
  const image = await loadImage();
  const corruptions = [...IMAGENET_C_CORRUPTIONS, ...THREEDCC_CORRUPTIONS].filter((c) => !only || only.includes(c.name));
  const depth: DepthMap = { width: image.width, height: image.height, data: Float32Array.from({ length: image.width * image.height }, (_, i) => 1 + (9 * (image.height - Math.floor(i / image.width))) / image.height) };
  // One-time setup, reported on its own: the procedural frost textures are generated on first use.
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < FROST_TEXTURE_COUNT; i++) frostTexture(i);
  const setupMs = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`one-time setup: ${FROST_TEXTURE_COUNT} frost textures in ${setupMs.toFixed(0)} ms (once per process)`);
  console.log(`ImageNet-C and 3DCC corruptions, ${image.width}x${image.height} RGB, one thread (Node ${process.version}), >= ${seconds} s per cell`);
  console.log('images per CPU-second of this process (robust to other load on the machine); wall/cpu > 1 means it waited for a core');
  const header = ['corruption'.padEnd(18), ...severities.map((s) => `sev ${s}`.padStart(7)), 'all'.padStart(7), 'ms/img'.padStart(7), 'wall/cpu'.padStart(9)];
  console.log(header.join(' '));
  for (const c of corruptions) {
    const cells: string[] = [];
    let images = 0;
    let cpu = 0;
    let wall = 0;
    for (const s of severities) {
      const m = measure(c, image, s, depth);
      cells.push((m.images / m.cpu).toFixed(0).padStart(7));
      images += m.images;
      cpu += m.cpu;
      wall += m.wall;
    }
    const rate = images / cpu;
    console.log([c.name.padEnd(18), ...cells, rate.toFixed(0).padStart(7), (1000 / rate).toFixed(2).padStart(7), (wall / cpu).toFixed(2).padStart(9)].join(' '));
  }
}

await main();
