/** Paths of the committed fixture models (built by tools/fixtures/build_fixtures.py) and their torch references. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURE_MODELS = ['tiny-clip', 'tiny-siglip'] as const;
export type FixtureModel = (typeof FIXTURE_MODELS)[number];

export function fixtureDir(name: FixtureModel | 'tiny-depth' | 'tiny-classifier'): string {
  return path.join(REPO_ROOT, 'models', 'fixtures', name);
}

export function referenceDir(name: FixtureModel): string {
  return path.join(REPO_ROOT, 'models', 'fixtures', `${name}.reference`);
}

export interface FixtureReference {
  model_type: string;
  prompts: string[];
  logit_scale: number;
  logit_bias: number;
  max_length: number;
  input_ids_hf_python_truncation?: Record<string, number[]>;
}

export function readReference(name: FixtureModel): FixtureReference {
  return JSON.parse(readFileSync(path.join(referenceDir(name), 'reference.json'), 'utf8')) as FixtureReference;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Entry point for running the CLI from source in tests. */
export const CLI_ENTRY = path.join(REPO_ROOT, 'src', 'cli', 'entry.ts');
