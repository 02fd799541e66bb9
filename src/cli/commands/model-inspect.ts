/** `holoclip model inspect DIR`: what holoclip sees in a model folder, without touching a dataset. */
import type { Command } from 'commander';
import { Option } from 'commander';
import path from 'node:path';
import { loadPreprocessSpec, describePreprocess } from '../../image/index.js';
import { ImageClassifierModel } from '../../models/image-classifier.js';
import { openModel } from '../../models/open-model.js';
import { DTYPES, type Dtype } from '../../models/dtype.js';
import { resolveLogitScale } from '../../models/logit-scale.js';
import { EmbeddingStore } from '../../store/embedding-store.js';
import { FileHashIndex } from '../../store/hash.js';

export async function inspectModelCommand(dir: string, dtype: Dtype, storeDir: string): Promise<string> {
  const opened = await openModel(dir, { dtype });
  if (opened instanceof ImageClassifierModel) {
    const f = opened.folder;
    const spec = await loadPreprocessSpec(f.dir);
    await opened.dispose();
    return `${[
      `folder       ${f.dir}`,
      `model_type   ${opened.modelType} (image classifier: pixel_values -> logits, scored with softmax)`,
      `model        ${path.relative(f.dir, f.files.model)}`,
      `classes      ${f.labels.length}: ${f.labels.slice(0, 8).join(', ')}${f.labels.length > 8 ? ', ...' : ''}`,
      `model card   ${f.files.modelCard ? 'holoclip.json' : '(none)'}`,
      `preprocess   ${describePreprocess(spec, 'fast')}`,
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
    const spec = await loadPreprocessSpec(model.folder.dir);
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
      `preprocess   ${describePreprocess(spec, 'fast')}`,
      ...warnings,
    ];
    return `${lines.join('\n')}\n`;
  } finally {
    await model.dispose();
  }
}

export function registerModelInspect(program: Command): void {
  const modelCmd = program.command('model').description('inspect model folders');
  modelCmd
    .command('inspect')
    .description('check a model folder and show its type, available dtypes, preprocessing and where its logit scale comes from')
    .argument('<dir>', 'model folder')
    .addOption(new Option('--dtype <dtype>', 'precision variant').choices([...DTYPES]).default('fp32'))
    .option('--store <dir>', 'store directory (holds the recovered-logit-scale cache)', '.holoclip')
    .action(async (dir: string, opts: { dtype: Dtype; store: string }) => {
      process.stdout.write(await inspectModelCommand(dir, opts.dtype, opts.store));
    });
}
