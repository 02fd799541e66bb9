/**
 * A suite through Slurm vs a plain run, on the one-node test cluster (test/helpers/slurm-cluster.ts; install
 * Slurm with tools/test-env/slurm.sh): the test suite of test/cluster-slurm.test.ts (two zoo models, zero-shot,
 * calibration, OOD on small emoji-shift subsets; 6 embedding units), first plain with one thread, then
 * `holoclip run --slurm --shards N --cpus-per-task 1` into a fresh store, alternately, R times each. Prints each
 * wall time, the medians, and checks that results.json is byte-identical.
 *
 *   node --import tsx bench/slurm-suite.ts [--shards 4] [--repeats 1]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSlurmCluster } from '../test/helpers/slurm-cluster.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const shards = arg('--shards', 4);
const repeats = arg('--repeats', 1);
const bin = path.join(root, 'bin', 'holoclip.js');

// The emoji-shift build the tests share (built once per machine).
const bench = path.join(os.tmpdir(), 'holoclip-test-emoji-shift-1.1.0');
const built = spawnSync(process.execPath, [bin, 'bench', 'build', 'emoji-shift', '--out', bench, '--quiet'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(1);
const work = mkdtempSync(path.join(os.tmpdir(), 'holoclip-bench-slurm-'));
const classes = JSON.parse(readFileSync(path.join(bench, 'classes.json'), 'utf8')) as Array<{ folder: string; label: number }>;
const manifest = (file: string, style: string, per: number) =>
  writeFileSync(file, classes.flatMap((c) => Array.from({ length: per }, (_, k) => JSON.stringify({ path: path.join(bench, 'domains', style, c.folder, `${k}.png`), label: c.label }))).join('\n') + '\n');
manifest(path.join(work, 'train-small.jsonl'), 'noto', 2);
manifest(path.join(work, 'shift-small.jsonl'), 'fluent-3d', 1);
const zoo = path.join(root, 'models', 'zoo');
const cn = JSON.stringify(path.join(bench, 'classnames.txt'));
const suite = path.join(work, 'suite.yaml');
writeFileSync(
  suite,
  `name: slurm-small\nreference: base\nbenchmarks_dir: ${JSON.stringify(path.dirname(bench))}\nmodels:\n  - path: ${JSON.stringify(path.join(zoo, 'base'))}\n  - path: ${JSON.stringify(path.join(zoo, 'loss-sigmoid'))}\ndatasets:\n  train-small: { path: train-small.jsonl, classnames: ${cn} }\n  shift-small: { path: shift-small.jsonl, classnames: ${cn} }\n  near-ood: ${JSON.stringify(path.join(bench, 'near-ood'))}\ntasks:\n  - type: zeroshot\n    datasets: [train-small, shift-small]\n  - type: calibration\n    dataset: train-small\n    shifts: [shift-small]\n  - type: ood\n    dataset: shift-small\n    ood: [near-ood]\n`,
);

const cluster = await startSlurmCluster();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const plain: number[] = [];
const slurm: number[] = [];
try {
  console.log(`one-node Slurm cluster up in ${cluster.startSeconds.toFixed(1)} s; ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}`);
  for (let r = 0; r < repeats; r++) {
    const time = (args: string[], env?: NodeJS.ProcessEnv): number => {
      const t0 = performance.now();
      const res = spawnSync(process.execPath, [bin, ...args], { env: env ?? process.env, encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`${args.join(' ')}: ${res.stderr}`);
      return (performance.now() - t0) / 1000;
    };
    const p = time(['run', suite, '--store', path.join(work, `store-plain-${r}`), '--out', path.join(work, `plain-${r}`), '--threads', '1', '--quiet']);
    const s = time(['run', suite, '--slurm', '--shards', String(shards), '--cpus-per-task', '1', '--poll', '0.5', '--store', path.join(work, `store-slurm-${r}`), '--out', path.join(work, `slurm-${r}`)], cluster.env);
    const same = readFileSync(path.join(work, `plain-${r}`, 'results.json')).equals(readFileSync(path.join(work, `slurm-${r}`, 'results.json')));
    console.log(`repeat ${r + 1}: plain ${p.toFixed(1)} s, slurm ${shards} shards + aggregation ${s.toFixed(1)} s (submit to results), results.json ${same ? 'byte-identical' : 'DIFFERENT'}`);
    if (!same) process.exitCode = 1;
    plain.push(p);
    slurm.push(s);
  }
  console.log(`median: plain ${median(plain).toFixed(1)} s, slurm ${median(slurm).toFixed(1)} s (${(median(slurm) / median(plain)).toFixed(2)}x; the node has 2 CPUs, so at most 2 shards run at once)`);
} finally {
  await cluster.stop();
  rmSync(work, { recursive: true, force: true });
}
