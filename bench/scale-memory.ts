/**
 * `npm run bench:scale`: peak RSS of the real CLI as the dataset grows, to show that memory is bounded independently of
 * the number of images. Renders (once, cached in bench/out/scale/) an ImageFolder of N images with the emoji-shift
 * benchmark's renderer (bench/scale-dataset.ts), then runs the built CLI (dist/: `npx tsc -p tsconfig.json` first) on
 * N/10 and N images, each in a fresh store: `eval zeroshot` (embeds every image), then `eval calibration` and `eval ood`
 * (reuse the embeddings; OOD set: the same folder again), and finally the three again at N (warm: nothing inferred).
 * Each command runs alone; its RSS (the process and any child processes; decode workers are threads) is sampled from
 * /proc every 100 ms, and the process's own peak (VmHWM) is recorded at exit. Printed per command: wall
 * time, images/s, peak RSS, and the heap / array-buffer split at the sampled peak; then what the outputs themselves
 * take (the logits N x classes, the embeddings N x dim, as float32) next to the growth of peak RSS from N/10 to N.
 * `--warm-only` reruns only the warm commands, at both sizes, in the stores a `--keep` run left; `--reps R` runs each
 * R times, and `--against DIR` alternates every run with the CLI of another checkout (built: `npm run build` there),
 * A B A B, so that a busy machine biases neither side; each side's median and range are printed. `--listed 1,3,10`
 * (with `--warm-only`) then runs a warm `eval zeroshot` over a JSONL manifest that lists the N images K times (1,000,000
 * items for K = 10 and N = 100,000): every item is looked up, scored and written, no image is new, so what grows with K
 * is what a command holds per listed item.
 *
 *   npm run bench:scale [-- --images 100000] [--model models/zoo/base] [--threads 2] [--tasks zeroshot,calibration,ood]
 *                       [--no-warm] [--keep] [--warm-only [--reps R] [--against DIR] [--listed K,...]]
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaleDatasets } from './scale-dataset.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const flag = (name: string): boolean => process.argv.includes(name);

const largest = Number(arg('--images', '100000'));
if (!Number.isInteger(largest) || largest < 10) throw new Error(`--images must be an integer >= 10, got ${arg('--images', '')}`);
const sizes = [Math.round(largest / 10), largest];
const model = path.resolve(root, arg('--model', 'models/zoo/base'));
const threads = arg('--threads', '2');
const tasks = arg('--tasks', 'zeroshot,calibration,ood').split(',');
const cache = path.join(root, 'bench', 'out', 'scale');
const SAMPLE_MS = 100;

interface MemorySample {
  t: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

interface Measured {
  seconds: number;
  /** Peak of the sampled RSS (process + children), bytes. */
  sampledPeak: number;
  /** VmHWM (peak RSS) of the CLI process at exit, bytes. */
  maxRss: number;
  /** The CLI's own memoryUsage() at the moment of its highest RSS (1 s samples). */
  atPeak: MemorySample | null;
  stdout: string;
}

/** RSS in bytes of `pid` and every descendant (decode workers are threads; anything spawned is a child). */
function treeRss(pid: number): number {
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+) kB/.exec(status);
      if (m) total += Number(m[1]) * 1024;
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim();
        if (children !== '') stack.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

// Loaded into the CLI process with --import: its peak RSS at exit (VmHWM: getrusage's maxRSS would report the bench's
// own RSS, inherited across fork + exec, when that is higher), and memoryUsage() every second.
const preload = `data:text/javascript,${encodeURIComponent(
  [
    "import fs from 'node:fs';",
    'const log = process.env.HOLOCLIP_BENCH_MEMLOG; const t0 = Date.now();',
    'const sample = () => { const m = process.memoryUsage(); fs.appendFileSync(log, JSON.stringify({ t: Date.now() - t0, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }) + "\\n"); };',
    'setInterval(sample, 1000).unref();',
    "process.on('exit', () => { sample(); const hwm = /VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8')); fs.writeFileSync(process.env.HOLOCLIP_BENCH_RSS, String(Number(hwm[1]) * 1024)); });",
  ].join('\n'),
)}`;

async function measure(label: string, args: string[], work: string, cli: string = root): Promise<Measured> {
  const rssFile = path.join(work, `${label}.maxrss`);
  const memLog = path.join(work, `${label}.memlog.jsonl`);
  await fs.rm(memLog, { force: true });
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', preload, path.join(cli, 'bin', 'holoclip.js'), ...args], {
    cwd: root,
    env: { ...process.env, HOLOCLIP_BENCH_RSS: rssFile, HOLOCLIP_BENCH_MEMLOG: memLog },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let sampledPeak = 0;
  const timer = setInterval(() => {
    if (child.pid !== undefined) sampledPeak = Math.max(sampledPeak, treeRss(child.pid));
  }, SAMPLE_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(timer);
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${label}: holoclip ${args.join(' ')} failed (${code}):\n${stderr}`);
  const samples = (await fs.readFile(memLog, 'utf8'))
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as MemorySample);
  const atPeak = samples.reduce<MemorySample | null>((best, s) => (best === null || s.rss > best.rss ? s : best), null);
  return { seconds, sampledPeak, maxRss: Number(await fs.readFile(rssFile, 'utf8')), atPeak, stdout };
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

function commandArgs(task: string, data: string, store: string, out: string): string[] {
  const common = ['--model', model, '--data', data, '--store', store, '--out', path.join(out, task), '--threads', threads, '--quiet'];
  if (task === 'ood') return ['eval', 'ood', ...common, '--ood', `same-images=${data}`];
  return ['eval', task, ...common];
}

function embeddingDim(): number {
  const config = JSON.parse(readFileSync(path.join(model, 'config.json'), 'utf8')) as { projection_dim?: number };
  if (typeof config.projection_dim !== 'number') throw new Error(`${model}/config.json has no projection_dim`);
  return config.projection_dim;
}

if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` first');
const log = (line: string) => process.stdout.write(`${line}\n`);
log(`bench:scale on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
log(`model ${path.relative(root, model)}, --threads ${threads}, tasks ${tasks.join(', ')}, sizes ${sizes.join(', ')}`);
const datasets = await scaleDatasets(cache, sizes, log);
for (const d of datasets.values()) log(`dataset ${path.relative(root, d.dir)}: ${d.images} images, ${d.made ? `made in ${d.seconds.toFixed(1)} s` : 'cached'} (content ${d.contentSha256.slice(0, 12)})`);

const classes = readdirSync(datasets.get(largest)?.dir ?? '').length;
const dim = embeddingDim();
const peaks = new Map<string, number>();
const row = (label: string, images: number, m: Measured) => {
  const heap = m.atPeak ? `heap ${mb(m.atPeak.heapUsed)}, array buffers ${mb(m.atPeak.arrayBuffers)} at the peak` : '';
  log(
    `${label.padEnd(28)} ${m.seconds.toFixed(1).padStart(7)} s ${(images / m.seconds).toFixed(0).padStart(6)} images/s   peak RSS ${mb(Math.max(m.sampledPeak, m.maxRss)).padStart(7)} (sampled ${mb(m.sampledPeak)}, VmHWM ${mb(m.maxRss)}; ${heap})`,
  );
};
// --warm-only: the warm runs alone, at both sizes, in the stores an earlier `--keep` run left (no model inference: what
// grows with N is then only what the commands hold per image).
const warmOnly = flag('--warm-only');
const reps = Number(arg('--reps', '1'));
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got ${arg('--reps', '')}`);
const against = arg('--against', '');
if ((against !== '' || reps > 1) && !warmOnly) throw new Error('--reps and --against go with --warm-only');
const clis = [{ name: 'this checkout', dir: root }];
if (against !== '') {
  const dir = path.resolve(against);
  if (!existsSync(path.join(dir, 'dist', 'cli', 'main.js'))) throw new Error(`--against ${dir}: no built CLI there (dist/cli/main.js); run \`npm run build\` in it`);
  clis.push({ name: dir, dir });
}
const warmPeaks = new Map<string, number>();
/** --warm-only: every run's peak, by CLI, task and size. */
const runs = new Map<string, number[]>();
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const n of sizes) {
  const data = datasets.get(n)?.dir as string;
  const work = path.join(cache, `run-${n}`);
  const store = path.join(work, 'store');
  if (warmOnly) {
    if (!existsSync(store)) throw new Error(`--warm-only needs ${store} from an earlier run with --keep`);
    for (const task of tasks) {
      for (let rep = 0; rep < reps; rep++) {
        for (const cli of clis) {
          const m = await measure(`${task}-${n}-warm`, commandArgs(task, data, store, path.join(work, 'out')), work, cli.dir);
          const peak = Math.max(m.sampledPeak, m.maxRss);
          const key = `${cli.name}|${task}|${n}`;
          runs.set(key, [...(runs.get(key) ?? []), peak]);
          row(`${task} ${n} warm${clis.length > 1 ? ` ${cli === clis[0] ? 'A' : 'B'}` : ''}`, n, m);
        }
      }
    }
    continue;
  } else {
    await fs.rm(work, { recursive: true, force: true });
    await fs.mkdir(work, { recursive: true });
    for (const task of tasks) {
      const m = await measure(`${task}-${n}`, commandArgs(task, data, store, path.join(work, 'out')), work);
      peaks.set(`${task}-${n}`, Math.max(m.sampledPeak, m.maxRss));
      row(`${task} ${n} cold`, n, m);
    }
  }
  if ((n === largest || warmOnly) && !flag('--no-warm')) {
    for (const task of tasks) {
      const m = await measure(`${task}-${n}-warm`, commandArgs(task, data, store, path.join(work, 'out')), work);
      warmPeaks.set(`${task}-${n}`, Math.max(m.sampledPeak, m.maxRss));
      row(`${task} ${n} warm`, n, m);
    }
  }
  if (!flag('--keep') && !warmOnly) await fs.rm(store, { recursive: true, force: true });
}

const listed = arg('--listed', '')
  .split(',')
  .filter((k) => k !== '')
  .map(Number);
if (listed.some((k) => !Number.isInteger(k) || k < 1)) throw new Error(`--listed takes positive integers, got ${arg('--listed', '')}`);
if (listed.length > 0 && !warmOnly) throw new Error('--listed goes with --warm-only');
if (listed.length > 0) {
  // The largest folder's images as a JSONL manifest (absolute paths), K times over: no new image, K x N items.
  const folder = datasets.get(largest)?.dir as string;
  const work = path.join(cache, `run-${largest}`);
  const classNames = readdirSync(folder).sort();
  const lines: string[] = [];
  classNames.forEach((c, label) => {
    for (const f of readdirSync(path.join(folder, c)).sort()) lines.push(JSON.stringify({ path: path.join(folder, c, f), label }));
  });
  const manifests = path.join(cache, 'listed');
  await fs.mkdir(manifests, { recursive: true });
  await fs.writeFile(path.join(manifests, 'classnames.txt'), `${classNames.join('\n')}\n`);
  log(`\nwarm eval zeroshot over the ${largest} images listed K times (JSONL manifests in ${path.relative(root, manifests)})`);
  for (const k of listed) {
    const manifest = path.join(manifests, `x${k}.jsonl`);
    await fs.writeFile(manifest, `${Array.from({ length: k }, () => lines.join('\n')).join('\n')}\n`);
    const args = ['eval', 'zeroshot', '--model', model, '--data', manifest, '--classnames', path.join(manifests, 'classnames.txt'), '--store', path.join(work, 'store'), '--out', path.join(work, 'listed-out'), '--threads', threads, '--quiet'];
    for (let rep = 0; rep < reps; rep++) {
      for (const cli of clis) {
        const m = await measure(`listed-x${k}`, args, work, cli.dir);
        runs.set(`${cli.name}|listed|${k}`, [...(runs.get(`${cli.name}|listed|${k}`) ?? []), Math.max(m.sampledPeak, m.maxRss)]);
        row(`zeroshot ${k * largest} items${clis.length > 1 ? ` ${cli === clis[0] ? 'A' : 'B'}` : ''}`, k * largest, m);
      }
    }
    await fs.rm(manifest, { force: true });
  }
  await fs.rm(path.join(work, 'listed-out'), { recursive: true, force: true });
}

const [small, big] = sizes;
if (warmOnly) {
  log(`\nwarm runs, peak RSS: median (range) of ${reps}${clis.length > 1 ? ', A = this checkout and B = ' + clis[1].name + ' alternated' : ''}`);
  for (const task of tasks) {
    for (const cli of clis) {
      const at = (n: number) => runs.get(`${cli.name}|${task}|${n}`) ?? [];
      const show = (xs: readonly number[]) => `${mb(median(xs))} (${mb(Math.min(...xs))}-${mb(Math.max(...xs))})`;
      log(`  ${task.padEnd(12)} ${clis.length > 1 ? (cli === clis[0] ? 'A' : 'B') : ''} ${small}: ${show(at(small))}, ${big}: ${show(at(big))}; growth ${mb(median(at(big)) - median(at(small)))}`);
    }
  }
  for (const cli of clis) {
    if (listed.length === 0) break;
    const peaksK = listed.map((k) => ({ k, xs: runs.get(`${cli.name}|listed|${k}`) ?? [] }));
    const first = peaksK[0];
    const parts = peaksK.map(({ k, xs }) => `${k * largest} items ${mb(median(xs))} (${mb(Math.min(...xs))}-${mb(Math.max(...xs))})`);
    const last = peaksK[peaksK.length - 1];
    const perItem = last.k > first.k ? ` ; ${((median(last.xs) - median(first.xs)) / ((last.k - first.k) * largest)).toFixed(0)} B per listed item from ${first.k * largest} to ${last.k * largest}` : '';
    log(`  listed       ${clis.length > 1 ? (cli === clis[0] ? 'A' : 'B') : ''} ${parts.join(', ')}${perItem}`);
  }
}
log(`\nper-image outputs (float32), scored and written block by block (never held whole): logits ${classes} classes x 4 B, embeddings ${dim} x 4 B`);
for (const n of sizes) log(`  N = ${n}: logits ${mb(n * classes * 4)}, embeddings ${mb(n * dim * 4)}, together ${mb(n * (classes + dim) * 4)}`);
for (const [kind, found] of [['cold', peaks], ['warm', warmPeaks]] as const) {
  for (const task of tasks) {
    const a = found.get(`${task}-${small}`);
    const b = found.get(`${task}-${big}`);
    if (a === undefined || b === undefined) continue;
    const inherent = (big - small) * (classes + dim) * 4;
    log(`${task} ${kind}: peak RSS ${mb(a)} at ${small}, ${mb(b)} at ${big}: +${mb(b - a)} for ${big - small} more images (${((b - a) / (big - small)).toFixed(0)} B/image; the logits + embeddings would be ${mb(inherent)} more)`);
  }
}
