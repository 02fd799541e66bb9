/**
 * The single place that configures transformers.js for holoclip: local folders only, never the hub.
 * Import `transformers` from here (not from '@huggingface/transformers' directly) so the settings
 * are always applied before any model, tokenizer or processor is created.
 */
import * as transformers from '@huggingface/transformers';

const { env, LogLevel } = transformers;
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.useFSCache = false;
env.useBrowserCache = false;
// transformers.js logs warnings (e.g. for unused inputs) on its own; keep it to errors.
env.logLevel = LogLevel.ERROR;

export { transformers };
