/**
 * `eval shape-bias`: decisions of the model on cue-conflict stimuli (`<shape>/<shapeN-textureM>.png`)
 * -> shape bias (Geirhos et al. 2019). Decisions come from a zero-shot head over the category names
 * (default), or from a 1000-way ImageNet head whose probabilities are averaged within each
 * category's member classes (model-vs-human), given --imagenet-classnames and --category-mapping.
 */
import path from 'node:path';
import { readClassnames } from '../../data/index.js';
import { HoloclipError } from '../../errors.js';
import { readCategoryMapping } from '../../formats/index.js';
import { softmaxRows } from '../../metrics/calibration.js';
import { argmaxRows } from '../../metrics/classification.js';
import { decisionsFromProbabilities, parseCueConflictName, shapeBias, type CueConflictTrial, type ShapeBiasResult } from '../../metrics/shape-bias.js';
import { writeFileAtomic } from '../../store/atomic.js';
import { templateConventions } from '../../head/text-classifier.js';
import type { TaskInput } from '../definition.js';
import { writeFailures, writeResult, type ResultEnvelope } from '../result-envelope.js';

export interface ShapeBiasSettings {
  /** 1000-way mode: ImageNet class names for the zero-shot head (absolute path). */
  readonly imagenet_classnames?: string;
  /** 1000-way mode: "<category>_indices" lists of ImageNet indices (absolute path). */
  readonly category_mapping?: string;
}

/** A decisions CSV in the layout of texture-vs-shape's raw-data files, so `holoclip score shape-bias --decisions` reads it back. */
function decisionsCsv(subject: string, trials: readonly CueConflictTrial[]): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = trials.map((t, i) => [subject, '1', String(i + 1), 'NaN', t.decision, t.shape, '0', t.image].map(quote).join(','));
  return `subj,session,trial,rt,object_response,category,condition,imagename\n${rows.join('\n')}\n`;
}

export async function runShapeBias(input: TaskInput<ShapeBiasSettings>): Promise<ResultEnvelope<ShapeBiasResult>> {
  const tStart = performance.now();
  const options = { imagenetClassnames: input.settings.imagenet_classnames, categoryMapping: input.settings.category_mapping };
  if ((options.imagenetClassnames === undefined) !== (options.categoryMapping === undefined)) {
    throw new HoloclipError('the 1000-way mode needs both --imagenet-classnames and --category-mapping');
  }
  const dataset = input.data.one('dataset').dataset;
  if (dataset.kind !== 'imagefolder') throw new HoloclipError(`shape-bias data ${dataset.source} must be a folder of shape-category folders holding <shape>N-<texture>M.png stimuli`);
  // Category names are the shape folders (sorted), whatever names the prompts use.
  const categories = [...new Set(Array.from(dataset.items, (it) => it.id.split('/')[0]))].sort();
  const templateSet = input.templates;
  const stimuli = Array.from(dataset.items, (it) => parseCueConflictName(path.basename(it.id)));
  const ctx = input.context;
  {
    const set = await ctx.embed(dataset, 'stimuli');
    let decisions: string[];
    let head: string;
    if (options.imagenetClassnames && options.categoryMapping) {
      const names = await readClassnames(options.imagenetClassnames);
      const mapping = await readCategoryMapping(options.categoryMapping);
      const missing = categories.filter((c) => !mapping.some((m) => m.name === c));
      if (missing.length > 0) throw new HoloclipError(`category mapping ${options.categoryMapping} has no entry for stimulus categories ${missing.join(', ')}`);
      for (const m of mapping) {
        const bad = m.indices.find((i) => i < 0 || i >= names.length);
        if (bad !== undefined) throw new HoloclipError(`category mapping ${options.categoryMapping}: index ${bad} of "${m.name}" is outside the ${names.length} class names of ${options.imagenetClassnames}`);
      }
      const classifier = await ctx.classifier(names, templateSet.templates);
      const logits = ctx.logits(set, classifier);
      const probs = softmaxRows(logits, set.n, names.length);
      decisions = decisionsFromProbabilities(probs, set.n, names.length, mapping);
      head = `${names.length}-way zero-shot head over ${options.imagenetClassnames}; softmax probabilities averaged within each category of ${options.categoryMapping}, argmax`;
    } else {
      if (dataset.classnamesSource !== 'folder names' && dataset.classnames.length !== categories.length) {
        throw new HoloclipError(`--classnames gives ${dataset.classnames.length} names for ${categories.length} category folders`);
      }
      const classifier = await ctx.classifier(dataset.classnames, templateSet.templates);
      const logits = ctx.logits(set, classifier);
      const preds = argmaxRows(logits, set.n, categories.length);
      decisions = Array.from(preds, (p) => categories[p]);
      head = `${categories.length}-way zero-shot head over the category names (${dataset.classnamesSource}), argmax`;
    }
    const trials: CueConflictTrial[] = Array.from(set.ok, (item, i) => ({ image: path.basename(item.id), ...stimuli[item.index], decision: decisions[i] }));
    const metrics = shapeBias(trials);
    const result: ResultEnvelope<ShapeBiasResult> = {
      ...ctx.envelopeHead('shape-bias'),
      dataset: ctx.datasetRecord(set),
      metrics,
      conventions: {
        decisions: head,
        shape_bias: 'shape decisions / (shape + texture decisions); stimuli whose shape and texture category are equal are dropped (Geirhos et al. 2019, model-vs-human)',
        categories,
        ...templateConventions(templateSet),
        ...ctx.preprocessConventions(),
        ...ctx.executionConventions(),
      },
      cache: { store: ctx.store.root, images_inferred: set.inferred },
      timing: { total_s: (performance.now() - tStart) / 1000 },
    };
    const dir = path.resolve(input.out);
    await writeFileAtomic(path.join(dir, 'decisions.csv'), decisionsCsv(path.basename(ctx.model.dir), trials));
    await writeFailures(dir, [{ name: 'data', failures: set.failures }]);
    await writeResult(dir, result);
    return result;
  }
}
