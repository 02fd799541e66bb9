/**
 * `eval ood`: zero-shot scores of an ID set and of unlabelled OOD sets -> AUROC, AUPR-In/Out,
 * FPR@95TPR per (OOD set, score). Scores are higher for more in-distribution inputs. As MCM's code
 * computes them for CLIP, maxlogit, energy and mcm use the raw cosines (T = 1); msp and the -scaled
 * variants use the logits (logit_scale * cosine (+ bias)). An image classifier has only logits: maxlogit
 * and energy use them, mcm and the -scaled variants are skipped.
 */
import path from 'node:path';
import { HoloclipError } from '../../errors.js';
import { OOD_SCORE_INPUTS, oodMetrics, oodScoresOf, type OodConvention, type OodMetrics, type OodScoreName } from '../../metrics/ood.js';
import { ClassificationAccumulator } from '../../metrics/classification.js';
import { templateConventions } from '../../head/text-classifier.js';
import type { TaskInput } from '../definition.js';
import type { EmbeddedItems } from '../eval-context.js';
import { writeFailures, writeJsonlAtomic, writeResult, type DatasetRecord, type ResultEnvelope } from '../result-envelope.js';

/** Scores that need the image-text cosines (an image classifier has none). */
const NEEDS_COSINES: readonly OodScoreName[] = ['mcm', 'maxlogit-scaled', 'energy-scaled'];

export interface OodSettings {
  readonly scores: readonly OodScoreName[];
  readonly convention: OodConvention;
}

export interface OodTaskMetrics {
  id_top1: number;
  sets: Record<string, Partial<Record<OodScoreName, OodMetrics>>>;
  /** Mean over OOD sets, per score. */
  mean: Partial<Record<OodScoreName, { auroc: number; fpr_at_95_tpr: number; aupr_in: number; aupr_out: number }>>;
}

function computeScores(name: OodScoreName, logits: Float32Array, cosines: Float32Array | null, n: number, c: number): Float64Array {
  if (cosines === null && NEEDS_COSINES.includes(name)) {
    throw new HoloclipError(`the ${name} score needs cosine similarities, which an image classifier does not have; use --score msp,maxlogit,energy`);
  }
  // A classifier's maxlogit / energy are on its own logits (it has no cosines).
  const input = OOD_SCORE_INPUTS[name] === 'cosines' && cosines !== null ? cosines : logits;
  return oodScoresOf(name, input, n, c);
}

/** What each score is computed on, for result.json (classifier: its logits, no logit scale). */
function scoreConventions(names: readonly OodScoreName[], classifier: boolean, scale: number, bias: number): Record<string, { computed_on: string; temperature: number; formula: string; reference: string }> {
  const logits = classifier ? "the classifier's logits" : `logit-scaled logits (${scale} * cosine${bias !== 0 ? ` + ${bias}` : ''})`;
  const cos = classifier ? "the classifier's logits (no cosines)" : 'raw cosine similarities (no logit scale)';
  const table: Record<OodScoreName, { computed_on: string; temperature: number; formula: string; reference: string }> = {
    msp: { computed_on: logits, temperature: 1, formula: 'max softmax probability', reference: 'Hendrycks & Gimpel 2017 (MCM\'s code has no MSP score; its MCM is the max softmax of raw cosines)' },
    maxlogit: { computed_on: cos, temperature: 1, formula: 'max over classes', reference: 'MCM utils/detection_util.py get_ood_scores_clip, score max-logit (deeplearning-wisc/MCM@ea7130f)' },
    energy: { computed_on: cos, temperature: 1, formula: 'T * logsumexp(x / T)', reference: 'MCM utils/detection_util.py get_ood_scores_clip, score energy, T = 1 (deeplearning-wisc/MCM@ea7130f)' },
    mcm: { computed_on: cos, temperature: 1, formula: 'max softmax(x / T)', reference: 'MCM utils/detection_util.py get_ood_scores_clip, score MCM, T = 1 (deeplearning-wisc/MCM@ea7130f)' },
    'maxlogit-scaled': { computed_on: logits, temperature: 1, formula: 'max over classes', reference: "holoclip's maxlogit before issue 12" },
    'energy-scaled': { computed_on: logits, temperature: 1, formula: 'T * logsumexp(x / T)', reference: "holoclip's energy before issue 12" },
  };
  return Object.fromEntries(names.map((n) => [n, table[n]]));
}

export async function runOod(input: TaskInput<OodSettings>): Promise<ResultEnvelope<OodTaskMetrics>> {
  const tStart = performance.now();
  const options = { scores: input.settings.scores, convention: input.settings.convention, warn: input.warn };
  const oodSets = input.data.list('ood');
  if (oodSets.length === 0) throw new HoloclipError('give at least one OOD set with --ood NAME=PATH');
  const idData = input.data.one('dataset').dataset;
  const oodData = [];
  for (const o of oodSets) {
    if (o.name === 'id') throw new HoloclipError('the OOD set name "id" is reserved; use --ood NAME=PATH');
    oodData.push({ name: o.name, dataset: o.dataset });
  }
  const templateSet = input.templates;
  const ctx = input.context;
  {
    let scoreNames = options.scores;
    if (ctx.model.kind === 'classifier' && scoreNames.some((s) => NEEDS_COSINES.includes(s))) {
      const skipped = scoreNames.filter((s) => NEEDS_COSINES.includes(s));
      scoreNames = scoreNames.filter((s) => !NEEDS_COSINES.includes(s));
      options.warn(`${skipped.map((x) => (x === 'mcm' ? 'MCM' : x)).join(', ')} need${skipped.length === 1 ? 's' : ''} cosine similarities; skipping for this image classifier`);
      if (scoreNames.length === 0) throw new HoloclipError(`no OOD score left: an image classifier has no cosines for ${skipped.join(', ')}; use --score msp,maxlogit,energy`);
    }
    const c = idData.classnames.length;
    const classifier = await ctx.classifier(idData.classnames, templateSet.templates);
    const needCosines = scoreNames.some((s) => OOD_SCORE_INPUTS[s] === 'cosines');
    /** Each score of every row of `set`, the set's logits read in blocks (ID: its top-1 accumulated on the way). */
    const scoreSet = async (set: EmbeddedItems, top1: ClassificationAccumulator | null): Promise<Map<OodScoreName, Float64Array>> => {
      const out = new Map(scoreNames.map((s) => [s, new Float64Array(set.n)]));
      for (const b of await ctx.logitBlocks(set, classifier, { cosines: needCosines })) {
        for (const [s, scores] of out) {
          try {
            scores.set(computeScores(s, b.logits, b.cosines, b.count, c), b.start);
          } catch (err) {
            // The metric names the row within this block: say which rows of the dataset the block holds.
            if (err instanceof HoloclipError) throw new HoloclipError(`${set.dataset.source}, rows ${b.start}..${b.start + b.count - 1} (row numbers below count from ${b.start}): ${err.message}`);
            throw err;
          }
        }
        if (top1) for (let r = 0; r < b.count; r++) top1.add(b.logits, r, set.ok.labelAt(b.start + r));
      }
      return out;
    };
    const idSet = await ctx.embedItems(idData, 'id');
    // Scored block by block from the store's rows: only the scores (one float per image and score) are kept.
    const top1 = new ClassificationAccumulator(c, false);
    const idScores = await scoreSet(idSet, top1);
    const acc = top1.result();

    // ood_scores.jsonl: one row per image, generated from the score arrays as the file is written.
    const scored: Array<{ name: string; set: EmbeddedItems; scores: Map<OodScoreName, Float64Array> }> = [{ name: 'id', set: idSet, scores: idScores }];
    function* perSample(): Generator<Record<string, unknown>> {
      for (const { name, set, scores } of scored) {
        for (let i = 0; i < set.ok.length; i++) {
          const row: Record<string, unknown> = { set: name, id: set.ok.get(i).id };
          for (const [s, v] of scores) row[s] = v[i];
          yield row;
        }
      }
    }

    const metrics: OodTaskMetrics = { id_top1: acc.top1, sets: {}, mean: {} };
    const embedded: Array<{ name: string; set: EmbeddedItems }> = [{ name: 'id', set: idSet }];
    for (const o of oodData) {
      const set = await ctx.embedItems(o.dataset, `ood ${o.name}`);
      embedded.push({ name: o.name, set });
      const scores = await scoreSet(set, null);
      metrics.sets[o.name] = {};
      for (const s of scoreNames) metrics.sets[o.name][s] = oodMetrics(idScores.get(s) as Float64Array, scores.get(s) as Float64Array, options.convention);
      scored.push({ name: o.name, set, scores });
    }
    for (const s of scoreNames) {
      const rows = Object.values(metrics.sets).map((m) => m[s] as OodMetrics);
      const mean = (f: (m: OodMetrics) => number) => rows.reduce((a, m) => a + f(m), 0) / rows.length;
      metrics.mean[s] = { auroc: mean((m) => m.auroc), fpr_at_95_tpr: mean((m) => m.fpr_at_95_tpr), aupr_in: mean((m) => m.aupr_in), aupr_out: mean((m) => m.aupr_out) };
    }

    const datasets: Record<string, DatasetRecord> = {};
    for (const e of embedded) datasets[e.name] = ctx.datasetRecord(e.set);
    const anyMetrics = Object.values(metrics.sets)[0]?.[scoreNames[0]];
    const result: ResultEnvelope<OodTaskMetrics> = {
      ...ctx.envelopeHead('ood'),
      datasets,
      metrics,
      conventions: {
        positive_class: options.convention,
        fpr_at_95_tpr: anyMetrics?.convention_note ?? '',
        scores: scoreConventions(scoreNames, ctx.model.kind === 'classifier', ctx.rule.scale, ctx.rule.bias),
        score_direction: 'higher = more in-distribution',
        ...templateConventions(templateSet),
        classnames: idData.classnames,
        ...ctx.preprocessConventions(),
        ...ctx.executionConventions(),
      },
      cache: { store: ctx.store.root, images_inferred: embedded.reduce((s, e) => s + e.set.inferred, 0), classifier_key: classifier.cacheKey },
      timing: { total_s: (performance.now() - tStart) / 1000 },
    };
    const dir = path.resolve(input.out);
    await writeJsonlAtomic(path.join(dir, 'ood_scores.jsonl'), perSample());
    await writeFailures(dir, embedded.map((e) => ({ name: e.name, failures: e.set.failures })));
    await writeResult(dir, result);
    return result;
  }
}
