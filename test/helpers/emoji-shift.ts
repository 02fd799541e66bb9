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

export interface SmallSuiteOptions {
  /** The suite's `name` and `description`. */
  name: string;
  description: string;
  /** Images per class of the in-distribution manifest (the shift manifests take one per class). */
  trainPerClass: number;
  /** Write `benchmarks_dir` (the emoji-shift build's parent folder) into the suite. */
  benchmarksDir: boolean;
}

/**
 * Writes, in `work`, three small manifests of an emoji-shift build (train-small: noto, shift-small: fluent-3d,
 * silhouette-small: silhouette) and a suite of three zoo models (CLIP, SigLIP, classifier) running every task on
 * them; returns the suite file.
 */
export async function writeSmallSuite(work: string, bench: string, zoo: string, o: SmallSuiteOptions): Promise<string> {
  await writeStyleManifest(bench, path.join(work, 'train-small.jsonl'), 'noto', o.trainPerClass);
  await writeStyleManifest(bench, path.join(work, 'shift-small.jsonl'), 'fluent-3d', 1);
  await writeStyleManifest(bench, path.join(work, 'silhouette-small.jsonl'), 'silhouette', 1);
  const classnames = JSON.stringify(path.join(bench, 'classnames.txt'));
  const suite = path.join(work, 'suite.yaml');
  await fs.writeFile(
    suite,
    `name: ${o.name}
description: ${o.description}
reference: base
${o.benchmarksDir ? `benchmarks_dir: ${JSON.stringify(path.dirname(bench))}\n` : ''}models:
  - path: ${JSON.stringify(path.join(zoo, 'base'))}
  - path: ${JSON.stringify(path.join(zoo, 'loss-sigmoid'))}
  - path: ${JSON.stringify(path.join(zoo, 'finetuned-classifier'))}
    name: classifier
datasets:
  train-small: { path: train-small.jsonl, classnames: ${classnames} }
  shift-small: { path: shift-small.jsonl, classnames: ${classnames} }
  silhouette-small: { path: silhouette-small.jsonl, classnames: ${classnames} }
  near-ood: ${JSON.stringify(path.join(bench, 'near-ood'))}
  cue-conflict: ${JSON.stringify(path.join(bench, 'cue-conflict'))}
  retrieval: ${JSON.stringify(path.join(bench, 'retrieval', 'captions.jsonl'))}
prompts:
  single: ["a photo of a {c}."]
  pair: ["a photo of a {c}.", "an emoji of a {c}."]
tasks:
  - type: zeroshot
    datasets: [train-small, shift-small, silhouette-small]
    prompts: [single, pair]
  - type: effective-robustness
    id_dataset: train-small
    shifts: [shift-small, silhouette-small]
  - type: calibration
    dataset: train-small
    shifts: [shift-small]
  - type: ood
    dataset: shift-small
    ood: [near-ood]
  - type: shape-bias
    dataset: cue-conflict
  - type: retrieval
    dataset: retrieval
`,
  );
  return suite;
}
