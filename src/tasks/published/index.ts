/**
 * The `published` suite task: the suite's own models placed on the published clouds. Each model's zero-shot
 * top-1 on ImageNet and on the shifts (the shared zero-shot units) is put against imagenet-testbed's line by the
 * code path of the published analysis (src/published/landscape.ts, the same resamples), and next to the 121
 * published CLIP checkpoints: its ER, interval and the fraction of published checkpoints it beats. ObjectNet
 * (CLIP_benchmark's 113-way protocol) gets no line, only its place among the published numbers. Each model's
 * protocol is compared with the published one (preprocessing, templates, dataset protocol) and every
 * difference is a warning in results.json and the report.
 */
import { promises as fs } from 'node:fs';
import * as z from 'zod';
import { errorMessage } from '../../errors.js';
import { ER_SHIFTS, ID_BENCHMARK, benchmarkSpec, type BenchmarkKey } from '../../published/benchmarks.js';
import { analyzeLandscape, loadLandscapeInput, type LandscapeResult } from '../../published/index.js';
import { resourcePath } from '../../refdata/index.js';
import { defineTask, promptsFor, type PlanModel } from '../definition.js';
import { zeroshotMetricsSchema, zeroshotUnitId } from '../zeroshot/index.js';
import { publishedSection, type PublishedDetail } from './report.js';
import { publishedSpec, benchmarkOf } from './spec.js';

export { PLACEABLE } from './spec.js';

/** The dataset protocol (holoclip adapter type) each published benchmark was measured with. */
const PUBLISHED_ADAPTER: Readonly<Record<BenchmarkKey, string | null>> = {
  imagenet1k: 'imagenet-val',
  imagenetv2: 'imagenet-v2',
  'imagenet-sketch': 'imagenet-sketch',
  'imagenet-r': 'imagenet-r',
  'imagenet-a': 'imagenet-a',
  'imagenet-o': null,
  'objectnet-113': 'objectnet-113',
  'objectnet-testbed': 'objectnet',
};

const looseResult = z.looseObject({
  conventions: z.looseObject({ preprocess_mode: z.string().optional(), templates: z.array(z.string()).optional(), templates_source: z.string().optional() }).optional(),
  dataset: z.looseObject({ adapter: z.looseObject({ type: z.string() }).optional() }).optional(),
  model: z.looseObject({ model_type: z.string().optional() }).nullable().optional(),
});

/** The 80 OpenAI ImageNet templates of CLIP_benchmark (the registered file), or null when it cannot be read. */
async function publishedTemplates(): Promise<string[] | null> {
  try {
    const text = await fs.readFile(await resourcePath('clip_benchmark/en_zeroshot_classification_templates.json'), 'utf8');
    const t = (JSON.parse(text) as Record<string, unknown>).imagenet1k;
    return Array.isArray(t) && t.every((x) => typeof x === 'string') ? t : null;
  } catch {
    return null;
  }
}

/** How a unit's protocol differs from the published one; [] when it matches. */
function protocolWarnings(result: z.infer<typeof looseResult>, benchmark: BenchmarkKey, templates: string[] | null, isClassifier: boolean): string[] {
  const w: string[] = [];
  const mode = result.conventions?.preprocess_mode;
  if (mode !== undefined && mode !== 'python') w.push(`preprocessing "${mode}": the published numbers use the checkpoint's own open_clip Python transform (--preprocess python, a folder exported with holoclip-export)`);
  if (!isClassifier) {
    const used = result.conventions?.templates;
    if (templates === null) w.push("templates not checked: CLIP_benchmark's template file (clip_benchmark/en_zeroshot_classification_templates.json) is not available");
    else if (used !== undefined && (used.length !== templates.length || used.some((t, i) => t !== templates[i]))) {
      w.push(`templates: ${used.length} template${used.length === 1 ? '' : 's'} (${result.conventions?.templates_source ?? '?'}); the published numbers use CLIP_benchmark's ${templates.length} OpenAI ImageNet templates`);
    }
  } else {
    w.push('an image classifier (its own logits): the published numbers are zero-shot CLIP heads');
  }
  const want = PUBLISHED_ADAPTER[benchmark];
  const adapter = result.dataset?.adapter?.type ?? null;
  if (want !== null && adapter !== want) {
    if (benchmark === 'objectnet-113' && adapter === 'objectnet') w.push("ObjectNet variant: this dataset is read with imagenet-testbed's protocol (objectnet); the published CLIP numbers use CLIP_benchmark's (objectnet-113), which gives other numbers");
    else w.push(`dataset protocol: ${adapter === null ? 'a plain folder' : `"${adapter}"`}; the published ${benchmarkSpec(benchmark).label} numbers use ${want} (--data ${want}:PATH, or type: ${want} in the suite)`);
  }
  return w;
}

export const publishedTask = defineTask({
  ...publishedSpec,
  cli: null,
  run: null,
  async aggregate(task, env) {
    const s = task.settings;
    const prompts = (m: PlanModel) => promptsFor(m, s.prompts, env);
    const templates = await publishedTemplates();
    const warnings: PublishedDetail['warnings'] = [];
    const placedInput: Array<{ name: string; accuracy: Partial<Record<BenchmarkKey, number>> }> = [];
    const datasetOf = new Map<BenchmarkKey, string>([[ID_BENCHMARK, s.id_dataset]]);
    for (const shift of s.shifts) datasetOf.set(benchmarkOf(s, shift) as BenchmarkKey, shift);
    for (const m of env.models) {
      const accuracy: Partial<Record<BenchmarkKey, number>> = {};
      for (const [benchmark, dataset] of datasetOf) {
        const out = await env.unit(zeroshotUnitId(m.name, dataset, prompts(m)), zeroshotMetricsSchema);
        if (!out || out.metrics.top1 === null) continue;
        accuracy[benchmark] = out.metrics.top1;
        const full = await env.readUnitFile(out, 'result.json', looseResult);
        for (const message of protocolWarnings(full, benchmark, templates, m.kind === 'classifier')) warnings.push({ model: m.name, dataset, message });
      }
      if (accuracy[ID_BENCHMARK] !== undefined) placedInput.push({ name: m.name, accuracy });
    }
    let landscape: LandscapeResult;
    try {
      const loaded = await loadLandscapeInput();
      landscape = analyzeLandscape(loaded.input, { samples: s.bootstrap, seed: s.seed, extremes: s.extremes }, placedInput);
    } catch (err) {
      env.skip({ model: '*', task: task.id, reason: `the published tables could not be read: ${errorMessage(err)} (holoclip data fetch all)` });
      return;
    }
    for (const p of landscape.placed) {
      const m = env.models.find((x) => x.name === p.name) as PlanModel;
      for (const [benchmark, dataset] of datasetOf) {
        if (benchmark === ID_BENCHMARK) continue;
        const row = { model: p.name, task: task.id, type: task.type, dataset, prompts: prompts(m), variant: null };
        const shiftAcc = p.accuracy[benchmark];
        if (shiftAcc === undefined) continue;
        env.push({ ...row, metric: 'id_top1', value: p.accuracy[ID_BENCHMARK] });
        env.push({ ...row, metric: 'shift_top1', value: shiftAcc });
        const e = p.er[benchmark];
        if (e !== undefined) {
          env.push({ ...row, metric: 'effective_robustness', value: e.effective_robustness });
          env.push({ ...row, metric: 'er_low', value: e.low });
          env.push({ ...row, metric: 'er_high', value: e.high });
          env.push({ ...row, metric: 'predicted_top1', value: e.predicted });
          env.push({ ...row, metric: 'published_er_percentile', value: p.er_percentile[benchmark] });
        } else {
          env.push({ ...row, metric: 'published_accuracy_percentile', value: p.accuracy_percentile[benchmark] });
        }
      }
    }
    const detail: PublishedDetail = {
      task: task.id,
      id_dataset: s.id_dataset,
      shifts: s.shifts.map((d) => ({ dataset: d, benchmark: benchmarkOf(s, d) as BenchmarkKey })),
      lines: landscape.lines.map((l) => ({ benchmark: l.shift, label: l.label, slope: l.slope.value, intercept: l.intercept.value, r2: l.r2, n: l.baseline_set.size, shift_column: l.shift_column })),
      cloud: Object.fromEntries(
        [...ER_SHIFTS, 'objectnet-113' as const].map((k) => [
          k,
          [
            ...landscape.clip_models.flatMap((c) => (c.accuracy[ID_BENCHMARK] && c.accuracy[k] ? [{ id: c.id, population: 'clip' as const, id_top1: c.accuracy[ID_BENCHMARK].value, shift_top1: c.accuracy[k].value, er: c.er[k]?.effective_robustness ?? null, source: `${c.accuracy[k].source.table} line ${c.accuracy[k].source.line}` }] : [])),
            ...(k === 'objectnet-113'
              ? []
              : landscape.testbed_models.flatMap((t) => (t.in_line_fit && t.accuracy[ID_BENCHMARK] && t.accuracy[k] ? [{ id: t.model, population: 'testbed' as const, id_top1: t.accuracy[ID_BENCHMARK].value, shift_top1: t.accuracy[k].value, er: t.er[k]?.effective_robustness ?? null, source: `${t.accuracy[k].source.table} line ${t.accuracy[k].source.line}` }] : []))),
          ],
        ]),
      ),
      groups: landscape.factors.map((f) => ({ factor: f.label, groups: f.groups.map((g) => ({ value: g.value, n: g.n, mean_er: g.er.mean?.mean ?? null, low: g.er.mean?.low ?? null, high: g.er.mean?.high ?? null })) })),
      populations: landscape.populations.slice(0, 2).map((p) => ({ name: p.name, n: p.n, mean_er: p.er.mean?.mean ?? null, low: p.er.mean?.low ?? null, high: p.er.mean?.high ?? null })),
      warnings,
      bootstrap: { samples: s.bootstrap, seed: s.seed },
    };
    env.noteConventions(task.type, {
      published: "ER against imagenet-testbed's line (standard-training models, logit axes, ImageNet val on x), by the code path and resamples of holoclip analyze published; published_er_percentile = fraction of open_clip's published checkpoints with a lower ER on that shift",
      protocol: "published numbers: CLIP_benchmark's protocol (open_clip's Python transform, 80 OpenAI ImageNet templates, objectnet-113); each difference is a warning in details.published[].warnings",
    });
    env.detail('published', detail);
  },
  report: { section: publishedSection },
});
