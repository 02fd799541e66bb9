/** What a model folder holds (a CLIP-family two-tower folder or an image classifier), checked without loading it. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Dtype } from './dtype.js';
import { inspectClassifierFolder, isClassifierConfig, type ClassifierFolder } from './image-classifier.js';
import { inspectModelFolder, type ModelFolder } from './model-folder.js';

/** What a model folder holds, without loading it: a two-tower folder or a classifier folder. */
export type InspectedModel = { kind: 'two-tower'; folder: ModelFolder } | { kind: 'classifier'; folder: ClassifierFolder };

/** The folder's config.json as an object; null when it is missing or not an object (inspectModelFolder then says why). */
export async function readConfig(dir: string): Promise<Record<string, unknown> | null> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // inspectModelFolder reports a missing or broken config.json precisely
  }
  return null;
}

/** Checks a folder the way openModel would (same errors), without creating sessions. */
export async function inspectAnyModel(dirArg: string, dtype: Dtype = 'fp32'): Promise<InspectedModel> {
  const dir = path.resolve(dirArg);
  const config = await readConfig(dir);
  if (config && isClassifierConfig(config)) return { kind: 'classifier', folder: await inspectClassifierFolder(dir, config, dtype) };
  return { kind: 'two-tower', folder: await inspectModelFolder(dir, dtype) };
}
