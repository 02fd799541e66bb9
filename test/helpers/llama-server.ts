/**
 * A real llama.cpp server (llama-server from Debian sid's llama.cpp-tools, in the chroot built by
 * tools/test-env/setup.sh) serving the committed tiny multimodal Gemma3 (models/lmm/tiny-gemma3). Started and stopped
 * by the tests. A missing chroot is a test failure that says how to build it, never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './fixtures.js';

export const TEST_ENV = process.env.HOLOCLIP_TEST_ENV ?? path.join(os.homedir(), '.cache', 'holoclip-test-env');
export const CHROOT = path.join(TEST_ENV, 'sid');
const MODEL_DIR = path.join(REPO_ROOT, 'models', 'lmm', 'tiny-gemma3');
/** The name the server reports (--alias): stable across restarts, so cached answers stay valid. */
export const TINY_ALIAS = 'tiny-gemma3';

/** Throws (fails the test) when the chroot with llama-server is missing or unusable here. */
export function requireLlamaServer(): void {
  const bin = path.join(CHROOT, 'usr', 'bin', 'llama-server');
  if (!existsSync(bin) || !existsSync(path.join(CHROOT, '.holoclip-ready'))) {
    throw new Error(`llama-server is missing: ${bin} not found. Run tools/test-env/setup.sh (as root) to build the test environment (HOLOCLIP_TEST_ENV=${TEST_ENV}).`);
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('the LMM end-to-end tests start llama-server with chroot, which needs root (as in CI)');
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface LlamaServer {
  readonly url: string;
  readonly port: number;
  readonly log: () => string;
  /** llama.cpp's `n_decode_total` (from /metrics): grows with every request the server works on. */
  decodes(): Promise<number>;
  /** SIGKILL (the server dies mid-request). */
  kill(): Promise<void>;
  /** SIGTERM, then remove the model copy. */
  stop(): Promise<void>;
}

/** Start llama-server on a free port with the tiny model; resolves when /health says ok (bounded). */
export async function startLlamaServer(o: { parallel?: number; mmproj?: boolean; port?: number } = {}): Promise<LlamaServer> {
  requireLlamaServer();
  // The model files must be inside the chroot: a private copy per server.
  const inside = `/tmp/holoclip-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const host = path.join(CHROOT, inside);
  await fs.mkdir(host, { recursive: true });
  for (const f of ['tiny-gemma3.gguf', 'mmproj-tiny-gemma3.gguf']) await fs.copyFile(path.join(MODEL_DIR, f), path.join(host, f));
  const port = o.port ?? (await freePort());
  const args = [CHROOT, '/usr/bin/llama-server', '-m', `${inside}/tiny-gemma3.gguf`, ...(o.mmproj === false ? [] : ['--mmproj', `${inside}/mmproj-tiny-gemma3.gguf`]), '--alias', TINY_ALIAS, '--host', '127.0.0.1', '--port', String(port), '-t', '1', '-c', String(2048 * (o.parallel ?? 2)), '--parallel', String(o.parallel ?? 2), '--metrics'];
  const child: ChildProcess = spawn('chroot', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  const url = `http://127.0.0.1:${port}`;
  const cleanup = async () => {
    await fs.rm(host, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      await cleanup();
      throw new Error(`llama-server exited before it was healthy:\n${log.slice(-2000)}`);
    }
    try {
      const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exit;
      await cleanup();
      throw new Error(`llama-server was not healthy within 60 s:\n${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const end = async (signal: NodeJS.Signals) => {
    if (!exited) child.kill(signal);
    await exit;
    await cleanup();
  };
  const decodes = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const m = /^llamacpp:n_decode_total (\d+)/m.exec(text);
    if (!m) throw new Error(`no llamacpp:n_decode_total in ${url}/metrics`);
    return Number(m[1]);
  };
  return { url, port, log: () => log, decodes, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}
