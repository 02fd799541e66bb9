/**
 * `eval factors`: zero-shot predictions on ImageNet images joined, by file name, with ImageNet-X
 * annotations -> per-factor accuracy, error ratio and the worst factor (Idrissi et al. 2022).
 * Also writes the predictions in imagenetx's `model_predictions` CSV layout, so they can be
 * re-scored with `holoclip score factors`.
 */
import path from 'node:path';
import { someItem } from '../../data/item-list.js';
import { HoloclipError } from '../../errors.js';
import { readFactorAnnotations } from '../../formats/index.js';
import { factorMetrics, type FactorMetrics } from '../../metrics/factors.js';
import { rowConfidence } from '../../models/scoring.js';
import { writeFileAtomic } from '../../store/atomic.js';
import { ClassificationAccumulator } from '../../metrics/classification.js';
import { templateConventions } from '../../head/text-classifier.js';
import type { TaskInput } from '../definition.js';
import { writeFailures, writeResult, type ResultEnvelope } from '../result-envelope.js';
import { prototypeFilter, type PrototypeMode } from './prototypes.js';

export interface FactorsSettings {
  /** ImageNet-X annotation file (absolute path). */
  readonly annotations: string;
  /** drop (default, as imagenetx) or keep the prototypical images. */
  readonly prototypes: PrototypeMode;
  /** The prototypical images list (absolute path); default: the registered imagenetx/prototypical_paths.csv. */
  readonly prototypical?: string;
}

export type FactorsTaskMetrics = FactorMetrics & { top1_all_images: number; label_mismatches: number };

export async function runFactors(input: TaskInput<FactorsSettings>): Promise<ResultEnvelope<FactorsTaskMetrics>> {
  const tStart = performance.now();
  const options = { annotations: input.settings.annotations, warn: input.warn };
  const dataset = input.data.one('dataset').dataset;
  const annotations = await readFactorAnnotations(options.annotations);
  const prototypes = await prototypeFilter(input.settings.prototypes ?? 'drop', input.settings.prototypical);
  const exclude = prototypes.exclude;
  const templateSet = input.templates;
  const byName = new Map(annotations.map((a) => [a.file_name, a]));
  if (!someItem(dataset.items, (it) => byName.has(path.basename(it.id)))) {
    throw new HoloclipError(`no image of ${dataset.source} has an annotation in ${options.annotations} (annotations are joined by file name, e.g. ${annotations[0]?.file_name ?? '?'})`);
  }
  const ctx = input.context;
  {
    const c = dataset.classnames.length;
    const classifier = await ctx.classifier(dataset.classnames, templateSet.templates);
    const set = await ctx.embedItems(dataset);
    // Scored block by block from the store's rows: one prediction and one confidence per image are kept, never the
    // n x classes logits (classificationMetrics' top-1 and predictionConfidence's values, bit for bit).
    const acc = new ClassificationAccumulator(c, false);
    const preds = new Int32Array(set.n);
    const confidence = new Float64Array(set.n);
    const scratch = new Float64Array(c);
    for (const block of await ctx.logitBlocks(set, classifier)) {
      for (let r = 0; r < block.count; r++) {
        const i = block.start + r;
        preds[i] = acc.add(block.logits, r, set.ok.labelAt(i));
        confidence[i] = rowConfidence(block.logits, r, c, ctx.rule.kind, scratch);
      }
    }
    const { top1 } = acc.result();
    const correctByFile = new Map<string, boolean>();
    let labelMismatches = 0;
    for (let i = 0; i < set.ok.length; i++) {
      const item = set.ok.get(i);
      const name = path.basename(item.id);
      if (correctByFile.has(name)) throw new HoloclipError(`${dataset.source} holds two images named ${name}; ImageNet-X joins by file name`);
      correctByFile.set(name, preds[i] === item.label);
      const ann = byName.get(name);
      if (ann && ann.label !== item.label) labelMismatches++;
    }
    if (labelMismatches > 0) {
      options.warn(`WARNING: ${labelMismatches} images have a dataset label different from the ImageNet-X class; is the class order ImageNet's (sorted wnids)?`);
    }
    const metrics: FactorsTaskMetrics = { ...factorMetrics(annotations, correctByFile, { exclude }), top1_all_images: top1, label_mismatches: labelMismatches };
    const result: ResultEnvelope<FactorsTaskMetrics> = {
      ...ctx.envelopeHead('factors'),
      dataset: ctx.datasetRecord(set),
      metrics,
      conventions: {
        annotations: path.resolve(options.annotations),
        join: 'dataset images joined to annotations by file name',
        correct: 'zero-shot prediction equals the dataset label',
        overall_accuracy: 'accuracy over the annotated images evaluated (as imagenetx aggregates)',
        error_ratio: '(1 - accuracy on images with the factor) / (1 - overall accuracy)',
        prototypes: prototypes.mode,
        prototypical: prototypes.convention,
        ...templateConventions(templateSet),
        ...ctx.preprocessConventions(),
        ...ctx.executionConventions(),
      },
      cache: { store: ctx.store.root, images_inferred: set.inferred, classifier_key: classifier.cacheKey },
      timing: { total_s: (performance.now() - tStart) / 1000 },
    };
    const dir = path.resolve(input.out);
    const csv = Array.from(set.ok, (item, i) => `${path.basename(item.id)},${preds[i]},${confidence[i]}`);
    await writeFileAtomic(path.join(dir, 'predictions.csv'), `file_name,predicted_class,predicted_probability\n${csv.join('\n')}\n`);
    await writeFailures(dir, [{ name: 'data', failures: set.failures }]);
    await writeResult(dir, result);
    return result;
  }
}
