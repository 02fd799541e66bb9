/**
 * What identifies a model's numbers: sha256 of each file that shapes an embedding. Cache keys and
 * result files use these, so changing any of them invalidates what depends on it.
 */
import path from 'node:path';
import type { FileHashIndex } from '../store/hash.js';
import type { ClassifierFolder } from './image-classifier.js';
import type { ModelFolder } from './model-folder.js';

export interface ModelIdentity {
  /** Path relative to the model folder -> sha256, for every file in use. */
  readonly all: Record<string, string>;
  /** The files that shape image embeddings. */
  readonly vision: Record<string, string>;
  /** The files that shape text embeddings. */
  readonly text: Record<string, string>;
}

/** Identity of a classifier folder: config, preprocessor config, the model file (+ card). */
export async function identifyClassifier(folder: ClassifierFolder, hashIndex: FileHashIndex): Promise<ModelIdentity> {
  const f = folder.files;
  const rel = (p: string) => path.relative(folder.dir, p).split(path.sep).join('/');
  const out: Record<string, string> = {};
  for (const file of [f.model, f.config, f.preprocessorConfig]) out[rel(file)] = await hashIndex.hashFile(file);
  const all = { ...out };
  if (f.modelCard) all[rel(f.modelCard)] = await hashIndex.hashFile(f.modelCard);
  return { all, vision: out, text: {} };
}

export async function identifyModel(folder: ModelFolder, hashIndex: FileHashIndex): Promise<ModelIdentity> {
  const f = folder.files;
  const rel = (p: string) => path.relative(folder.dir, p).split(path.sep).join('/');
  const hashOf = async (files: string[]) => {
    const out: Record<string, string> = {};
    for (const file of files) out[rel(file)] = await hashIndex.hashFile(file);
    return out;
  };
  const vision = await hashOf([f.vision, f.config, f.preprocessorConfig]);
  const text = await hashOf([f.text, f.config, f.tokenizer, f.tokenizerConfig]);
  const extra = await hashOf([f.combined, f.modelCard].filter((x): x is string => x !== null));
  return { all: { ...vision, ...text, ...extra }, vision, text };
}
