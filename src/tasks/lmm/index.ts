/** Multimodal LLMs as classifiers (ImageNet-D's protocol), next to CLIP on the same questions. */
import { z } from 'zod';
import { datasetField, defineTask, planOneUnitPerModel, promptsField, setting } from '../definition.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { lmmKeyMetrics, lmmSection, lmmSummaryColumns } from './report.js';
import { runLmm, type LmmResult } from './run.js';

const options = z.strictObject({
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

const scoresSchema = z.looseObject({
  n: z.number(),
  lmm_accuracy: metricValue,
  true: z.number(),
  false: z.number(),
  double: z.number(),
  todo: z.number(),
  clip_two_way: metricValue,
  clip_top1: metricValue,
});
const metricsSchema = scoresSchema.extend({ subsets: z.record(z.string(), scoresSchema).optional() });
export const LMM_ROW_METRICS = ['lmm_accuracy', 'clip_two_way', 'clip_top1', 'n', 'true', 'false', 'double', 'todo'] as const;

export const lmmTask = defineTask({
  type: 'lmm',
  summary: 'multimodal LLMs as classifiers (ImageNet-D protocol) vs CLIP on the same two-way questions',
  options,
  cli: {
    description:
      'ask a multimodal LLM (any OpenAI-compatible server) ImageNet-D\'s question per image: the true class or the surrogate model\'s distractor; score TRUE / (TRUE + FALSE) and compare with the surrogate\'s 2-way and zero-shot choices',
    outputs: 'run directory (result.json, questions.jsonl: question, raw answer, label, distractor per image)',
    classHead: true,
    modelFlag: { flag: 'surrogate', description: "surrogate model folder: its zero-shot predictions (from the store) choose each image's distractor; CLIP's side of the comparison" },
    helpAfter: `
Examples:
  llama-server -m llava.gguf --mmproj mmproj.gguf --port 8080 &
  holoclip eval lmm --endpoint http://127.0.0.1:8080 --surrogate models/clip-vit-b-16 \\
      --data imagenet-d:~/data/ImageNet-D --out runs/lmm
  OPENAI_API_KEY=... holoclip eval lmm --endpoint https://api.openai.com/v1 --lmm gpt-4o-mini \\
      --surrogate m/ --data imagenet-d:~/data/ImageNet-D --limit 500 --out runs/gpt

Every answer is stored in --store, keyed by the server's model identity, the question, the image bytes and
the sampling settings: a rerun sends no request, and an interrupted run resumes where it stopped.`,
    summary: (r: LmmResult, out: string) => {
      const m = r.metrics;
      const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(2)}%`);
      const lines = [
        `LMM ${r.lmm.model} (${r.lmm.endpoint}) on ${m.n} questions: accuracy ${pct(m.lmm_accuracy)} (TRUE ${m.true}, FALSE ${m.false}, DOUBLE ${m.double}, TODO ${m.todo})`,
        `CLIP (surrogate) on the same questions: 2-way ${pct(m.clip_two_way)}, zero-shot top-1 ${pct(m.clip_top1)}`,
        ...Object.entries(m.subsets ?? {}).map(([k, v]) => `  ${k}: LMM ${pct(v.lmm_accuracy)} (${v.n} questions), CLIP 2-way ${pct(v.clip_two_way)}`),
        `requests sent ${String(r.cache?.requests_sent)}, answers from the store ${String(r.cache?.answers_cached)}`,
        `wrote ${out}`,
      ];
      return `${lines.join('\n')}\n`;
    },
  },
  check(settings, _config, env) {
    return env.isCorrupted(settings.dataset) ? [{ where: 'dataset', message: 'lmm asks about the image files themselves; a corrupted dataset (corruption:) is not supported' }] : [];
  },
  plan: planOneUnitPerModel(options),
  run: runLmm,
  async aggregate(task, env) {
    await eachModelUnit(task, env, metricsSchema, (m, out) => {
      const row = { model: m.name, task: task.id, type: task.type, dataset: task.settings.dataset, prompts: out.unit.prompts };
      for (const k of LMM_ROW_METRICS) env.push({ ...row, variant: null, metric: k, value: out.metrics[k] });
      for (const [name, s] of Object.entries(out.metrics.subsets ?? {})) {
        for (const k of LMM_ROW_METRICS) env.push({ ...row, variant: `subset:${name}`, metric: k, value: s[k] });
      }
    });
  },
  report: { section: lmmSection, summaryColumns: lmmSummaryColumns, keyMetrics: lmmKeyMetrics },
});
