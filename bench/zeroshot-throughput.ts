/**
 * `npm run bench:zeroshot`: images/s of `eval zeroshot` end to end (decode + preprocess + model + store)
 * next to the bare onnxruntime session on the same vision model, batch size and threads.
 *
 *   npm run bench -- [--model DIR] [--images N] [--batch-size B] [--threads T] [--preprocess auto|fast|python|reference] (default auto: what `holoclip eval` uses)
 *
 * Default model: open_clip's ViT-B/32 with random weights (weights do not change throughput), exported once
 * into bench/out/vitb32-export by `holoclip-export open_clip ViT-B-32 none --out bench/out/vitb32-export`
 * (tools/export; the script prints the command when the folder is missing). The dataset: N generated
 * 500x375 JPEGs in 10 class folders.
 */
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { ClipFamilyModel } from '../src/models/clip-model.js';
import { parseDatasetSpec } from '../src/data/dataset-ref.js';
import { runTaskOnce } from '../src/tasks/run-task.js';
import { zeroshotTask } from '../src/tasks/zeroshot/index.js';
import type { ZeroShotResult } from '../src/tasks/zeroshot/result.js';
import { silentProgress } from '../src/util/progress.js';
import type { PreprocessChoice } from '../src/image/index.js';
import { checksumCost } from './checksum-cost.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    images: { type: 'string', default: '960' },
    'batch-size': { type: 'string', default: '32' },
    threads: { type: 'string' },
    preprocess: { type: 'string', default: 'auto' },
  },
});
const nImages = Number(values.images);
const batchSize = Number(values['batch-size']);
const threads = values.threads ? Number(values.threads) : os.availableParallelism();
const outRoot = path.resolve('bench/out');
const preprocess = values.preprocess as PreprocessChoice;
if (!['auto', 'fast', 'python', 'reference'].includes(preprocess)) throw new Error(`--preprocess must be auto, fast, python or reference, got ${preprocess}`);

/** The exact command that makes the default model (random weights: they do not change throughput). */
const EXPORT_COMMAND = 'holoclip-export open_clip ViT-B-32 none --out bench/out/vitb32-export';

function ensureModel(): string {
  if (values.model) return path.resolve(values.model);
  const dir = path.join(outRoot, 'vitb32-export');
  if (!existsSync(path.join(dir, 'onnx', 'vision_model.onnx'))) {
    console.error(
      `no benchmark model in ${dir}. Export open_clip's ViT-B/32 (random weights) once, from the holoclip folder:\n` +
        `  python3 -m venv V && V/bin/pip install ./tools/export     # the exporter, see tools/export/README.md\n` +
        `  V/bin/${EXPORT_COMMAND}\n` +
        'or pass --model DIR to benchmark another model folder.',
    );
    process.exit(2);
  }
  return dir;
}

async function ensureImages(): Promise<string> {
  const dir = path.join(outRoot, `images-v2-${nImages}`);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  await fs.rm(dir, { recursive: true, force: true });
  for (let i = 0; i < nImages; i++) {
    const cls = `class${String(i % 10).padStart(2, '0')}`;
    await fs.mkdir(path.join(dir, cls), { recursive: true });
    const w = 500, h = 375;
    // Smooth gradients plus seeded noise: every image distinct (no content-hash duplicates), JPEG-like statistics.
    const raw = Buffer.alloc(w * h * 3);
    let state = (i + 1) * 2654435761;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        const noise = state >>> 27;
        const o = (y * w + x) * 3;
        raw[o] = ((x * (i % 13 + 1)) / 4 + noise) & 255;
        raw[o + 1] = ((y * (i % 7 + 1)) / 3 + noise + i) & 255;
        raw[o + 2] = ((x + y) / 5 + noise * 2 + i * 3) & 255;
      }
    }
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toFile(path.join(dir, cls, `img${i}.jpg`));
  }
  await fs.writeFile(path.join(dir, '.complete'), '');
  return dir;
}

async function bareThroughput(modelDir: string, size: number): Promise<number> {
  const model = await ClipFamilyModel.open(modelDir, { threads });
  const session = await ort.InferenceSession.create(model.folder.files.vision, model.sessionOptions() as ort.InferenceSession.SessionOptions);
  const input = new ort.Tensor('float32', new Float32Array(batchSize * 3 * size * size).map((_, i) => Math.sin(i)), [batchSize, 3, size, size]);
  for (let i = 0; i < 3; i++) await session.run({ [session.inputNames[0]]: input }); // warm-up: arena growth, first-run kernels
  const batches = Math.max(1, Math.ceil(nImages / batchSize));
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) await session.run({ [session.inputNames[0]]: input });
  const s = (performance.now() - t0) / 1000;
  await session.release();
  return (batches * batchSize) / s;
}

const modelDir = ensureModel();
const dataDir = await ensureImages();
const config = JSON.parse(await fs.readFile(path.join(modelDir, 'preprocessor_config.json'), 'utf8')) as { crop_size?: { height: number } | number };
const size = typeof config.crop_size === 'number' ? config.crop_size : config.crop_size?.height ?? 224;

console.log(`machine: ${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; node ${process.version}; onnxruntime-node ${ort.env.versions.node ?? ''}`);
console.log(`model: ${modelDir}; images: ${nImages} (500x375 JPEG); batch ${batchSize}; threads ${threads}`);
const bare = await bareThroughput(modelDir, size);
console.log(`bare onnxruntime session:       ${bare.toFixed(1)} images/s`);
console.log('(numbers are only meaningful on an otherwise idle machine: check `uptime` before trusting them)');

const store = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-bench-store-'));
const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-bench-run-'));
const common = {
  model: modelDir, dtype: 'fp32' as const, batchSize, store, preprocess,
  logitScale: 100, threads, progress: silentProgress, warn: () => {},
};
// The same path as `holoclip eval zeroshot`: the task from the registry, run once (model opened and closed).
const runZeroShot = () => runTaskOnce(zeroshotTask, { settings: {}, data: { datasets: [{ name: 'data', ref: parseDatasetSpec(dataDir) }] }, common, out: runDir, flagOf: (k) => `--${k}` }) as Promise<ZeroShotResult>;
const t0 = performance.now();
const cold = await runZeroShot();
const coldWall = (performance.now() - t0) / 1000;
const e2e = cold.timing.images_per_s ?? 0;
const resolvedMode = String((cold as { conventions?: Record<string, unknown> }).conventions?.preprocess_mode ?? preprocess);
console.log(`eval zeroshot (--preprocess ${preprocess}: ${resolvedMode}), embedding stage: ${e2e.toFixed(1)} images/s (${(100 * e2e / bare).toFixed(1)}% of bare)`);
console.log(`eval zeroshot, whole command:   ${(nImages / coldWall).toFixed(1)} images/s (${coldWall.toFixed(2)} s incl. model load, hashing, text classifier)`);
// Store checksums: every chunk's .npy (and the text-cache entry) is hashed once when written and again when read.
const checksums = await checksumCost(store, { chunks: true, text: true });
const embedSeconds = nImages / e2e;
console.log(
  `store checksums (sha256):       ${(checksums.seconds * 1000).toFixed(2)} ms for ${checksums.files} files (${(checksums.bytes / 1e6).toFixed(2)} MB) = ` +
    `${((100 * checksums.seconds) / embedSeconds).toFixed(3)}% of the embedding stage (${embedSeconds.toFixed(1)} s)`,
);
const t1 = performance.now();
const warm = await runZeroShot();
const warmWall = (performance.now() - t1) / 1000;
console.log(`warm rerun:                     ${warmWall.toFixed(2)} s, ${String(warm.cache.images_inferred)} images inferred; verifying the chunks it reads: ${((100 * checksums.seconds) / warmWall).toFixed(2)}% of it`);
await fs.rm(store, { recursive: true, force: true });
await fs.rm(runDir, { recursive: true, force: true });
