/** Open any model folder holoclip evaluates: a CLIP-family two-tower model or an image classifier. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ClipFamilyModel } from './clip-model.js';
import type { ResolvedDevice } from './device.js';
import type { Dtype } from './dtype.js';
import { ImageClassifierModel, inspectClassifierFolder, isClassifierConfig, type ClassifierFolder } from './image-classifier.js';
import { inspectModelFolder, type ModelFolder } from './model-folder.js';

export type AnyModel = ClipFamilyModel | ImageClassifierModel;

/** What a model folder holds, without loading it: a two-tower folder or a classifier folder. */
export type InspectedModel = { kind: 'two-tower'; folder: ModelFolder } | { kind: 'classifier'; folder: ClassifierFolder };

async function readConfig(dir: string): Promise<Record<string, unknown> | null> {
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

export async function openModel(dirArg: string, options: { dtype?: Dtype; threads?: number; device?: ResolvedDevice; inspected?: InspectedModel } = {}): Promise<AnyModel> {
  const dir = path.resolve(dirArg);
  if (options.inspected?.kind === 'classifier') return new ImageClassifierModel(options.inspected.folder, options.threads, options.device);
  if (options.inspected) return ClipFamilyModel.fromFolder(options.inspected.folder, options);
  const config = await readConfig(dir);
  if (config && isClassifierConfig(config)) {
    const folder = await inspectClassifierFolder(dir, config, options.dtype ?? 'fp32');
    return new ImageClassifierModel(folder, options.threads, options.device);
  }
  return ClipFamilyModel.open(dir, options);
}
