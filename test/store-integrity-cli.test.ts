/**
 * Integrity of the store end to end, through the built CLI (issue 14, case 1): a damaged embedding
 * chunk (flipped mantissa bits, truncated), text-cache entry or unit result.json is an error naming the
 * file, and `--repair` gives results byte-identical to a clean run; a unit computed from embeddings that
 * were later repaired is computed again; `holoclip store verify` finds every kind of damage; `holoclip
 * store gc` lists (dry run) and removes (--apply) only entries no given suite references.
 * One zoo model on small emoji-shift subsets keeps each run to seconds.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliResult } from './helpers/cli.js';
import { sharedEmojiShift, writeStyleManifest } from './helpers/emoji-shift.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const ZOO = path.join(REPO_ROOT, 'models', 'zoo');
const hasZoo = existsSync(path.join(ZOO, 'base', 'holoclip.json'));
const skip = !hasZoo && 'no models/zoo in this checkout';

let work = '';
let suite1 = '';
let suite2 = '';
let clean = { json: '', csv: '' };
let classnamesFile = '';

function suiteText(bench: string, extra: { datasets: string; zeroshot: string; prompts: string }): string {
  const classnames = JSON.stringify(path.join(bench, 'classnames.txt'));
  return `name: integrity
reference: base
benchmarks_dir: ${JSON.stringify(path.dirname(bench))}
models:
  - path: ${JSON.stringify(path.join(ZOO, 'base'))}
datasets:
  train-small: { path: train-small.jsonl, classnames: ${classnames} }
  shift-small: { path: shift-small.jsonl, classnames: ${classnames} }
${extra.datasets}prompts:
  single: ["a photo of a {c}."]
${extra.prompts}tasks:
  - type: zeroshot
    datasets: [train-small, shift-small${extra.zeroshot}]
    prompts: [single]
  - type: calibration
    dataset: train-small
    shifts: [shift-small]
`;
}

before(async () => {
  if (!hasZoo) return;
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-integrity-'));
  const bench = await sharedEmojiShift();
  classnamesFile = path.join(bench, 'classnames.txt');
  await writeStyleManifest(bench, path.join(work, 'train-small.jsonl'), 'noto', 1);
  await writeStyleManifest(bench, path.join(work, 'shift-small.jsonl'), 'fluent-3d', 1);
  await writeStyleManifest(bench, path.join(work, 'silhouette-small.jsonl'), 'silhouette', 1);
  suite1 = path.join(work, 'suite1.yaml');
  suite2 = path.join(work, 'suite2.yaml');
  const classnames = JSON.stringify(path.join(bench, 'classnames.txt'));
  await fs.writeFile(suite1, suiteText(bench, { datasets: '', zeroshot: '', prompts: '' }));
  // Suite 2 adds a dataset (more chunks) and a prompt set (more text-cache entries and units).
  await fs.writeFile(
    suite2,
    suiteText(bench, {
      datasets: `  silhouette-small: { path: silhouette-small.jsonl, classnames: ${classnames} }\n`,
      zeroshot: ', silhouette-small',
      prompts: '  pair: ["a photo of a {c}.", "an emoji of a {c}."]\n',
    }).replace('prompts: [single]', 'prompts: [single, pair]'),
  );
  const res = await run('clean');
  assert.equal(res.code, 0, res.stderr);
  clean = await results('clean');
});

after(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

const storeOf = (tag: string): string => path.join(work, `store-${tag}`);

function run(tag: string, extra: string[] = [], suite = suite1): Promise<CliResult> {
  return runCli(['run', suite, '--store', storeOf(tag), '--out', path.join(work, `out-${tag}`), '--threads', '1', '--no-report', '--quiet', ...extra]);
}

async function results(tag: string): Promise<{ json: string; csv: string }> {
  const out = path.join(work, `out-${tag}`);
  return { json: await fs.readFile(path.join(out, 'results.json'), 'utf8'), csv: await fs.readFile(path.join(out, 'results.csv'), 'utf8') };
}

/** A copy of the clean run's store (embeddings, text cache, units). */
async function copyOfClean(tag: string): Promise<string> {
  await fs.cp(storeOf('clean'), storeOf(tag), { recursive: true });
  return storeOf(tag);
}

async function chunkFiles(store: string): Promise<string[]> {
  const spaces = await fs.readdir(path.join(store, 'embeddings'));
  assert.equal(spaces.length, 1);
  const dir = path.join(store, 'embeddings', spaces[0], 'chunks');
  return (await fs.readdir(dir)).filter((n) => n.endsWith('.npy')).sort().map((n) => path.join(dir, n));
}

/** Flips the top mantissa bits of every float32 of a .npy's data (the header is 128 bytes here). */
async function flipMantissa(file: string): Promise<void> {
  const buf = await fs.readFile(file);
  for (let i = 128; i + 3 < buf.length; i += 4) buf[i + 2] ^= 0x40;
  await fs.writeFile(file, buf);
}

function assertDamageError(res: CliResult, file: string): void {
  assert.equal(res.code, 1, res.stderr);
  assert.ok(res.stderr.includes(file), `names ${file}: ${res.stderr}`);
  assert.match(res.stderr, /--repair/);
  assert.doesNotMatch(res.stderr, /unexpected error/);
}

async function assertRepairedIdentical(tag: string, file: string): Promise<CliResult> {
  const res = await run(tag, ['--repair']);
  assert.equal(res.code, 0, res.stderr);
  assert.ok(res.stderr.includes(file), `the warning names ${file}: ${res.stderr}`);
  assert.deepEqual(await results(tag), clean, 'byte-identical results.json and results.csv');
  return res;
}

test('integrity: flipped mantissa bits in an embedding chunk are an error naming the chunk; --repair gives the clean results', { skip }, async () => {
  // The embeddings only (a shard), then the damage, then the metric units would be computed from it.
  assert.equal((await run('flip', ['--shard', '1/1'])).code, 0);
  const chunk = (await chunkFiles(storeOf('flip')))[0];
  await flipMantissa(chunk);
  assertDamageError(await run('flip'), chunk);
  await assertRepairedIdentical('flip', chunk);
});

test('integrity: a truncated embedding chunk is an error naming it; --repair re-embeds it and recomputes only the units that read it', { skip }, async () => {
  const store = await copyOfClean('trunc');
  const chunk = (await chunkFiles(store))[1];
  const buf = await fs.readFile(chunk);
  await fs.writeFile(chunk, buf.subarray(0, buf.length - 100));
  assertDamageError(await run('trunc'), chunk);
  const res = await assertRepairedIdentical('trunc', chunk);
  assert.match(res.stdout, /metric units +3: 2 computed, 1 already done/, 'zero-shot on shift-small did not read the chunk');
  assert.match(res.stderr, /unit calibration: the embedding chunk .* it read was removed; recomputing it/);
});

test('integrity: a damaged text-cache entry is an error naming it; --repair recomputes it', { skip }, async () => {
  const store = await copyOfClean('text');
  await fs.rm(path.join(store, 'units'), { recursive: true }); // so the class head is read again
  const npy = (await fs.readdir(path.join(store, 'text'))).filter((n) => n.endsWith('.npy')).map((n) => path.join(store, 'text', n))[0];
  await flipMantissa(npy);
  assertDamageError(await run('text'), npy);
  await assertRepairedIdentical('text', npy);
});

test('integrity: an edited unit result.json is an error naming it; --repair recomputes the unit', { skip }, async () => {
  const store = await copyOfClean('unit');
  const index = JSON.parse(await fs.readFile(path.join(work, 'out-clean', 'units.json'), 'utf8')) as Array<{ unit: string; dir: string }>;
  const dir = index.find((u) => u.unit === 'base|zeroshot|shift-small|single')!.dir.replace(storeOf('clean'), store);
  const file = path.join(dir, 'result.json');
  const result = JSON.parse(await fs.readFile(file, 'utf8')) as { metrics: { top1: number } };
  result.metrics.top1 = 0.999; // valid JSON, a plausible number: only the checksum can tell
  await fs.writeFile(file, JSON.stringify(result, null, 2));
  assertDamageError(await run('unit'), file);
  const res = await assertRepairedIdentical('unit', file);
  assert.match(res.stdout, /metric units +\d+: 1 computed/);
});

test('integrity: a unit computed from embeddings that are later repaired is computed again', { skip }, async () => {
  assert.equal((await run('stale', ['--shard', '1/1'])).code, 0);
  const chunk = (await chunkFiles(storeOf('stale')))[0];
  const keysFile = chunk.replace(/\.npy$/, '.keys.json');
  // Damage no checksum can catch: a chunk as an older holoclip wrote it (no sha256), with flipped bits.
  const keys = JSON.parse(await fs.readFile(keysFile, 'utf8')) as Record<string, unknown>;
  delete keys.sha256;
  delete keys.check;
  await fs.writeFile(keysFile, JSON.stringify(keys));
  await flipMantissa(chunk);
  const damaged = await run('stale');
  assert.equal(damaged.code, 0, damaged.stderr);
  assert.match(damaged.stderr, /without checksums/);
  assert.notDeepEqual(await results('stale'), clean, 'the damaged rows changed the numbers');
  // The chunk is repaired (removed; the next run embeds its images again).
  await fs.rm(chunk);
  await fs.rm(keysFile);
  const repaired = await run('stale');
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.doesNotMatch(repaired.stdout, / 0 computed/, 'the units that read the damaged rows are computed again');
  assert.deepEqual(await results('stale'), clean);
});

test('integrity: store verify finds every kind of damage, --repair removes exactly those entries, and a run restores the results', { skip }, async () => {
  const store = await copyOfClean('verify');
  const ok = await runCli(['store', 'verify', '--store', store, '--quiet']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /damaged +0/);
  const [flipped, truncated] = await chunkFiles(store);
  await flipMantissa(flipped);
  const buf = await fs.readFile(truncated);
  await fs.writeFile(truncated, buf.subarray(0, 200));
  const textNpy = (await fs.readdir(path.join(store, 'text'))).filter((n) => n.endsWith('.npy')).map((n) => path.join(store, 'text', n))[0];
  await flipMantissa(textNpy);
  const unitDir = path.join(store, 'units', (await fs.readdir(path.join(store, 'units')))[0]);
  const result = path.join(unitDir, 'result.json');
  await fs.appendFile(result, ' '); // still valid JSON: only the checksum can tell
  const second = path.join(store, 'units', (await fs.readdir(path.join(store, 'units')))[1]);
  await fs.writeFile(path.join(second, 'notes.txt'), 'added later');

  const found = await runCli(['store', 'verify', '--store', store]);
  assert.equal(found.code, 1, found.stderr);
  assert.match(found.stderr, /verifying store/, 'a progress line');
  assert.match(found.stdout, /damaged +5/);
  for (const [file, what] of [
    [flipped, /sha256 mismatch/],
    [truncated, /truncated/],
    [textNpy, /sha256 mismatch/],
    [result, /sha256 mismatch/],
    [path.join(second, 'notes.txt'), /not listed/],
  ] as const) {
    const line = found.stdout.split('\n').find((l) => l.includes(file));
    assert.ok(line && what.test(line), `reports ${file}: ${found.stdout}`);
  }
  assert.match(found.stderr, /store verify --repair/);

  const repaired = await runCli(['store', 'verify', '--store', store, '--repair', '--quiet']);
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.match(repaired.stdout, /removed the 5 damaged entries/);
  const again = await runCli(['store', 'verify', '--store', store, '--quiet']);
  assert.equal(again.code, 0, again.stdout);
  assert.match(again.stdout, /damaged +0/);
  const res = await run('verify');
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(await results('verify'), clean);
});

test('integrity: eval zeroshot with a damaged chunk is an error naming it; --repair re-embeds it and writes the same logits', { skip }, async () => {
  const store = storeOf('eval');
  const evalArgs = (out: string, extra: string[] = []): string[] => [
    'eval', 'zeroshot', '--model', path.join(ZOO, 'base'), '--data', path.join(work, 'train-small.jsonl'), '--classnames', classnamesFile,
    '--store', store, '--out', path.join(work, out), '--threads', '1', '--quiet', ...extra,
  ];
  const first = await runCli(evalArgs('eval-1'));
  assert.equal(first.code, 0, first.stderr);
  const chunk = (await chunkFiles(store))[0];
  await flipMantissa(chunk);
  assertDamageError(await runCli(evalArgs('eval-2')), chunk);
  const repaired = await runCli(evalArgs('eval-2', ['--repair']));
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.ok(repaired.stderr.includes(chunk), repaired.stderr);
  for (const f of ['logits.npy', 'predictions.jsonl']) {
    assert.ok((await fs.readFile(path.join(work, 'eval-1', f))).equals(await fs.readFile(path.join(work, 'eval-2', f))), `${f} byte-identical`);
  }
});

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

test('integrity: store gc lists what no given suite references (dry run) and removes only that with --apply', { skip }, async () => {
  const store = await copyOfClean('gc');
  const before1 = await listTree(store);
  const res2 = await run('gc', [], suite2);
  assert.equal(res2.code, 0, res2.stderr);
  // Files that are not store entries: never listed nor removed.
  await fs.writeFile(path.join(store, 'notes.txt'), 'mine');
  await fs.writeFile(path.join(store, 'units', 'README'), 'mine');
  await fs.writeFile(path.join(store, 'text', 'notes.tmp-2024.txt'), 'mine');
  const full = await listTree(store);

  const both = await runCli(['store', 'gc', suite1, suite2, '--store', store, '--quiet']);
  assert.equal(both.code, 0, both.stderr);
  assert.match(both.stdout, /nothing to remove/);

  const dry = await runCli(['store', 'gc', suite1, '--store', store, '--quiet']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /dry run: nothing removed/);
  assert.match(dry.stdout, /embedding chunk/);
  assert.match(dry.stdout, /text-cache entry/);
  assert.match(dry.stdout, /metric unit/);
  assert.match(dry.stdout, /\d+(\.\d)? (B|KiB|MiB)/, 'sizes');
  assert.deepEqual(await listTree(store), full, 'a dry run removes nothing');

  const applied = await runCli(['store', 'gc', suite1, '--store', store, '--apply', '--quiet']);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /removed \d+ entries/);
  const left = await listTree(store);
  for (const mine of ['notes.txt', path.join('units', 'README'), path.join('text', 'notes.tmp-2024.txt')]) assert.ok(left.includes(mine), `${mine} kept`);
  const entriesLeft = left.filter((f) => !['notes.txt', path.join('units', 'README'), path.join('text', 'notes.tmp-2024.txt')].includes(f) && !f.startsWith('index'));
  assert.deepEqual(entriesLeft, before1.filter((f) => !f.startsWith('index')), 'exactly the entries of suite 1 are left');

  const warm = await run('gc');
  assert.equal(warm.code, 0, warm.stderr);
  assert.match(warm.stdout, /0 images inferred/);
  assert.match(warm.stdout, /metric units +(\d+): 0 computed, \1 already done/);
  assert.deepEqual(await results('gc'), clean);
});
