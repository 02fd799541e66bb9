/**
 * Writes test/golden/score-cli/outputs.json: the `--json` output of `holoclip score ece|nll|brier|temperature` on the
 * fixture of test/helpers/score-fixture.ts, run by the CLI given (the goldens were made by main at 48f2d22, the JS
 * row loops with Math.exp, built in a separate tree), with `created` removed and the fixture's folder written as
 * <dir>. test/score-wasm-exp.test.ts runs this worktree's CLI the same way and requires the same text.
 *
 *   node --import tsx tools/goldens/make_score_cli_goldens.ts /path/to/main-build/bin/holoclip.js 'main 48f2d22'
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeNpyAtomic } from '../../src/store/npy.js';
import { SCORE_FIXTURE_COLS, SCORE_FIXTURE_ROWS, scoreFixture } from '../../test/helpers/score-fixture.js';

/** Case name -> the score arguments after the metric's files. */
export const SCORE_CLI_CASES: Record<string, string[]> = {
  'ece T=1': ['ece'],
  'ece T=0.37': ['ece', '--temperature', '0.37'],
  'nll T=1': ['nll'],
  'nll T=2.5': ['nll', '--temperature', '2.5'],
  'brier T=1': ['brier'],
  'brier T=0.37 bins=10': ['brier', '--temperature', '0.37', '--bins', '10'],
  temperature: ['temperature'],
};

/** A run's stdout as the goldens keep it. */
export function normalizeScoreOutput(stdout: string, dir: string): string {
  const parsed = JSON.parse(stdout) as Record<string, unknown>;
  delete parsed.created;
  return JSON.stringify(parsed, null, 2).split(dir).join('<dir>');
}

export async function writeScoreFixture(dir: string): Promise<{ logits: string; labels: string }> {
  const { logits, labels } = scoreFixture();
  const files = { logits: path.join(dir, 'logits.npy'), labels: path.join(dir, 'labels.npy') };
  await writeNpyAtomic(files.logits, logits, [SCORE_FIXTURE_ROWS, SCORE_FIXTURE_COLS]);
  await writeNpyAtomic(files.labels, labels, [SCORE_FIXTURE_ROWS]);
  return files;
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith('make_score_cli_goldens.ts')) {
  const bin = process.argv[2];
  const label = process.argv[3] ?? bin;
  if (!bin) throw new Error('usage: make_score_cli_goldens.ts PATH/TO/bin/holoclip.js [LABEL]');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'holoclip-score-goldens-'));
  try {
    const files = await writeScoreFixture(dir);
    const outputs: Record<string, string> = {};
    for (const [name, args] of Object.entries(SCORE_CLI_CASES)) {
      const r = spawnSync(process.execPath, [bin, 'score', args[0], '--logits', files.logits, '--labels', files.labels, ...args.slice(1), '--json'], { encoding: 'utf8', timeout: 120_000 });
      if (r.error) throw r.error;
      if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
      outputs[name] = normalizeScoreOutput(r.stdout, dir);
    }
    const out = path.resolve(import.meta.dirname, '..', '..', 'test', 'golden', 'score-cli', 'outputs.json');
    writeFileSync(out, `${JSON.stringify({ made_by: `holoclip score, ${label}`, outputs }, null, 2)}\n`);
    console.log(`wrote ${out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
