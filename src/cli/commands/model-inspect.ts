/** `holoclip model inspect DIR`: what holoclip sees in a model folder, without touching a dataset. */
import type { Command } from 'commander';
import { Option } from 'commander';
import path from 'node:path';
import {
  describePreprocess,
  describePythonPipeline,
  parsePreprocessSpec,
  parsePythonPipeline,
  readPreprocessorConfig,
  resizeTarget,
  resolveModeFor,
  type PreprocessSpec,
} from '../../image/index.js';
import { COMMAND_LIST } from '../command-list.js';
import { errorMessage } from '../../errors.js';
import { ImageClassifierModel } from '../../models/image-classifier.js';
import { openModel } from '../../models/open-model.js';
import { DTYPES, type Dtype } from '../../models/dtype.js';
import { resolveLogitScale } from '../../models/logit-scale.js';
import { EmbeddingStore } from '../../store/embedding-store.js';
import { FileHashIndex } from '../../store/hash.js';
import { turboJpegStatus } from '../../image/turbojpeg.js';

/**
 * The effective pipeline of each mode (auto first), and a warning when transformers.js semantics letterbox: an
 * integer `size` with a centre crop fits the whole image inside size x size, so the crop pads it with black.
 */
export async function describePreprocessModes(modelDir: string): Promise<string[]> {
  const { file, json } = await readPreprocessorConfig(modelDir);
  const lines: string[] = [];
  const auto = resolveModeFor(json, 'auto');
  lines.push(`preprocess   auto = ${auto}${auto === 'python' ? ' (the folder has a holoclip_preprocess block)' : ' (no holoclip_preprocess block)'}`);
  let spec: PreprocessSpec | null = null;
  try {
    spec = parsePreprocessSpec(json, file);
    lines.push(`  fast       ${describePreprocess(spec, 'fast')}`);
    lines.push(`  reference  ${describePreprocess(spec, 'reference')}`);
  } catch (err) {
    lines.push(`  fast       unavailable: ${errorMessage(err)}`);
    lines.push(`  reference  unavailable: ${errorMessage(err)}`);
  }
  try {
    lines.push(`  python     ${describePythonPipeline(parsePythonPipeline(json, file))}`);
    const turbo = await turboJpegStatus();
    lines.push(`  jpeg       ${turbo.available ? `plain JPEGs decoded by ${turbo.library} (libjpeg-turbo, self-tested against Pillow's pixels)` : `sharp decodes every JPEG: ${turbo.reason}`}`);
  } catch (err) {
    lines.push(`  python     unavailable: ${errorMessage(err)}`);
  }
  const letterbox = spec ? letterboxWarning(spec) : null;
  if (letterbox) lines.push(letterbox);
  return lines;
}

/** The transformers.js letterbox of a 4:3 photo (640x480), or null when the config does not letterbox. */
export function letterboxWarning(spec: PreprocessSpec): string | null {
  const r = spec.resize;
  if (!r || r.kind !== 'shortest_edge' || r.longestEdge === undefined || !spec.centerCrop) return null;
  const [w, h] = resizeTarget(r, 640, 480);
  const rows = Math.max(0, spec.centerCrop.height - h);
  const cols = Math.max(0, spec.centerCrop.width - w);
  if (rows === 0 && cols === 0) return null;
  const pad = [rows > 0 ? `${rows} of ${spec.centerCrop.height} rows` : '', cols > 0 ? `${cols} of ${spec.centerCrop.width} columns` : ''].filter(Boolean).join(' and ');
  return (
    `warning: under transformers.js semantics (--preprocess fast / reference) this config letterboxes: the integer size ` +
    `${r.shortestEdge} also caps the longest edge, so a 4:3 photo (640x480) is resized to ${w}x${h} and ${pad} of the ` +
    `${spec.centerCrop.height}x${spec.centerCrop.width} crop are black padding. --preprocess python (and the Python pipeline) ` +
    `treat the integer size as the shortest edge (640x480 -> ${Math.trunc((r.shortestEdge * 640) / 480)}x${r.shortestEdge}, no padding).`
  );
}

export async function inspectModelCommand(dir: string, dtype: Dtype, storeDir: string): Promise<string> {
  const opened = await openModel(dir, { dtype });
  if (opened instanceof ImageClassifierModel) {
    const f = opened.folder;
    const preprocess = await describePreprocessModes(f.dir);
    await opened.dispose();
    return `${[
      `folder       ${f.dir}`,
      `model_type   ${opened.modelType} (image classifier: pixel_values -> logits, scored with softmax)`,
      `model        ${path.relative(f.dir, f.files.model)}`,
      `classes      ${f.labels.length}: ${f.labels.slice(0, 8).join(', ')}${f.labels.length > 8 ? ', ...' : ''}`,
      `model card   ${f.files.modelCard ? 'holoclip.json' : '(none)'}`,
      ...preprocess,
    ].join('\n')}\n`;
  }
  const model = opened;
  try {
    const store = await EmbeddingStore.open(storeDir);
    const hashIndex = await FileHashIndex.open(store.root);
    const warnings: string[] = [];
    const scale = await resolveLogitScale(model, {
      cacheDir: path.join(store.root, 'logit-scale'),
      hashFile: (f) => hashIndex.hashFile(f),
      warn: (m) => warnings.push(m),
    });
    await hashIndex.save();
    const preprocess = await describePreprocessModes(model.folder.dir);
    const lines = [
      `folder       ${model.folder.dir}`,
      `model_type   ${model.modelType} (scoring: ${model.folder.family.scoring})`,
      `dtypes       ${model.folder.availableDtypes.join(', ')} (using ${dtype})`,
      `vision       ${path.relative(model.folder.dir, model.folder.files.vision)}`,
      `text         ${path.relative(model.folder.dir, model.folder.files.text)}`,
      `combined     ${model.folder.files.combined ? 'onnx/model.onnx' : '(none)'}`,
      `model card   ${model.folder.files.modelCard ? 'holoclip.json' : '(none)'}`,
      `logit scale  ${scale.scale.toFixed(6)}${scale.bias !== 0 ? `, bias ${scale.bias.toFixed(6)}` : ''} from ${scale.source}: ${scale.detail}`,
      `text length  ${await model.maxTextLength()} tokens (${model.folder.family.textPadding === 'max_length' ? 'padded to max length' : 'padded to longest'})`,
      ...preprocess,
      ...warnings,
    ];
    return `${lines.join('\n')}\n`;
  } finally {
    await model.dispose();
  }
}

export function registerModelInspect(program: Command): Command {
  const modelCmd = program.command('model').description(COMMAND_LIST.model.description);
  modelCmd
    .command('inspect')
    .description('check a model folder and show its type, available dtypes, preprocessing and where its logit scale comes from')
    .argument('<dir>', 'model folder')
    .addOption(new Option('--dtype <dtype>', 'precision variant').choices([...DTYPES]).default('fp32'))
    .option('--store <dir>', 'store directory (holds the recovered-logit-scale cache)', '.holoclip')
    .action(async (dir: string, opts: { dtype: Dtype; store: string }) => {
      process.stdout.write(await inspectModelCommand(dir, opts.dtype, opts.store));
    });
  return modelCmd;
}
