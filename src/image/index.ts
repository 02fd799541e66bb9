/**
 * Public surface of holoclip's image decoding + preprocessing.
 *
 * createPreprocessor(modelDir, 'fast' | 'reference') reads <modelDir>/preprocessor_config.json and returns an
 * ImagePreprocessor turning encoded images into CHW float32 tensors exactly as transformers.js would
 * ('reference' runs transformers.js itself; 'fast' reproduces it with one sharp pass + one loop).
 */
import { HoloclipError } from '../errors.js';
import { FastPreprocessor } from './fast-preprocessor.js';
import { describePreprocess, loadPreprocessSpec, type PreprocessMode } from './preprocess-spec.js';
import { ReferencePreprocessor } from './reference-preprocessor.js';
import type { ImagePreprocessor } from './types.js';

export {
  parsePreprocessSpec,
  loadPreprocessSpec,
  describePreprocess,
  resizeTarget,
  type PreprocessSpec,
  type PreprocessMode,
  type ResizeSpec,
  type PilResample,
} from './preprocess-spec.js';
export type { ImagePreprocessor } from './types.js';

export async function createPreprocessor(modelDir: string, mode: PreprocessMode): Promise<ImagePreprocessor> {
  if (mode !== 'fast' && mode !== 'reference') {
    throw new HoloclipError(`unknown preprocessing mode ${JSON.stringify(mode)} (expected "fast" or "reference")`);
  }
  const spec = await loadPreprocessSpec(modelDir);
  const description = describePreprocess(spec, mode);
  if (mode === 'fast') return new FastPreprocessor(spec, description);
  return ReferencePreprocessor.create(modelDir, spec, description);
}
