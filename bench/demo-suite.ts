/**
 * `npm run bench:demo`: the demo suite (suites/demo.yaml: the mini zoo on emoji-shift) cold, in a
 * fresh store, output and benchmark folder (benchmark build + every embedding + every metric +
 * report), then warm (the same command again), as `npm start` runs it. Prints the wall times and
 * checks that the warm run wrote the same results.json.
 *
 *   npm run bench:demo [-- --threads N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checksumCost } from './checksum-cost.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const threadsArg = process.argv.indexOf('--threads');
const threads = threadsArg > 0 ? ['--threads', process.argv[threadsArg + 1]] : [];
const work = mkdtempSync(path.join(os.tmpdir(), 'holoclip-bench-demo-'));
const args = [
  path.join(root, 'bin', 'holoclip.js'),
  'run',
  path.join(root, 'suites', 'demo.yaml'),
  '--store',
  path.join(work, 'store'),
  '--out',
  path.join(work, 'out'),
  '--benchmarks-dir',
  path.join(work, 'benchmarks'),
  '--quiet',
  ...threads,
];

function timed(label: string): { seconds: number; stdout: string } {
  const t0 = performance.now();
  const res = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (res.status !== 0) {
    process.stderr.write(res.stderr);
    throw new Error(`${label} run failed with exit code ${res.status}`);
  }
  return { seconds, stdout: res.stdout };
}

try {
  process.stdout.write(`demo suite, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}\n`);
  const cold = timed('cold');
  const first = readFileSync(path.join(work, 'out', 'results.json'), 'utf8');
  const inferred = /embedding units +\d+, (\d+) images inferred/.exec(cold.stdout)?.[1] ?? '?';
  process.stdout.write(`cold run (build + embeddings + metrics + report): ${cold.seconds.toFixed(1)} s, ${inferred} images inferred\n`);
  const warm = timed('warm');
  const second = readFileSync(path.join(work, 'out', 'results.json'), 'utf8');
  process.stdout.write(`warm rerun: ${warm.seconds.toFixed(1)} s; results.json identical: ${first === second ? 'yes' : 'NO'}\n`);
  // What the warm rerun spends on checksums: every chunk it reads is hashed twice (its sha256 on read, and
  // the digest of the rows that goes into the unit keys), every file of every unit folder once.
  const chunks = await checksumCost(path.join(work, 'store'), { chunks: true });
  const units = await checksumCost(path.join(work, 'store'), { units: true });
  const hashing = 2 * chunks.seconds + units.seconds;
  process.stdout.write(
    `checksums in the warm rerun: ${(hashing * 1000).toFixed(0)} ms (${chunks.files} chunks, ${(chunks.bytes / 1e6).toFixed(1)} MB, twice; ` +
      `${units.files} unit files, ${(units.bytes / 1e6).toFixed(1)} MB) = ${((100 * hashing) / warm.seconds).toFixed(1)}% of the warm rerun; ` +
      `without them it would take about ${(warm.seconds - hashing).toFixed(1)} s\n`,
  );
  const t0 = performance.now();
  const verify = spawnSync(process.execPath, [path.join(root, 'bin', 'holoclip.js'), 'store', 'verify', '--store', path.join(work, 'store'), '--quiet'], { cwd: root, encoding: 'utf8' });
  process.stdout.write(`holoclip store verify (whole store): ${((performance.now() - t0) / 1000).toFixed(1)} s, exit code ${verify.status}\n`);
  const results = JSON.parse(first) as { rows: unknown[]; models: unknown[] };
  process.stdout.write(`${results.models.length} models, ${results.rows.length} result rows\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
