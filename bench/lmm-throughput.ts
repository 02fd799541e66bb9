/**
 * `npm run bench:lmm`: `holoclip eval lmm` against a real llama-server serving the committed tiny multimodal Gemma3
 * (the chroot from tools/test-env/setup.sh; root). Prints questions/s at concurrency 1 and 4, the mean request time,
 * the server's own compute time per request (llama.cpp's `timings`), the difference (HTTP, JSON, base64, the
 * server's image decoding and preprocessing), holoclip's per-question preparation (read, hash, cache lookup) and a
 * warm rerun (every answer from the store).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeImageFolder, runCli } from '../test/helpers/cli.js';
import { fixtureDir } from '../test/helpers/fixtures.js';
import { startLlamaServer } from '../test/helpers/llama-server.js';

const IMAGES_PER_CLASS = 20;
const CLASSES = ['cat', 'dog', 'car', 'pen', 'can opener'];
const MAX_TOKENS = 64;

interface Timing {
  total_s: number;
  lookup_s: number;
  ask_s: number;
  questions_per_s: number | null;
  mean_request_s: number | null;
  mean_server_compute_s: number | null;
}

async function main(): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-bench-lmm-'));
  const server = await startLlamaServer({ parallel: 4 });
  try {
    const data = path.join(root, 'data');
    await makeImageFolder(data, CLASSES, IMAGES_PER_CLASS, { width: 224, height: 224 });
    const n = CLASSES.length * IMAGES_PER_CLASS;
    const run = async (store: string, out: string, concurrency: number): Promise<Timing> => {
      const r = await runCli(['eval', 'lmm', '--endpoint', server.url, '--surrogate', fixtureDir('tiny-clip'), '--data', data, '--store', path.join(root, store), '--out', path.join(root, out), '--max-tokens', String(MAX_TOKENS), '--concurrency', String(concurrency), '--quiet']);
      if (r.code !== 0) throw new Error(r.stderr);
      return (JSON.parse(await fs.readFile(path.join(root, out, 'result.json'), 'utf8')) as { timing: Timing }).timing;
    };
    const ms = (s: number | null) => (s === null ? 'n/a' : `${(s * 1000).toFixed(1)} ms`);
    console.log(`llama-server (Debian sid llama.cpp-tools) + models/lmm/tiny-gemma3, ${n} questions about 224x224 PNGs, max_tokens ${MAX_TOKENS}, --parallel 4, ${os.cpus().length} cores`);
    for (const c of [1, 4]) {
      const t = await run(`store-c${c}`, `run-c${c}`, c);
      const overhead = t.mean_request_s !== null && t.mean_server_compute_s !== null ? t.mean_request_s - t.mean_server_compute_s : null;
      console.log(`concurrency ${c}: ${t.questions_per_s?.toFixed(1)} questions/s; per request ${ms(t.mean_request_s)} (server compute ${ms(t.mean_server_compute_s)}, rest ${ms(overhead)}); holoclip preparation ${ms(t.lookup_s / n)} per question`);
    }
    const warm = await run('store-c4', 'run-warm', 4);
    console.log(`warm rerun (all ${n} answers from the store): ${ms(warm.lookup_s / n)} per question, lmm part ${(warm.lookup_s + warm.ask_s).toFixed(2)} s, command total ${warm.total_s.toFixed(2)} s`);
  } finally {
    await server.stop();
    await fs.rm(root, { recursive: true, force: true });
  }
}

await main();
