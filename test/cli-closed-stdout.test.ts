/**
 * A reader that closes the pipe early (`holoclip score --help | head -3`) must end holoclip quietly: exit code 0
 * and nothing on stderr (no unhandled EPIPE stack trace), for help and for a command's own output alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeNpy } from '../src/store/npy.js';
import { BIN } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

/** Runs the built CLI with stdout a pipe whose reading end is closed at once, before holoclip writes anything. */
function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

test('a closed stdout ends holoclip quietly with exit code 0 (help, top-level help, a command\'s JSON)', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-epipe-'));
  try {
    const logits = path.join(dir, 'logits.npy');
    const labels = path.join(dir, 'labels.npy');
    await fs.writeFile(logits, encodeNpy(Float32Array.from({ length: 40 }, (_, i) => Math.sin(i)), [10, 4]));
    await fs.writeFile(labels, encodeNpy(Int32Array.from({ length: 10 }, (_, i) => i % 4), [10]));
    for (const args of [['score', '--help'], ['--help'], ['score', 'ece', '--logits', logits, '--labels', labels, '--json']]) {
      const r = await runIntoClosedPipe(args);
      assert.deepEqual({ code: r.code, signal: r.signal, stderr: r.stderr }, { code: 0, signal: null, stderr: '' }, args.join(' '));
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
