/** Open any model folder holoclip evaluates: a CLIP-family two-tower model or an image classifier. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ClipFamilyModel } from './clip-model.js';
import type { Dtype } from './dtype.js';
import { ImageClassifierModel, inspectClassifierFolder, isClassifierConfig } from './image-classifier.js';

export type AnyModel = ClipFamilyModel | ImageClassifierModel;

export async function openModel(dirArg: string, options: { dtype?: Dtype; threads?: number } = {}): Promise<AnyModel> {
  const dir = path.resolve(dirArg);
  const configFile = path.join(dir, 'config.json');
  let config: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(configFile, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) config = parsed as Record<string, unknown>;
  } catch {
    config = null; // inspectModelFolder reports a missing or broken config.json precisely
  }
  if (config && isClassifierConfig(config)) {
    const folder = await inspectClassifierFolder(dir, config, options.dtype ?? 'fp32');
    return new ImageClassifierModel(folder, options.threads);
  }
  return ClipFamilyModel.open(dir, options);
}
