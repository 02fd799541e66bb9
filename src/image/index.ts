/**
 * Public surface of holoclip's image decoding + preprocessing.
 *
 * createPreprocessor(modelDir, mode) reads <modelDir>/preprocessor_config.json and returns an ImagePreprocessor
 * turning encoded images into CHW float32 tensors:
 *  - 'fast': transformers.js reproduced with one sharp pass + one loop;
 *  - 'reference': transformers.js itself;
 *  - 'python': the Python pipeline (Pillow decode + resize, open_clip / timm / transformers crop and float steps);
 *  - 'auto': python when the folder has a `holoclip_preprocess` block, else fast.
 */
import { HoloclipError } from '../errors.js';
import { FastPreprocessor } from './fast-preprocessor.js';
import { describePreprocess, parsePreprocessSpec, PREPROCESS_CHOICES, readPreprocessorConfig, type PreprocessChoice, type PreprocessMode } from './preprocess-spec.js';
import { describePythonPipeline, hasPythonBlock, parsePythonPipeline } from './python-pipeline.js';
import { PythonPreprocessor } from './python-preprocessor.js';
import { ReferencePreprocessor } from './reference-preprocessor.js';
import type { ImagePreprocessor } from './types.js';

export {
  parsePreprocessSpec,
  loadPreprocessSpec,
  readPreprocessorConfig,
  describePreprocess,
  resizeTarget,
  PREPROCESS_CHOICES,
  type PreprocessSpec,
  type PreprocessMode,
  type PreprocessChoice,
  type ResizeSpec,
  type PilResample,
} from './preprocess-spec.js';
export { parsePythonPipeline, describePythonPipeline, hasPythonBlock, pythonResizeTarget, type PythonPipeline } from './python-pipeline.js';
export { decodeLikePillow } from './pil-decode.js';
export { checkImagePixels, readImageSize, isValidMaxImagePixels, DEFAULT_MAX_IMAGE_PIXELS, MAX_IMAGE_PIXELS_OPTION } from './pixel-limit.js';
export { pilResize, type PilFilter, type Raw8 } from './pil-resample.js';
export type { ImagePreprocessor } from './types.js';

function checkChoice(choice: string): asserts choice is PreprocessChoice {
  if (!(PREPROCESS_CHOICES as readonly string[]).includes(choice)) {
    throw new HoloclipError(`unknown preprocessing mode ${JSON.stringify(choice)} (expected one of ${PREPROCESS_CHOICES.join(', ')})`);
  }
}

/** The concrete mode `choice` means for the folder's parsed config (`auto`: python iff it has a holoclip_preprocess block). */
export function resolveModeFor(json: unknown, choice: PreprocessChoice): PreprocessMode {
  if (choice !== 'auto') return choice;
  return hasPythonBlock(json) ? 'python' : 'fast';
}

/** The concrete mode `choice` means for a model folder. */
export async function resolvePreprocessMode(modelDir: string, choice: PreprocessChoice): Promise<PreprocessMode> {
  checkChoice(choice);
  if (choice !== 'auto') return choice;
  return resolveModeFor((await readPreprocessorConfig(modelDir)).json, choice);
}

export async function createPreprocessor(modelDir: string, choice: PreprocessChoice): Promise<ImagePreprocessor> {
  checkChoice(choice);
  const { file, json } = await readPreprocessorConfig(modelDir);
  const mode = resolveModeFor(json, choice);
  if (mode === 'python') {
    const pipeline = parsePythonPipeline(json, file);
    return new PythonPreprocessor(pipeline, describePythonPipeline(pipeline));
  }
  const spec = parsePreprocessSpec(json, file);
  const description = describePreprocess(spec, mode);
  if (mode === 'fast') return new FastPreprocessor(spec, description);
  return ReferencePreprocessor.create(modelDir, spec, description);
}
