/**
 * `eval zeroshot --corruption ...`: zero-shot accuracy on corrupted versions of a dataset, generated
 * on the fly (ImageNet-C geometry, seeded per image) and cached like any embedding. Reports top-1 per
 * corruption and severity, the clean top-1, the mean over severities, the mean corruption accuracy,
 * and mCE / relative mCE against a reference model's errors when given.
 */
import path from 'node:path';
import { describeProtocol, protocolLabel, type CorruptionProtocol } from '../../corruptions/protocol.js';
import { completeWithDepthModel, findDepthMaps, missingDepthError } from '../../depth/sources.js';
import { corruptionLabel, findCorruption, type CorruptionSpec } from '../../corruptions/registry.js';
import { HoloclipError } from '../../errors.js';
import { readReferenceErrors } from '../../formats/reference-errors.js';
import { embeddedReferenceErrors, findEmbeddedReferenceErrors } from '../../refdata/embedded.js';
import { summarizeCorruptions, type CorruptionSummary, type ReferenceErrors } from '../../metrics/corruption.js';
import { writeFileAtomic } from '../../store/atomic.js';
import { ClassificationAccumulator, classificationConventions } from '../../metrics/classification.js';
import { templateConventions } from '../../head/text-classifier.js';
import type { TaskInput } from '../definition.js';
import type { EvalContext } from '../eval-context.js';
import { writeFailures, writeResult, type ResultEnvelope } from '../result-envelope.js';

export interface CorruptionSettings {
  /** The corruptions to evaluate, parsed once (NAME:SEVERITY each, with the seed). */
  readonly specs: readonly CorruptionSpec[];
  /** A folder holding depth maps at the images' relative paths (3D corruptions), absolute. */
  readonly depth_dir?: string;
  /** A depth-estimation model for images without a depth map (maps cached in the store), absolute. */
  readonly depth_model?: string;
  /** A shipped reference's name (`alexnet`) or a CSV of a reference model's errors (corruption,severity,error), absolute. */
  readonly reference_errors?: string;
  /** How every corrupted image is made (geometry, JPEG round trip), resolved once from the options. */
  readonly protocol: CorruptionProtocol;
}

export interface CorruptionCellResult {
  corruption: string;
  severity: number;
  n: number;
  top1: number;
  top5: number | null;
}

export interface CorruptionTaskMetrics extends CorruptionSummary {
  clean: { n: number; top1: number; top5: number | null };
  cells: CorruptionCellResult[];
}


function csvTable(metrics: CorruptionTaskMetrics): string {
  const lines = ['corruption,severity,n,top1,top5,error'];
  lines.push(`clean,0,${metrics.clean.n},${metrics.clean.top1},${metrics.clean.top5 ?? ''},${1 - metrics.clean.top1}`);
  for (const c of metrics.cells) lines.push(`${c.corruption},${c.severity},${c.n},${c.top1},${c.top5 ?? ''},${1 - c.top1}`);
  return `${lines.join('\n')}\n`;
}

export async function runCorruptionEval(input: TaskInput<CorruptionSettings>): Promise<ResultEnvelope<CorruptionTaskMetrics>> {
  const tStart = performance.now();
  const s = input.settings;
  const opened = input.data.one('dataset');
  const options = {
    corruptions: s.specs,
    // A suite dataset may carry its own depth settings; the task's win.
    depthDir: s.depth_dir ?? opened.depthDir,
    depthModel: s.depth_model ?? opened.depthModel,
    referenceErrors: s.reference_errors,
    progress: input.context.options.progress,
    threads: input.context.options.threads,
  };
  if (options.corruptions.length === 0) throw new HoloclipError('no corruption to evaluate');
  const dataset = opened.dataset;
  const templateSet = input.templates;
  const embedded = options.referenceErrors ? findEmbeddedReferenceErrors(options.referenceErrors) : undefined;
  const reference: ReferenceErrors | null = embedded ? embeddedReferenceErrors(embedded) : options.referenceErrors ? await readReferenceErrors(options.referenceErrors) : null;
  // Depth maps are looked up before any inference, so a missing one fails fast (unless a depth model
  // is given to estimate it, once the store is open).
  const needsDepth = options.corruptions.find((s) => findCorruption(s.name)?.needsDepth);
  const found = needsDepth ? await findDepthMaps(dataset, options.depthDir) : null;
  if (needsDepth && found && found.missing.length > 0 && !options.depthModel) throw missingDepthError(needsDepth.name, found.missing, dataset.items.length);
  const ctx = input.context;
  {
    let depthPaths: Map<number, string> | undefined;
    let depthEstimated = 0;
    if (found) {
      const complete = options.depthModel ? await completeWithDepthModel(found, options.depthModel, { root: ctx.store.root, hashIndex: ctx.hashIndex }, options.progress, options.threads) : { paths: found.paths, computed: 0 };
      depthPaths = complete.paths;
      depthEstimated = complete.computed;
    }
    const head = await ctx.classifier(dataset.classnames, templateSet.templates);
    const c = dataset.classnames.length;
    // Each set's logits are scored block by block from the store's rows (neither the n x dim embeddings nor the
    // n x classes logits are held whole), with classificationMetrics' counts: the same top-1 / top-5 bit for bit.
    const evaluate = async (label: string, transform: Parameters<EvalContext['embedItems']>[2]) => {
      const set = await ctx.embedItems(dataset, label, transform);
      const acc = new ClassificationAccumulator(c, false);
      for (const block of await ctx.logitBlocks(set, head)) {
        for (let r = 0; r < block.count; r++) acc.add(block.logits, r, set.ok.labelAt(block.start + r));
      }
      const m = acc.result();
      return { set, top1: m.top1, top5: m.top5 };
    };
    const clean = await evaluate('clean', {});
    const cells: CorruptionCellResult[] = [];
    const failures = [{ name: 'clean', failures: clean.set.failures }];
    let inferred = clean.set.inferred;
    const inferredBy: Record<string, number> = { clean: clean.set.inferred };
    for (const spec of options.corruptions) {
      const r = await evaluate(corruptionLabel(spec), { corruption: spec, depthPaths: findCorruption(spec.name)?.needsDepth ? depthPaths : undefined });
      cells.push({ corruption: spec.name, severity: spec.severity, n: r.set.n, top1: r.top1, top5: r.top5 });
      inferredBy[corruptionLabel(spec)] = r.set.inferred;
      failures.push({ name: corruptionLabel(spec), failures: r.set.failures });
      inferred += r.set.inferred;
    }
    const summary = summarizeCorruptions(cells, clean.top1, reference);
    const metrics: CorruptionTaskMetrics = { clean: { n: clean.set.n, top1: clean.top1, top5: clean.top5 }, cells, ...summary };
    const seeds = [...new Set(options.corruptions.map((s) => s.seed))];
    const result: ResultEnvelope<CorruptionTaskMetrics> = {
      ...ctx.envelopeHead('corruption'),
      dataset: ctx.datasetRecord(clean.set),
      metrics,
      conventions: {
        corruption_protocol: protocolLabel(s.protocol),
        corruption_geometry: s.protocol.geometry,
        corruption_jpeg_quality: s.protocol.jpegQuality,
        corruption_pipeline: describeProtocol(s.protocol),
        ...(found
          ? {
              depth_maps: `${found.paths.size} from files (next to the images${options.depthDir ? ` or under ${path.resolve(options.depthDir)}` : ''})${options.depthModel ? `, ${found.missing.length} estimated by ${path.resolve(options.depthModel)} (disparity min-max normalised to [0.05, 1] and inverted; cached in the store)` : ''}`,
            }
          : {}),
        corruption_seed: `global seed ${seeds.join(', ')}; each image's stream is seeded from (global seed, sha256 of the image file, corruption, severity)`,
        corruption_deviations: Object.fromEntries(
          [...new Set(options.corruptions.map((s) => s.name))].map((n) => [n, findCorruption(n)?.deviation ?? null]).filter(([, d]) => d !== null),
        ),
        mca: 'mean over corruptions of the mean top-1 over the severities measured',
        mce: reference
          ? `CE_c = sum_s err(c,s) / sum_s ref_err(c,s) over the reference ${embedded ? reference.source : `in ${path.resolve(reference.source)}`} (a reference mean over severities 1-5 is used as such when only it is given, with all five severities measured); mCE = mean CE over the corruptions the reference covers; relative CE uses (err - clean err) / (ref err - ref clean err). Ratios: the reference model = 1 (papers print x100)`
          : 'not computed: no --reference-errors',
        ...(embedded
          ? {
              reference_errors: {
                name: embedded.name,
                description: embedded.description,
                source: embedded.source,
                uncovered: embedded.uncovered,
                protocol_matches_reference: s.protocol.jpegQuality !== null && s.protocol.geometry === 'imagenet-c',
              },
            }
          : reference
            ? { reference_errors: { csv: path.resolve(reference.source) } }
            : {}),
        ...templateConventions(templateSet),
        classnames: dataset.classnames,
        ...ctx.preprocessConventions(),
        ...ctx.executionConventions(),
        ...classificationConventions(c),
      },
      cache: { store: ctx.store.root, images_inferred: inferred, images_inferred_by_set: inferredBy, depth_maps_estimated: depthEstimated, classifier_key: head.cacheKey },
      timing: { total_s: (performance.now() - tStart) / 1000 },
    };
    const dir = path.resolve(input.out);
    await writeFileAtomic(path.join(dir, 'corruption_table.csv'), csvTable(metrics));
    await writeFailures(dir, failures);
    await writeResult(dir, result);
    return result;
  }
}
