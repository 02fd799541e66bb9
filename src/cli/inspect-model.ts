/** `holoclip model inspect DIR`: what holoclip sees in a model folder, without touching a dataset. */
import path from 'node:path';
import { loadPreprocessSpec, describePreprocess } from '../image/index.js';
import { ClipFamilyModel } from '../models/clip-model.js';
import type { Dtype } from '../models/dtype.js';
import { resolveLogitScale } from '../models/logit-scale.js';
import { EmbeddingStore } from '../store/embedding-store.js';
import { FileHashIndex } from '../store/hash.js';

export async function inspectModelCommand(dir: string, dtype: Dtype, storeDir: string): Promise<string> {
  const model = await ClipFamilyModel.open(dir, { dtype });
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
