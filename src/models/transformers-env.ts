/**
 * The single place that configures transformers.js for holoclip: local folders only, never the hub.
 * Load it with `loadTransformers()` (not from '@huggingface/transformers' directly) so the settings
 * are always applied before any model, tokenizer or processor is created. It is loaded on first use
 * (it pulls in onnxruntime-node): commands that open no model never load it (test/cli-startup.test.ts).
 */
import type * as TransformersModule from '@huggingface/transformers';

export type Transformers = typeof TransformersModule;

let loaded: Promise<Transformers> | null = null;

export function loadTransformers(): Promise<Transformers> {
  loaded ??= import('@huggingface/transformers').then((transformers) => {
    const { env, LogLevel } = transformers;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useFSCache = false;
    env.useBrowserCache = false;
    // transformers.js logs warnings (e.g. for unused inputs) on its own; keep it to errors.
    env.logLevel = LogLevel.ERROR;
    return transformers;
  });
  return loaded;
}
