/**
 * `npm run bench`: every hot path next to its limit, one command, each figure a median of alternating runs
 * (A B A B ...), so a machine shared with other work biases neither side:
 *   1. CLI start-up of commands that run no model (`--help`, `score ece`, `suite check`), next to `node -e 0`, the
 *      bundled CLI (what bin/holoclip.js runs) against tsc's modules (HOLOCLIP_NO_BUNDLE=1);
 *   2. `holoclip score ece|nll|brier` (and `temperature` with --full) on a 50,000 x 1,000 float32 .npy against a plain
 *      numpy implementation of the same metric (bench/numpy_calibration.py, /usr/bin/python3), process start
 *      included, at least 7 alternating rounds, with the values, the ratio, the range and the load average;
 *   3. `holoclip score ood` on 50,000 + 50,000 scores (process start included);
 *   4. the embedding stage of `eval zeroshot` against a bare onnxruntime session on the same model, batch and
 *      threads (default model: open_clip ViT-B/32 with random weights in bench/out/vitb32-export, see below);
 *   5. the demo suite: a warm rerun (target < 3 s), and a cold run broken down by stage (fresh store with --full;
 *      otherwise only when bench/out/demo has none yet).
 *
 *   npm run bench [-- --full] [--only startup,score,embedding,demo] [--startup-only] [--reps N] [--images N]
 *                 [--batch-size B] [--threads T] [--model DIR] [--python PATH]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { parseDatasetSpec } from '../src/data/dataset-ref.js';
import { createPreprocessor } from '../src/image/index.js';
import { ClipFamilyModel } from '../src/models/clip-model.js';
import { l2NormalizeRows, matmulTransposed, matmulTransposedJs } from '../src/metrics/vector.js';
import { writeNpyAtomic } from '../src/store/npy.js';
import { runTaskOnce } from '../src/tasks/run-task.js';
import { zeroshotTask } from '../src/tasks/zeroshot/index.js';
import type { ZeroShotResult } from '../src/tasks/zeroshot/result.js';
import { silentProgress } from '../src/util/progress.js';

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    'startup-only': { type: 'boolean', default: false },
    only: { type: 'string' },
    reps: { type: 'string', default: '3' },
    images: { type: 'string', default: '256' },
    'batch-size': { type: 'string', default: '32' },
    threads: { type: 'string' },
    model: { type: 'string' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'bench', 'out');
const bin = path.join(root, 'bin', 'holoclip.js');
const reps = Math.max(1, Number(values.reps));
const SECTIONS = ['startup', 'score', 'embedding', 'demo'] as const;
const only = values['startup-only'] ? ['startup'] : values.only?.split(',').map((x) => x.trim()) ?? [...SECTIONS];
for (const name of only) {
  if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only: unknown section "${name}" (sections: ${SECTIONS.join(', ')})`);
}
const runs = (section: (typeof SECTIONS)[number]): boolean => only.includes(section);
const nImages = Number(values.images);
const batchSize = Number(values['batch-size']);
const threads = values.threads ? Number(values.threads) : os.availableParallelism();
const EXPORT_COMMAND = 'holoclip-export open_clip ViT-B-32 none --out bench/out/vitb32-export';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f = (x: number, d = 2) => x.toFixed(d);

/** Wall seconds and stdout of a process (start included); a failure stops the bench with its stderr. */
function timed(cmd: string, args: string[], cwd = root, env: NodeJS.ProcessEnv = process.env): { seconds: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

/** Runs the sides alternately, `reps` rounds (A B A B ...), and returns each side's times. */
function alternate<K extends string>(sides: Record<K, () => number>, rounds = reps): Record<K, number[]> {
  const times = Object.fromEntries(Object.keys(sides).map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) for (const k of Object.keys(sides) as K[]) times[k].push(sides[k]());
  return times;
}

async function scoreInputs(): Promise<string> {
  const dir = path.join(out, 'score-bench');
  if (existsSync(path.join(dir, '.complete'))) return dir;
  await fs.mkdir(dir, { recursive: true });
  // Deterministic logits: a label-dependent bump on seeded noise (a realistic spread of confidences).
  const n = 50_000, c = 1_000;
  let state = 12345;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const labels = new Int32Array(n);
  const logits = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    labels[i] = Math.floor(rand() * c);
    for (let j = 0; j < c; j++) logits[i * c + j] = 2 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    logits[i * c + labels[i]] += 8 * rand();
  }
  await writeNpyAtomic(path.join(dir, 'logits.npy'), logits, [n, c]);
  await writeNpyAtomic(path.join(dir, 'labels.npy'), labels, [n]);
  await writeNpyAtomic(path.join(dir, 'id.npy'), Float64Array.from({ length: n }, () => rand() + 0.3), [n]);
  await writeNpyAtomic(path.join(dir, 'ood.npy'), Float64Array.from({ length: n }, () => rand()), [n]);
  await fs.writeFile(path.join(dir, '.complete'), '');
  return dir;
}

function machine(): string {
  const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
  return `${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; node ${process.version}; load average ${load}`;
}

// ---------------------------------------------------------------------------------------------------------------
console.log(`machine: ${machine()}`);
console.log(`each figure: median of ${reps} alternating rounds${values.full ? ' (--full)' : ''}\n`);

// 1. CLI start-up.
if (runs('startup')) {
  const small = path.join(out, 'score-bench', 'small');
  await fs.mkdir(small, { recursive: true });
  await writeNpyAtomic(path.join(small, 'logits.npy'), Float32Array.from({ length: 400 }, (_, i) => Math.sin(i)), [100, 4]);
  await writeNpyAtomic(path.join(small, 'labels.npy'), Int32Array.from({ length: 100 }, (_, i) => i % 4), [100]);
  const scoreArgs = ['score', 'ece', '--logits', path.join(small, 'logits.npy'), '--labels', path.join(small, 'labels.npy')];
  // bin/holoclip.js runs the bundle (dist/bundle/, `npm run build`); HOLOCLIP_NO_BUNDLE=1 runs dist/cli/ (tsc's modules).
  const plain = { ...process.env, HOLOCLIP_NO_BUNDLE: '1' };
  const t = alternate({
    node: () => timed(process.execPath, ['-e', '0']).seconds,
    help: () => timed(process.execPath, [bin, '--help']).seconds,
    helpPlain: () => timed(process.execPath, [bin, '--help'], root, plain).seconds,
    score: () => timed(process.execPath, [bin, ...scoreArgs]).seconds,
    scorePlain: () => timed(process.execPath, [bin, ...scoreArgs], root, plain).seconds,
    check: () => timed(process.execPath, [bin, 'suite', 'check', 'suites/demo.yaml']).seconds,
    checkPlain: () => timed(process.execPath, [bin, 'suite', 'check', 'suites/demo.yaml'], root, plain).seconds,
  }, Math.max(reps, 7));
  console.log(`CLI start-up (wall, process start included; target < 0.3 s): bundle${existsSync(path.join(root, 'dist', 'bundle', 'main.js')) ? '' : ' MISSING (npm run build)'} | dist/cli modules`);
  console.log(`  node -e 0                  ${f(median(t.node))} s`);
  console.log(`  holoclip --help            ${f(median(t.help))} s | ${f(median(t.helpPlain))} s`);
  console.log(`  holoclip score ece (100x4) ${f(median(t.score))} s | ${f(median(t.scorePlain))} s`);
  console.log(`  holoclip suite check demo  ${f(median(t.check))} s | ${f(median(t.checkPlain))} s`);
  console.log(`  (load average after: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')})\n`);
}

// 2. score vs numpy, 3. OOD.
if (runs('score')) {
  const dir = await scoreInputs();
  const logits = path.join(dir, 'logits.npy');
  const labels = path.join(dir, 'labels.npy');
  const metrics = values.full ? ['ece', 'nll', 'brier', 'temperature'] : ['ece', 'nll', 'brier'];
  console.log('holoclip score vs numpy, 50,000 x 1,000 float32 logits (200 MB .npy), process start included');
  const range = (xs: number[]): string => `${f(Math.min(...xs))}-${f(Math.max(...xs))}`;
  for (const metric of metrics) {
    const loadBefore = os.loadavg()[0];
    let ours = Number.NaN;
    let theirs = Number.NaN;
    const t = alternate({
      holoclip: () => {
        const r = timed(process.execPath, [bin, 'score', metric, '--logits', logits, '--labels', labels, '--json']);
        ours = (JSON.parse(r.stdout) as { metrics: Record<string, number> }).metrics[metric];
        return r.seconds;
      },
      numpy: () => {
        const r = timed(values.python!, [path.join(root, 'bench', 'numpy_calibration.py'), metric, logits, labels]);
        theirs = (JSON.parse(r.stdout) as Record<string, number>)[metric];
        return r.seconds;
      },
    }, metric === 'temperature' ? 1 : Math.max(reps, 7));
    const a = median(t.holoclip), b = median(t.numpy);
    console.log(`  ${metric.padEnd(12)} holoclip ${f(a)} s (${range(t.holoclip)}), numpy ${f(b)} s (${range(t.numpy)}): numpy / holoclip = ${f(b / a)} ` +
      `(${t.holoclip.length} rounds, load average ${f(loadBefore, 1)} -> ${f(os.loadavg()[0], 1)}; values ${ours} vs ${theirs})`);
  }
  const t = alternate({
    holoclip: () => timed(process.execPath, [bin, 'score', 'ood', '--id-scores', path.join(dir, 'id.npy'), '--ood-scores', path.join(dir, 'ood.npy')]).seconds,
    numpy: () => timed(values.python!, [path.join(root, 'bench', 'numpy_calibration.py'), 'ood', path.join(dir, 'id.npy'), path.join(dir, 'ood.npy')]).seconds,
  });
  console.log(`  ood (50,000 + 50,000 scores, AUROC, AUPR, FPR@95) holoclip ${f(median(t.holoclip))} s, numpy AUROC + FPR@95 ${f(median(t.numpy))} s`);

  // Zero-shot scores: every image embedding against every class embedding (matmulTransposed: each sum in float64, in
  // order, rounded to float32 once), ImageNet's shape for a ViT-B/32. The JS loop runs on a slice (the whole takes
  // about a minute) and is scaled to 50,000 rows; numpy's float64 matmul is the same arithmetic in another order,
  // its float32 one the arithmetic of torch (CLIP_benchmark), timed inside Python without its start.
  const [n, m, d] = [50_000, 1_000, 512];
  const unit = (rows: number, seed: number): Float32Array => l2NormalizeRows(Float32Array.from({ length: rows * d }, (_, i) => Math.sin(i * 0.7 + seed)), rows, d);
  const images = unit(n, 1), classes = unit(m, 2);
  const scoresOut = new Float32Array(n * m);
  const slice = 1_000;
  const js = alternate({
    kernel: () => {
      const t0 = performance.now();
      matmulTransposed(images, n, classes, m, d, scoresOut);
      return (performance.now() - t0) / 1000;
    },
    js: () => {
      const t0 = performance.now();
      matmulTransposedJs(images, slice, classes, m, d, scoresOut);
      return ((performance.now() - t0) / 1000) * (n / slice);
    },
  });
  const numpy = spawnSync(values.python!, ['-c', [
    'import numpy as np, time, json',
    `a = np.random.default_rng(0).standard_normal((${n}, ${d})).astype(np.float32); b = a[:${m}].copy()`,
    'r = {}',
    'for name, x, y in (("float32", a, b), ("float64", a.astype(np.float64), b.astype(np.float64))):',
    '    ts = []',
    '    for _ in range(3): t0 = time.perf_counter(); x @ y.T; ts.append(time.perf_counter() - t0)',
    '    r[name] = sorted(ts)[1]',
    'print(json.dumps(r))',
  ].join('\n')], { encoding: 'utf8' });
  const np = numpy.status === 0 ? (JSON.parse(numpy.stdout) as { float32: number; float64: number }) : null;
  const gmac = (seconds: number): string => f((n * m * d) / seconds / 1e9, 1);
  console.log(`  zero-shot scores, ${n.toLocaleString('en')} x ${m.toLocaleString('en')} x ${d} (float32 in, float64 sums): kernel ${f(median(js.kernel))} s (${gmac(median(js.kernel))} GMAC/s), ` +
    `JS loop ${f(median(js.js), 1)} s (${slice.toLocaleString('en')} rows, scaled)` +
    (np ? `; numpy (BLAS, compute only) float64 ${f(np.float64)} s, float32 ${f(np.float32)} s\n` : `; numpy: ${numpy.stderr.trim().split('\n').pop() ?? 'failed'}\n`));
}

// 4. Embedding stage vs bare onnxruntime session.
if (runs('embedding')) {
  let modelDir = values.model ? path.resolve(values.model) : path.join(out, 'vitb32-export');
  if (!existsSync(path.join(modelDir, 'onnx', 'vision_model.onnx'))) {
    console.log(`(no ${modelDir}: export open_clip's ViT-B/32 once with \`${EXPORT_COMMAND}\`; using models/zoo/base, far smaller than ViT-B/32)`);
    modelDir = path.join(root, 'models', 'zoo', 'base');
  }
  const data = path.join(out, `images-v2-${nImages}`);
  if (!existsSync(path.join(data, '.complete'))) {
    for (let i = 0; i < nImages; i++) {
      const cls = path.join(data, `class${String(i % 10).padStart(2, '0')}`);
      await fs.mkdir(cls, { recursive: true });
      const w = 500, h = 375;
      const raw = Buffer.alloc(w * h * 3);
      let state = (i + 1) * 2654435761;
      for (let p = 0; p < w * h; p++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        const x = p % w, y = Math.floor(p / w), noise = state >>> 27;
        raw[3 * p] = ((x * (i % 13 + 1)) / 4 + noise) & 255;
        raw[3 * p + 1] = ((y * (i % 7 + 1)) / 3 + noise + i) & 255;
        raw[3 * p + 2] = ((x + y) / 5 + noise * 2 + i * 3) & 255;
      }
      await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toFile(path.join(cls, `img${i}.jpg`));
    }
    await fs.writeFile(path.join(data, '.complete'), '');
  }
  // What decoding costs in CPU: the stage's preprocessor (Pillow-identical by default) on one image at a time,
  // CPU time of this process (robust to other load). The model needs bareCpu core-ms per image; with `cores`
  // cores the stage cannot exceed cores / (model + decode core-ms) images/s, so when the bare session already
  // keeps every core busy, decoding caps the ratio below 100% however well it overlaps.
  const preprocessor = await createPreprocessor(modelDir, 'auto');
  const files = (await fs.readdir(data, { recursive: true })).filter((x) => x.endsWith('.jpg')).map((x) => path.join(data, x));
  const slot = new Float32Array(3 * preprocessor.outputHeight * preprocessor.outputWidth);
  for (const file of files.slice(0, 8)) await preprocessor.processInto(await fs.readFile(file), file, slot, 0);
  const decodeCpu: number[] = [];
  for (let r = 0; r < Math.min(reps, 3); r++) {
    const cpu0 = process.cpuUsage();
    for (const file of files) await preprocessor.processInto(await fs.readFile(file), file, slot, 0);
    const cpu = process.cpuUsage(cpu0);
    decodeCpu.push((cpu.user + cpu.system) / 1000 / files.length);
  }
  const model = await ClipFamilyModel.open(modelDir, { threads });
  const size = Number(((model.folder.config.vision_config ?? {}) as Record<string, unknown>).image_size ?? 224);
  // Two bare sessions: holoclip's options (threads that do not spin-wait) and onnxruntime's defaults (spinning
  // threads, often a little faster on an idle machine); the stage is compared with the faster of the two.
  const holoclipOptions = model.sessionOptions() as ort.InferenceSession.SessionOptions;
  const { extra: _noSpin, ...defaultSpinning } = holoclipOptions;
  const sessions = {
    holoclip: await ort.InferenceSession.create(model.folder.files.vision, holoclipOptions),
    spinning: await ort.InferenceSession.create(model.folder.files.vision, defaultSpinning),
  };
  const input = new ort.Tensor('float32', new Float32Array(batchSize * 3 * size * size).map((_, i) => Math.sin(i)), [batchSize, 3, size, size]);
  for (const session of Object.values(sessions)) for (let i = 0; i < 2; i++) await session.run({ [session.inputNames[0]]: input });
  const bareBy: Record<keyof typeof sessions, number[]> = { holoclip: [], spinning: [] };
  const bareCpu: Record<keyof typeof sessions, number[]> = { holoclip: [], spinning: [] };
  const stage: number[] = [];
  const freshBare: number[] = [];
  const batches = Math.max(1, Math.ceil(nImages / batchSize));
  for (let r = 0; r < reps; r++) {
    for (const [name, session] of Object.entries(sessions) as Array<[keyof typeof sessions, ort.InferenceSession]>) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      for (let b = 0; b < batches; b++) await session.run({ [session.inputNames[0]]: input });
      const cpu = process.cpuUsage(cpu0);
      bareBy[name].push((batches * batchSize) / ((performance.now() - t0) / 1000));
      bareCpu[name].push((cpu.user + cpu.system) / 1000 / (batches * batchSize));
    }
    // A new session's first runs are slower (onnxruntime sizes its buffers); the stage opens a new session each time,
    // so a new bare session timed from its first run is the like-for-like comparison (session creation excluded on
    // both sides). The target is still read against the warmed sessions above.
    const fresh = await ort.InferenceSession.create(model.folder.files.vision, holoclipOptions);
    const tFresh = performance.now();
    for (let b = 0; b < batches; b++) await fresh.run({ [fresh.inputNames[0]]: input });
    freshBare.push((batches * batchSize) / ((performance.now() - tFresh) / 1000));
    await fresh.release();
    // The same path as `holoclip eval zeroshot`, in a fresh store so every image is embedded.
    const store = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-bench-store-'));
    const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-bench-run-'));
    const common = { model: modelDir, dtype: 'fp32' as const, batchSize, store, preprocess: 'auto' as const, logitScale: 100, threads, progress: silentProgress, warn: () => {} };
    const res = (await runTaskOnce(zeroshotTask, { settings: {}, data: { datasets: [{ name: 'data', ref: parseDatasetSpec(data) }] }, common, out: runDir, flagOf: (k) => `--${k}` })) as ZeroShotResult;
    stage.push(res.timing.images_per_s ?? 0);
    await fs.rm(store, { recursive: true, force: true });
    await fs.rm(runDir, { recursive: true, force: true });
  }
  for (const session of Object.values(sessions)) await session.release();
  const faster = median(bareBy.holoclip) >= median(bareBy.spinning) ? 'holoclip' : 'spinning';
  const bare = bareBy[faster];
  const a = median(stage), b = median(bare);
  const cores = os.availableParallelism();
  // Spinning threads burn CPU while they wait, so the model's own cost is read from the session that does not spin.
  const modelMs = median(bareCpu.holoclip), decodeMs = median(decodeCpu);
  const ceiling = Math.min(1, (cores * 1000) / (modelMs + decodeMs) / b);
  console.log(`embedding stage vs bare onnxruntime session (${path.relative(root, modelDir)}, ${nImages} 500x375 JPEGs, batch ${batchSize}, ${threads} threads)`);
  console.log(`  bare session, holoclip's options ${f(median(bareBy.holoclip), 1)} images/s [${bareBy.holoclip.map((x) => f(x, 1)).join(', ')}], onnxruntime's defaults (spinning) ${f(median(bareBy.spinning), 1)} [${bareBy.spinning.map((x) => f(x, 1)).join(', ')}]`);
  console.log(`  embedding stage ${f(a, 1)} images/s [${stage.map((x) => f(x, 1)).join(', ')}]: ${f((100 * a) / b, 1)}% of the faster bare session`);
  console.log(`  bare session from its first run (new session, as the stage's) ${f(median(freshBare), 1)} images/s [${freshBare.map((x) => f(x, 1)).join(', ')}]: the stage at ${f((100 * a) / median(freshBare), 1)}% of it`);
  console.log(`  CPU per image: model ${f(modelMs, 1)} core-ms (bare session, holoclip's options), decode + preprocess ${f(decodeMs, 1)} core-ms (${preprocessor.mode} preprocessing); on ${cores} cores the stage can reach at most ${f(100 * ceiling, 1)}% of the bare session, so it runs at ${f((100 * a) / b / ceiling, 1)}% of that ceiling\n`);
}

// 5. The demo suite.
if (runs('demo')) {
  const demo = path.join(out, 'demo');
  const args = [bin, 'run', 'suites/demo.yaml', '--store', path.join(demo, 'store'), '--out', path.join(demo, 'out'), '--benchmarks-dir', path.join(demo, 'benchmarks'), '--quiet'];
  if (values.full) await fs.rm(demo, { recursive: true, force: true });
  if (!existsSync(path.join(demo, 'out', 'results.json'))) {
    const cold = timed(process.execPath, args);
    const stages = /^stages +(.*)$/m.exec(cold.stdout)?.[1] ?? '?';
    console.log(`demo suite, cold (fresh store): ${f(cold.seconds, 1)} s wall; by stage: ${stages}`);
  }
  const t = alternate({ warm: () => timed(process.execPath, args).seconds });
  console.log(`demo suite, warm rerun: ${f(median(t.warm))} s [${t.warm.map((x) => f(x)).join(', ')}] (target < 3 s)`);
}
