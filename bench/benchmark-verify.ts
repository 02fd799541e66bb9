/**
 * The cost of verifying a built benchmark against its manifest (every file's sha256, plus a listing for files
 * not in it), which `holoclip bench build` and every `holoclip run` of a suite naming built-in splits pay before
 * reusing the build. Builds emoji-shift into a temp folder if no folder is given, then verifies it 5 times.
 *
 *   node --import tsx bench/benchmark-verify.ts [BUILT_EMOJI_SHIFT_FOLDER]
 */
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { damagedFiles } from '../src/benchmarks/build-integrity.js';
import { buildEmojiShift, type EmojiShiftManifest } from '../src/benchmarks/emoji-shift/build.js';

async function main(): Promise<void> {
  const given = process.argv[2];
  const work = given ? null : await mkdtemp(path.join(os.tmpdir(), 'holoclip-bench-verify-'));
  const root = given ? path.resolve(given) : path.join(work as string, 'emoji-shift');
  try {
    if (!given) await buildEmojiShift({ out: root });
    const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')) as EmojiShiftManifest;
    const files = Object.keys(manifest.files_sha256);
    const bytes = files.reduce((n, f) => n + statSync(path.join(root, f)).size, 0);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const damaged = await damagedFiles(root, manifest.files_sha256);
      times.push(performance.now() - t0);
      if (damaged.length > 0) throw new Error(`${root} is damaged: ${damaged.slice(0, 3).join(', ')}`);
    }
    times.sort((a, b) => a - b);
    process.stdout.write(`verify ${root}: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB; median ${times[2].toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[4].toFixed(0)}) over 5 runs\n`);
  } finally {
    if (work) await rm(work, { recursive: true, force: true });
  }
}

await main();
