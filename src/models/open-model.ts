/** Open any model folder holoclip evaluates: a CLIP-family two-tower model or an image classifier. */
import path from 'node:path';
import { ClipFamilyModel } from './clip-model.js';
import type { ResolvedDevice } from './device.js';
import type { Dtype } from './dtype.js';
import { ImageClassifierModel, inspectClassifierFolder, isClassifierConfig } from './image-classifier.js';
import { readConfig, type InspectedModel } from './inspect-model.js';

export { inspectAnyModel, type InspectedModel } from './inspect-model.js';

export type AnyModel = ClipFamilyModel | ImageClassifierModel;

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
