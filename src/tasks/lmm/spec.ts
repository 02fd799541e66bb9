/** The lmm task's spec: what suite validation and planning read (index.ts adds its run, aggregation and report). */
import * as z from 'zod';
import { defineTaskSpec, datasetField, planOneUnitPerModel, promptsField, setting } from '../definition.js';

export const options = z.strictObject({
  dataset: datasetField({
    role: 'labelled',
    flag: 'data',
    description: 'labelled dataset whose images are asked about (ImageNet-D: imagenet-d:PATH, scored per subset)',
    cliDescription: 'dataset: an ImageFolder directory, a .jsonl manifest, or TYPE:PATH (e.g. imagenet-d:~/data/ImageNet-D)',
  }),
  endpoint: setting(z.string().min(1).describe('OpenAI-compatible server: http://host:port or https://host/v1 (llama-server, vLLM, Ollama, SGLang, LM Studio, OpenAI)'), { arg: 'url' }),
  lmm: setting(z.string().min(1).optional().describe('model name sent to the server (default: the only model the server lists)'), { arg: 'name' }),
  backend: z.enum(['openai']).default('openai').describe('how the model is reached: openai = chat completions with base64 image data URLs'),
  api_key_env: setting(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').default('OPENAI_API_KEY').describe('environment variable holding the API key (sent as a Bearer token when set)'), { arg: 'name' }),
  concurrency: setting(z.number().int().min(1).max(256).default(4).describe('questions in flight at once'), { arg: 'n' }),
  timeout_s: setting(z.number().positive().default(120).describe('seconds to wait for one reply'), { arg: 's' }),
  retries: setting(z.number().int().min(0).max(20).default(4).describe('retries of a request after 429, 5xx, a connection error, a timeout or a malformed reply'), { arg: 'n' }),
  retry_backoff_s: setting(z.number().min(0).default(1).describe('first backoff before a retry; doubles each retry (capped at 60 s; Retry-After honoured)'), { arg: 's' }),
  temperature: setting(z.number().min(0).default(0.2).describe('sampling temperature (ImageNet-D: 0.2)'), { arg: 't' }),
  max_tokens: setting(z.number().int().min(1).default(512).describe('most tokens per answer (ImageNet-D: 512)'), { arg: 'n' }),
  seed: setting(z.number().int().min(0).default(0).describe('sampling seed sent with every request; also the seed of the shuffled option order'), { arg: 'n' }),
  option_order: z.enum(['reference', 'shuffled']).default('reference').describe('reference: the true class first, as ImageNet-D; shuffled: per image, seeded'),
  limit: setting(z.number().int().min(1).optional().describe('ask about the first N readable images only'), { arg: 'n' }),
  prompts: promptsField(false),
});

export const lmmSpec = defineTaskSpec({
  type: 'lmm',
  summary: 'multimodal LLMs as classifiers (ImageNet-D protocol) vs CLIP on the same two-way questions',
  options,
  check(settings, _config, env) {
    return env.isCorrupted(settings.dataset) ? [{ where: 'dataset', message: 'lmm asks about the image files themselves; a corrupted dataset (corruption:) is not supported' }] : [];
  },
  plan: planOneUnitPerModel(options),
});
