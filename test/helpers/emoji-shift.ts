/**
 * One emoji-shift build shared by the test files that need it (built once per machine into the
 * temp folder; a later `bench build` of an up-to-date folder is a no-op).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EMOJI_SHIFT_VERSION } from '../../src/benchmarks/index.js';
import { runCli } from './cli.js';

export async function sharedEmojiShift(): Promise<string> {
  const out = path.join(os.tmpdir(), `holoclip-test-emoji-shift-${EMOJI_SHIFT_VERSION}`);
  const res = await runCli(['bench', 'build', 'emoji-shift', '--out', out, '--quiet']);
  assert.equal(res.code, 0, res.stderr);
  return out;
}

/** Writes a JSONL manifest ({"path", "label"}) of the first `perClass` images of each class in one style of a build. */
export async function writeStyleManifest(bench: string, file: string, style: string, perClass: number): Promise<void> {
  const classes = JSON.parse(await fs.readFile(path.join(bench, 'classes.json'), 'utf8')) as Array<{ folder: string; label: number }>;
  const lines = classes.flatMap((c) => Array.from({ length: perClass }, (_, k) => JSON.stringify({ path: path.join(bench, 'domains', style, c.folder, `${k}.png`), label: c.label })));
  await fs.writeFile(file, `${lines.join('\n')}\n`);
}
