/**
 * One emoji-shift build shared by the test files that need it (built once per machine into the
 * temp folder; a later `bench build` of an up-to-date folder is a no-op).
 */
import assert from 'node:assert/strict';
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
