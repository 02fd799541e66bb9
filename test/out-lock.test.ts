/**
 * Issue 14, case 3 (the missing part): two holoclip runs into one output folder. The first holds
 * `<out>/.holoclip-lock` (pid, host, start time); the second stops before any work naming that pid; a lock left by
 * a dead process is taken over with a note; the lock is gone after a normal run, an error and SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { BIN, runCli, writeTestImage } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { writeTar } from './helpers/tar-writer.js';
import { withTempDir } from './helpers/temp-dir.js';

const LOCK = '.holoclip-lock';

async function dataset(dir: string, images = 2): Promise<string> {
  const data = path.join(dir, 'data');
  for (let i = 0; i < images; i++) await writeTestImage(path.join(data, i % 2 ? 'dog' : 'cat', `img${i}.png`), i + 1, 48, 40);
  return data;
}

function sleeper(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

async function writeLock(out: string, pid: number, host = hostname(), started = '2026-01-02T03:04:05.000Z'): Promise<void> {
  await fs.mkdir(out, { recursive: true });
  await fs.writeFile(path.join(out, LOCK), JSON.stringify({ pid, host, started }));
}

test('a live lock held by another process makes a second corrupt run fail fast, naming the pid, writing nothing', async () => {
  await withTempDir(async (dir) => {
    const data = await dataset(dir);
    const out = path.join(dir, 'out');
    const holder = sleeper();
    try {
      assert.ok(holder.pid);
      await writeLock(out, holder.pid);
      const res = await runCli(['corrupt', '--data', data, '--corruption', 'gaussian_noise:1', '--out', out, '--quiet']);
      assert.equal(res.code, 1, res.stderr);
      assert.match(res.stderr, new RegExp(`another holoclip run \\(pid ${holder.pid}, started 2026-01-02T03:04:05.000Z\\) is writing to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; wait for it or use another --out`));
      assert.deepEqual(await fs.readdir(out), [LOCK], 'nothing written next to the lock');
      assert.equal(JSON.parse(await fs.readFile(path.join(out, LOCK), 'utf8')).pid, holder.pid, 'the holder keeps its lock');
    } finally {
      holder.kill();
      await exited(holder);
    }
  });
});

test('a lock from another host is respected unless --force-unlock', async () => {
  await withTempDir(async (dir) => {
    const data = await dataset(dir);
    const out = path.join(dir, 'out');
    await writeLock(out, 12345, 'some-other-host.example');
    const res = await runCli(['corrupt', '--data', data, '--corruption', 'gaussian_noise:1', '--out', out, '--quiet']);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /pid 12345 on host some-other-host\.example.*--force-unlock/);
    const forced = await runCli(['corrupt', '--data', data, '--corruption', 'gaussian_noise:1', '--out', out, '--quiet', '--force-unlock']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok(!existsSync(path.join(out, LOCK)));
  });
});

test('a stale lock (dead pid on this host) is taken over with a note, and the lock is gone after the normal run', async () => {
  await withTempDir(async (dir) => {
    const data = await dataset(dir);
    const out = path.join(dir, 'out');
    const gone = sleeper();
    const pid = gone.pid as number;
    gone.kill();
    await exited(gone);
    await writeLock(out, pid);
    const res = await runCli(['corrupt', '--data', data, '--corruption', 'gaussian_noise:1', '--out', out, '--quiet']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, new RegExp(`taking over the lock of .* left by holoclip pid ${pid}`));
    assert.ok(existsSync(path.join(out, 'gaussian_noise', '1', 'cat', 'img0.png')), 'the run did its work');
    assert.ok(!existsSync(path.join(out, LOCK)), 'released after a normal run');
  });
});

test('the lock exists while a run works and is gone after an error and after SIGTERM', async () => {
  await withTempDir(async (dir) => {
    // An error thrown after the lock is taken: a WebDataset member that would escape --out.
    const data = await dataset(dir, 8);
    const bytes = await fs.readFile(path.join(data, 'cat', 'img0.png'));
    const wds = path.join(dir, 'wds');
    await fs.mkdir(path.join(wds, 'test'), { recursive: true });
    await fs.writeFile(path.join(wds, 'classnames.txt'), 'cat\ndog\n');
    await writeTar(path.join(wds, 'test', '0.tar'), [
      { name: '../../escape.png', data: bytes },
      { name: '../../escape.cls', data: Buffer.from('1') },
    ]);
    const outErr = path.join(dir, 'out-err');
    const res = await runCli(['corrupt', '--data', `webdataset:${wds}`, '--corruption', 'gaussian_noise:1', '--out', outErr, '--quiet']);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /escape/);
    // It took the lock (the error comes from writing a member), then released it and removed the folder it had
    // made, empty; an output folder that existed before is kept, empty or not.
    assert.ok(!existsSync(outErr), 'the empty output folder the failed run made is removed with its lock');
    const outKept = path.join(dir, 'out-kept');
    await fs.mkdir(outKept);
    const again = await runCli(['corrupt', '--data', `webdataset:${wds}`, '--corruption', 'gaussian_noise:1', '--out', outKept, '--quiet']);
    assert.equal(again.code, 1, again.stderr);
    assert.deepEqual(await fs.readdir(outKept), [], 'released after an error; the folder stays');

    // SIGTERM in the middle of a long run: the lock is seen while it works, and is gone after.
    const out = path.join(dir, 'out-term');
    const child = spawn(process.execPath, [BIN, 'corrupt', '--data', data, '--corruption', 'all', '--out', out, '--quiet'], { cwd: REPO_ROOT, stdio: 'ignore' });
    try {
      const lock = path.join(out, LOCK);
      const t0 = Date.now();
      while (!existsSync(lock) && child.exitCode === null && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
      assert.ok(existsSync(lock), 'the running corrupt holds <out>/.holoclip-lock');
      assert.equal(JSON.parse(await fs.readFile(lock, 'utf8')).pid, child.pid);
      child.kill('SIGTERM');
      await exited(child);
      assert.equal(child.exitCode, 143);
      assert.ok(!existsSync(lock), 'released after SIGTERM');
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
  });
});
