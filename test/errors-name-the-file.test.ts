/**
 * Issue 14, case 8: causes holoclip can know (disk full, read-only disk, permission, a folder where a model file
 * should be, a YAML alias bomb, an absurd config dimension) give one line that names the file or the field and
 * the fix, never "unexpected error"; a config error fails the same on a warm store as on a cold one.
 *
 * The disk tests mount small tmpfs file systems (we run as root); when mounting is impossible they FAIL saying so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeFsError, withErrorPath } from '../src/util/fs-errors.js';
import { BIN, runCli, type CliResult, writeTestImage } from './helpers/cli.js';
import { fixtureDir } from './helpers/fixtures.js';

let work = '';
/** A 32 KiB tmpfs: a run's store and results do not fit. */
let small = '';
/** A tmpfs remounted read-only, holding one folder made before. */
let readOnly = '';
let mountProblem: string | null = null;
let data = '';

function mount(dir: string, size: string): string | null {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? null : `mount -t tmpfs -o size=${size} tmpfs ${dir} failed (${r.error?.message ?? r.stderr.trim()}): these tests need root and mount`;
}

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-errors-'));
  data = path.join(work, 'data');
  for (let i = 0; i < 4; i++) await writeTestImage(path.join(data, i % 2 ? 'dog' : 'cat', `img${i}.png`), i + 1, 48, 40);
  small = path.join(work, 'small');
  readOnly = path.join(work, 'ro');
  await fs.mkdir(small);
  await fs.mkdir(readOnly);
  mountProblem = mount(small, '32k') ?? mount(readOnly, '1m');
  if (mountProblem === null) {
    await fs.mkdir(path.join(readOnly, 'existing'));
    const r = spawnSync('mount', ['-o', 'remount,ro', readOnly], { encoding: 'utf8' });
    if (r.status !== 0) mountProblem = `mount -o remount,ro ${readOnly} failed: ${r.stderr.trim()}`;
  }
});

after(async () => {
  for (const m of [small, readOnly]) if (m) spawnSync('umount', [m]);
  if (work) await fs.rm(work, { recursive: true, force: true });
});

function requireMounts(): void {
  if (mountProblem !== null) assert.fail(mountProblem);
}

/** The error output is one line `holoclip: ...` (no "unexpected error"). */
function oneLine(res: CliResult): string {
  assert.equal(res.code, 1, `expected exit code 1, got ${res.code}\n${res.stderr}`);
  const lines = res.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('holoclip: note:'));
  assert.equal(lines.length, 1, `expected one line:\n${res.stderr}`);
  assert.doesNotMatch(lines[0], /unexpected error/);
  assert.match(lines[0], /^holoclip: /);
  return lines[0];
}

function zeroshot(out: string, store: string, model = fixtureDir('tiny-clip')): string[] {
  return ['eval', 'zeroshot', '--model', model, '--data', data, '--out', out, '--store', store, '--quiet'];
}

test('ENOSPC: a full disk is one line naming the file being written and the fix', async () => {
  requireMounts();
  const res = await runCli(zeroshot(path.join(small, 'out'), path.join(small, 'store')));
  const line = oneLine(res);
  assert.match(line, new RegExp(`^holoclip: cannot (write|create the folder|open) ${small}/\\S+: the disk is full \\(ENOSPC\\); free space on that file system, or point --out / --store at another disk$`));
});

test('EROFS: a read-only --out is reported as read-only (not ENOENT) before any model runs, new or existing folder', async () => {
  requireMounts();
  const store = path.join(work, 'store-ro');
  const fresh = oneLine(await runCli(zeroshot(path.join(readOnly, 'new', 'out'), store)));
  assert.equal(fresh, `holoclip: --out ${path.join(readOnly, 'new', 'out')} is not writable (at ${readOnly}): the file system is read-only (EROFS); choose another --out on a writable disk`);
  const existing = oneLine(await runCli(zeroshot(path.join(readOnly, 'existing'), store)));
  assert.equal(existing, `holoclip: --out ${path.join(readOnly, 'existing')} is not writable: the file system is read-only (EROFS); choose another --out on a writable disk`);
  assert.equal(existsSync(store), false, 'stopped before the store was touched');
  // A store that cannot be created on a read-only disk is found as early.
  const line = oneLine(await runCli(zeroshot(path.join(work, 'out-ok'), path.join(readOnly, 'store'))));
  assert.equal(line, `holoclip: --store ${path.join(readOnly, 'store')} is not writable (at ${readOnly}): the file system is read-only (EROFS); choose another --store on a writable disk`);
});

test('EACCES: an --out the user may not write is reported as permission denied, naming the folder', async () => {
  const parent = path.join(work, 'locked');
  await fs.mkdir(parent);
  chmodSync(work, 0o755);
  chmodSync(parent, 0o555);
  try {
    const out = path.join(parent, 'out');
    const asRoot = process.getuid?.() === 0;
    const res = await new Promise<CliResult>((resolve, reject) => {
      // root may write anywhere: run the CLI as nobody, as a user would meet it
      const child = spawn(process.execPath, [BIN, ...zeroshot(out, path.join(parent, 'store'))], { stdio: ['ignore', 'pipe', 'pipe'], ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(oneLine(res), `holoclip: --out ${out} is not writable (at ${parent}): permission denied (EACCES); choose another --out, or fix the permissions (ls -ld)`);
  } finally {
    chmodSync(parent, 0o755);
    chmodSync(work, 0o700);
  }
});

test('EISDIR: a folder where onnx/vision_model.onnx should be is named before anything is loaded', async () => {
  const model = path.join(work, 'model-eisdir');
  await fs.cp(fixtureDir('tiny-clip'), model, { recursive: true });
  await fs.rm(path.join(model, 'onnx', 'vision_model.onnx'));
  await fs.mkdir(path.join(model, 'onnx', 'vision_model.onnx'));
  const line = oneLine(await runCli(zeroshot(path.join(work, 'out-eisdir'), path.join(work, 'store-eisdir'), model)));
  assert.equal(line, `holoclip: the vision tower ${path.join(model, 'onnx', 'vision_model.onnx')} is a folder, not a file; replace it with the exported file (or remove it)`);
});

test('a YAML alias bomb is one problem naming the suite file and the maxAliasCount limit', async () => {
  const file = path.join(work, 'bomb.yaml');
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  await fs.writeFile(file, `${levels.join('\n')}\n`);
  const res = await runCli(['suite', 'check', file]);
  assert.equal(res.code, 1, res.stderr);
  assert.doesNotMatch(res.stderr, /unexpected error/);
  assert.equal(
    res.stderr,
    `holoclip: ${file}: 1 problem; nothing was run:\n  - YAML: its aliases (*name) expand too far: the yaml library stops at maxAliasCount 100 (uses of one anchor x the aliases nested inside it), a guard against "billion laughs" alias bombs; write the repeated parts out or nest fewer aliases\n`,
  );
});

test('image_size: 20000 in config.json names the file and the field, and fails the same on a warm store as on a cold one', async () => {
  const model = path.join(work, 'model-huge');
  await fs.cp(fixtureDir('tiny-clip'), model, { recursive: true });
  const configFile = path.join(model, 'config.json');
  const config = JSON.parse(await fs.readFile(configFile, 'utf8')) as { vision_config: Record<string, unknown> };
  config.vision_config.image_size = 20000;
  await fs.writeFile(configFile, JSON.stringify(config, null, 2));
  const expected = `holoclip: model config ${configFile}: vision_config.image_size is 20000; expected a positive integer of at most 4096 pixels (holoclip's bound; CLIP-family models use 224 to 896 pixels); fix vision_config.image_size in that file`;
  // Warm: the store already holds everything the unchanged onnx files give (logit scale recovered, embeddings).
  const warm = path.join(work, 'store-warm');
  const first = await runCli(zeroshot(path.join(work, 'out-warm-0'), warm));
  assert.equal(first.code, 0, first.stderr);
  assert.equal(oneLine(await runCli(zeroshot(path.join(work, 'out-warm'), warm, model))), expected);
  assert.equal(oneLine(await runCli(zeroshot(path.join(work, 'out-cold'), path.join(work, 'store-cold'), model))), expected);
  // The same bound in a suite, at load time.
  const suite = path.join(work, 'huge.yaml');
  await fs.writeFile(suite, `name: huge\nmodels:\n  - path: ${JSON.stringify(model)}\ndatasets:\n  d: ${JSON.stringify(data)}\ntasks:\n  - type: zeroshot\n    datasets: [d]\n`);
  const res = await runCli(['suite', 'check', suite]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, new RegExp(`models\\[0\\]\\.path: model config ${configFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: vision_config\\.image_size is 20000`));
});

test('describeFsError: each known errno names the path (and a rename\'s destination) and a fix; unknown errors are left alone', () => {
  const err = (code: string, syscall: string, p?: string, dest?: string) => Object.assign(new Error(`${code}: x`), { code, syscall, ...(p ? { path: p } : {}), ...(dest ? { dest } : {}) });
  assert.equal(describeFsError(err('ENOSPC', 'write', '/o/a.npy')), 'cannot write /o/a.npy: the disk is full (ENOSPC); free space on that file system, or point --out / --store at another disk');
  assert.equal(describeFsError(err('EROFS', 'open', '/o/a')), 'cannot open /o/a: the file system is read-only (EROFS); point --out / --store at another disk (or remount it read-write)');
  assert.equal(describeFsError(err('EACCES', 'rename', '/o/a', '/o/b')), 'cannot move /o/a to /o/b: permission denied (EACCES); check the owner and mode of the file and of its folder (ls -ld), or choose another path');
  assert.match(describeFsError(err('EISDIR', 'read')) ?? '', /^cannot read a file \(which one is not known; HOLOCLIP_DEBUG=1 shows where\): it is a folder where a file is expected \(EISDIR\)/);
  assert.equal(describeFsError(new Error('boom')), null);
  assert.equal(describeFsError(err('EWHATEVER', 'open', '/x')), null);
  // A write on an open handle carries no path: the writer attaches it.
  const bare = err('ENOSPC', 'write');
  assert.equal(withErrorPath(bare, '/o/results.json'), bare);
  assert.match(describeFsError(bare) ?? '', /^cannot write \/o\/results\.json: the disk is full/);
});
