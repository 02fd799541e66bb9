/** Flags shared by every `eval` command, and their translation into CommonEvalOptions. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_MAX_IMAGE_PIXELS, PREPROCESS_CHOICES, type PreprocessChoice } from '../image/index.js';
import { DEVICES, type DeviceChoice } from '../models/device.js';
import { DTYPES, type Dtype } from '../models/dtype.js';
import { removeStaleTempFiles } from '../store/atomic.js';
import { acquireOutLock, type OutLock } from '../store/out-lock.js';
import { checkStoreFolder } from '../store/output-folder.js';
import type { CommonEvalOptions } from '../tasks/eval-context.js';
import type { ProgressSink } from '../util/progress.js';
import { finiteNumber, nonNegativeInt, positiveInt } from './arg-parsers.js';
import { createProgressDisplay } from './progress-display.js';

/** Help text of --preprocess (eval commands and `run`). */
export const PREPROCESS_HELP =
  'python: as the Python pipeline (Pillow decode + resize, open_clip / timm / transformers crop); fast: transformers.js reproduced with sharp; reference: transformers.js itself; auto: python when preprocessor_config.json has a holoclip_preprocess block, else fast';

export { finiteNumber, nonNegativeInt, positiveInt };

/** NAME=PATH (repeatable); a bare PATH is named after its last path component. */
export function namedPath(value: string, previous: Array<{ name: string; path: string }> = []): Array<{ name: string; path: string }> {
  const eq = value.indexOf('=');
  const entry = eq > 0 ? { name: value.slice(0, eq), path: value.slice(eq + 1) } : { name: value.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? value, path: value };
  if (entry.path === '') throw new InvalidArgumentError('expected NAME=PATH or PATH');
  if (previous.some((p) => p.name === entry.name)) throw new InvalidArgumentError(`the name "${entry.name}" is used twice; give NAME=PATH`);
  return [...previous, entry];
}

export interface ModelFlags {
  model: string;
  dtype: Dtype;
  batchSize: number;
  store: string;
  preprocess: PreprocessChoice;
  logitScale?: number;
  logitBias?: number;
  threads?: number;
  device: DeviceChoice;
  decodeWorkers?: number;
  maxImagePixels: number;
  quiet?: boolean;
  repair?: boolean;
}

/** Help text of --repair (eval commands and `run`). */
export const REPAIR_HELP =
  'a damaged store entry (an embedding chunk, text-cache entry or metric unit whose bytes do not match their recorded sha256, or a truncated or missing file) is removed and recomputed, with a warning naming it; without it, damage is an error naming the file';

/** Help text of --device (eval commands and `run`). */
export const DEVICE_HELP =
  "onnxruntime execution provider: cpu, cuda (an error when onnxruntime-node's CUDA provider cannot run here), auto (cuda when it runs, else cpu; result.json records which)";

/** Help text of --decode-workers (eval commands and `run`). */
export const DECODE_WORKERS_HELP = 'image decode worker threads (default: 1 per 16 cores on cpu, all cores but one on cuda)';

/** Help text of --max-image-pixels (eval commands and `run`). */
export const MAX_IMAGE_PIXELS_HELP =
  "Pillow's MAX_IMAGE_PIXELS, checked on each image's header before decoding: a warning above N pixels, the image unreadable above 2N; 0 for no limit";

const MODEL_FOLDER_HELP = 'model folder: config.json, preprocessor_config.json, tokenizer.json, tokenizer_config.json, onnx/{vision,text}_model*.onnx';

/** The model flags; `modelFlag` renames --model (its value is then `flags[camelCase(flag)]`). */
export function addModelOptions(cmd: Command, modelFlag?: { flag: string; description: string }): Command {
  const model = modelFlag ? new Option(`--${modelFlag.flag} <dir>`, `${modelFlag.description} (${MODEL_FOLDER_HELP})`).makeOptionMandatory() : new Option('--model <dir>', MODEL_FOLDER_HELP).makeOptionMandatory();
  return cmd
    .addOption(model)
    .addOption(new Option('--dtype <dtype>', 'precision variant of the ONNX files (file suffixes as transformers.js)').choices([...DTYPES]).default('fp32'))
    .option('--batch-size <n>', 'images per inference batch', positiveInt, 32)
    .option('--store <dir>', 'embedding store directory (shared by runs; reruns reuse it)', '.holoclip')
    .addOption(new Option('--preprocess <mode>', PREPROCESS_HELP).choices([...PREPROCESS_CHOICES]).default('auto'))
    .option('--logit-scale <s>', 'logit scale to use (exp of the learned logit_scale, e.g. 100 for OpenAI CLIP); overrides holoclip.json and recovery', finiteNumber)
    .option('--logit-bias <b>', 'logit bias (SigLIP); overrides holoclip.json', finiteNumber)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', positiveInt)
    .addOption(new Option('--device <device>', DEVICE_HELP).choices([...DEVICES]).default('cpu'))
    .option('--decode-workers <n>', DECODE_WORKERS_HELP, positiveInt)
    .option('--max-image-pixels <n>', MAX_IMAGE_PIXELS_HELP, nonNegativeInt, DEFAULT_MAX_IMAGE_PIXELS)
    .option('--quiet', 'no progress output')
    .option('--repair', REPAIR_HELP);
}

export function addClassifierOptions(cmd: Command): Command {
  return cmd
    .option('--classnames <file>', 'class names: one per line, or a JSON array (required for .jsonl manifests; default for ImageFolder: the folder names)')
    .option('--templates <template|file>', 'one template containing {c}, or a file: .txt one per line, .json array, or .json object with --templates-key (default: "a photo of a {c}.")')
    .option('--templates-key <key>', 'entry of a JSON object templates file (e.g. "imagenet1k" in CLIP_benchmark\'s file)')
    .option('--allow-duplicate-classes', 'keep class names that repeat (the later class can never be predicted) instead of stopping; recorded in result.json');
}

/** Progress display + CommonEvalOptions from parsed flags; Ctrl-C restores the terminal and says how to resume. */
export function evalOptions(flags: ModelFlags): CommonEvalOptions & { progress: ProgressSink } {
  const progress = createProgressDisplay(process.stderr, flags.quiet === true);
  onInterrupt(() => {
    progress.finish();
    process.stderr.write('\nholoclip: interrupted; finished batches are kept in the store, rerun the same command to resume\n');
  });
  return {
    model: flags.model,
    dtype: flags.dtype,
    batchSize: flags.batchSize,
    store: flags.store,
    preprocess: flags.preprocess,
    logitScale: flags.logitScale,
    logitBias: flags.logitBias,
    threads: flags.threads,
    device: flags.device,
    decodeWorkers: flags.decodeWorkers,
    maxImagePixels: flags.maxImagePixels,
    repair: flags.repair === true,
    progress,
    warn: (m) => progress.log(m),
  };
}

/** On Ctrl-C / SIGTERM: clean up, exit 130/143. Store writes are atomic, so nothing is corrupted. */
export function onInterrupt(cleanup: () => void): void {
  const handler = (signal: NodeJS.Signals) => {
    cleanup();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

/** Help text of --force-unlock (every command that writes an output folder). */
export const FORCE_UNLOCK_HELP = 'take over the output folder\'s lock (.holoclip-lock) even when another host holds it (only when that run is gone)';

/**
 * Take the output folder's lock before any work: a second holoclip writing to the same folder stops with a message
 * naming the first one's pid. Released when the process exits (normally, on an error, on Ctrl-C / SIGTERM).
 */
export function lockOutput(out: string, flags: { forceUnlock?: boolean }, lockFile?: string): OutLock {
  return acquireOutLock(out, { forceUnlock: flags.forceUnlock === true, lockFile, warn: (m) => process.stderr.write(`holoclip: note: ${m}\n`) });
}

/**
 * {@link lockOutput} of `out` (the lock inside it), then the temp files a killed run left in it removed: with the lock
 * held no other holoclip writes there, so a `.holoclip-tmp-<pid>-<hex>` file of a dead pid (a half-written
 * `logits.npy`, a calibration spill) is a leftover. Other files are never touched.
 */
export async function lockOutputFolder(out: string, flags: { forceUnlock?: boolean }): Promise<OutLock> {
  const lock = lockOutput(out, flags);
  try {
    const removed = await removeStaleTempFiles(out, 0);
    if (removed > 0) process.stderr.write(`holoclip: note: removed ${removed} temp file${removed === 1 ? '' : 's'} a killed run left in ${out}\n`);
  } catch (err) {
    lock.release();
    throw err;
  }
  return lock;
}

/** The store checked before any work: a file in its place, or a missing one that cannot be created, stops here. */
export function checkStore(store: string): void {
  const note = checkStoreFolder(store);
  if (note !== null) process.stderr.write(`holoclip: note: ${note}\n`);
}
