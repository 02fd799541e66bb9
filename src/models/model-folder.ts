/**
 * Inspect a local model folder in the Hugging Face / transformers.js ONNX layout and say
 * precisely what is wrong when it is not usable. No model is loaded here.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../errors.js';
import { describeFsError } from '../util/fs-errors.js';
import { checkModelConfigDimensions, checkPreprocessorDimensions } from './config-dimensions.js';
import { DTYPES, type Dtype, towerFileName } from './dtype.js';
import { MODEL_FAMILIES, type ModelFamily, supportedModelTypes } from './families.js';

export const EXPECTED_LAYOUT =
  'config.json, preprocessor_config.json, tokenizer.json, tokenizer_config.json, onnx/vision_model*.onnx, onnx/text_model*.onnx (optional onnx/model.onnx)';

export interface ModelFiles {
  readonly config: string;
  readonly preprocessorConfig: string;
  readonly tokenizer: string;
  readonly tokenizerConfig: string;
  readonly vision: string;
  readonly text: string;
  /** The combined model (both towers + learned logit scale), if present. Always the fp32 file. */
  readonly combined: string | null;
  readonly modelCard: string | null;
}

export interface ModelFolder {
  /** Absolute path of the folder. */
  readonly dir: string;
  readonly dtype: Dtype;
  readonly family: ModelFamily;
  readonly config: Readonly<Record<string, unknown>>;
  /** Absolute paths of the files this model uses for this dtype. */
  readonly files: ModelFiles;
  /** dtypes for which both tower files exist. */
  readonly availableDtypes: Dtype[];
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * A file the model needs must be a regular file (or a link to one): a folder in its place (EISDIR when read) is
 * reported here, naming it, before anything is loaded.
 */
export async function requireRegularFile(file: string, what: string): Promise<void> {
  let st;
  try {
    st = await fs.stat(file);
  } catch (err) {
    throw new HoloclipError(describeFsError(err, `read the ${what} ${file}`) ?? `cannot read the ${what} ${file}: ${errorMessage(err)}`, { cause: err });
  }
  if (st.isDirectory()) throw new HoloclipError(`the ${what} ${file} is a folder, not a file; replace it with the exported file (or remove it)`);
  if (!st.isFile()) throw new HoloclipError(`the ${what} ${file} is not a regular file; replace it with the exported file`);
}

/** A JSON file's value, or undefined when it cannot be read or parsed (the reader of that file reports why). */
export async function readJsonLeniently(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

async function readJsonFile(file: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new HoloclipError(`cannot read ${what} ${file}: ${errorMessage(err)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HoloclipError(`${what} ${file} is not valid JSON: ${errorMessage(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HoloclipError(`${what} ${file} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

export async function inspectModelFolder(dirArg: string, dtype: Dtype = 'fp32'): Promise<ModelFolder> {
  const dir = path.resolve(dirArg);
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch {
    throw new HoloclipError(`model folder ${dir} does not exist (expected a folder with ${EXPECTED_LAYOUT})`);
  }
  if (!stat.isDirectory()) {
    throw new HoloclipError(`model path ${dir} is not a folder (expected a folder with ${EXPECTED_LAYOUT})`);
  }
  const file = (rel: string) => path.join(dir, rel);
  const required: Array<[string, string]> = [
    ['config.json', 'model config'],
    ['preprocessor_config.json', 'image preprocessing config'],
    ['tokenizer.json', 'tokenizer'],
    ['tokenizer_config.json', 'tokenizer config'],
  ];
  const missing: string[] = [];
  for (const [rel] of required) if (!(await exists(file(rel)))) missing.push(rel);
  for (const [rel, what] of required) if (!missing.includes(rel)) await requireRegularFile(file(rel), what);
  if (missing.length > 0) {
    throw new HoloclipError(
      `${dir} is not a usable model folder: missing ${missing.join(', ')} (expected ${EXPECTED_LAYOUT})`,
    );
  }
  const config = await readJsonFile(file('config.json'), 'model config');
  const modelType = config.model_type;
  if (typeof modelType !== 'string') {
    throw new HoloclipError(`model config ${file('config.json')} has no "model_type" (expected one of ${supportedModelTypes().join(', ')})`);
  }
  checkModelConfigDimensions(config, file('config.json'));
  checkPreprocessorDimensions(await readJsonLeniently(file('preprocessor_config.json')), file('preprocessor_config.json'));
  const family = MODEL_FAMILIES[modelType];
  if (!family) {
    throw new HoloclipError(
      `model config ${file('config.json')} has model_type "${modelType}", which holoclip does not support (supported: ${supportedModelTypes().join(', ')})`,
    );
  }
  const availableDtypes: Dtype[] = [];
  for (const d of DTYPES) {
    if ((await exists(file(towerFileName('vision_model', d)))) && (await exists(file(towerFileName('text_model', d))))) {
      availableDtypes.push(d);
    }
  }
  const vision = file(towerFileName('vision_model', dtype));
  const text = file(towerFileName('text_model', dtype));
  const missingTowers = [];
  if (!(await exists(vision))) missingTowers.push(towerFileName('vision_model', dtype));
  if (!(await exists(text))) missingTowers.push(towerFileName('text_model', dtype));
  if (missingTowers.length === 0) {
    await requireRegularFile(vision, 'vision tower');
    await requireRegularFile(text, 'text tower');
  }
  if (missingTowers.length > 0) {
    const avail = availableDtypes.length > 0 ? `available dtypes: ${availableDtypes.join(', ')}` : 'no complete tower pair found in onnx/';
    throw new HoloclipError(`${dir} has no ${missingTowers.join(' or ')} for --dtype ${dtype} (${avail})`);
  }
  const combinedPath = file('onnx/model.onnx');
  if (await exists(combinedPath)) await requireRegularFile(combinedPath, 'combined model');
  const cardPath = file('holoclip.json');
  return {
    dir,
    dtype,
    family,
    config,
    availableDtypes,
    files: {
      config: file('config.json'),
      preprocessorConfig: file('preprocessor_config.json'),
      tokenizer: file('tokenizer.json'),
      tokenizerConfig: file('tokenizer_config.json'),
      vision,
      text,
      combined: (await exists(combinedPath)) ? combinedPath : null,
      modelCard: (await exists(cardPath)) ? cardPath : null,
    },
  };
}
