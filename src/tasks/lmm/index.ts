/** Multimodal LLMs as classifiers (ImageNet-D's protocol), next to CLIP on the same questions. */
import * as z from 'zod';
import { defineTask } from '../definition.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { lmmKeyMetrics, lmmSection, lmmSummaryColumns } from './report.js';
import { runLmm, type LmmResult } from './run.js';
import { lmmSpec } from './spec.js';

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
  ...lmmSpec,
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
