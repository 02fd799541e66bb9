/**
 * `holoclip run`: build the built-in benchmarks, open every dataset, then
 *   1. embedding units (model x dataset) fill the shared store; `--shard i/N` stops after its share;
 *   2. metric units (model x task) missing from the store (`<store>/units/<key>/`) are computed from
 *      the cached embeddings;
 *   3. aggregation writes results.json, results.csv and the report.
 * Every write is atomic and every unit is keyed by content, so a killed run resumes where it
 * stopped and a finished one reruns with no inference.
 */
import path from 'node:path';
import { findBenchmark } from '../benchmarks/index.js';
import type { Dataset } from '../data/index.js';
import { HoloclipError } from '../errors.js';
import type { TemplateSet } from '../head/templates.js';
import { DEFAULT_MAX_IMAGE_PIXELS, resolvePreprocessMode, type PreprocessChoice, type PreprocessMode } from '../image/index.js';
import type { DeviceChoice } from '../models/device.js';
import { identifyClassifier, identifyModel, type ModelIdentity } from '../models/model-identity.js';
import { canonicalKey } from '../store/canonical-json.js';
import { FileHashIndex } from '../store/hash.js';
import { ChartCache } from '../store/chart-cache.js';
import { ItemStatCache } from '../data/item-bytes.js';
import { StoreDamageError, rowsDigest } from '../store/integrity.js';
import { StaleInputCheck, UnitResultStore } from '../store/unit-results.js';
import { corruptionLabel } from '../corruptions/registry.js';
import { TaskData, type OpenedData } from '../tasks/definition.js';
import { EvalContext, type CommonEvalOptions } from '../tasks/eval-context.js';
import { taskOfType } from '../tasks/registry.js';
import type { ProgressSink } from '../util/progress.js';
import { HOLOCLIP_VERSION } from '../util/version.js';
import { aggregateSuite, type UnitResult } from './aggregate.js';
import { SuiteError, type ResolvedModel, type ResolvedSuite } from './load-suite.js';
import { estimateSuiteDepth, openedFingerprint, openSuiteDatasets, type OpenedDataset } from './open-datasets.js';
import { embeddingUnitId, planSuite, shardUnits, type EmbeddingUnit, type MetricUnit } from './plan.js';
import { writeSuiteOutputs } from './write-outputs.js';
import { EmbeddingPhaseProgress, MetricPhaseProgress } from './suite-progress.js';

export interface RunSuiteOptions {
  readonly shard?: { index: number; count: number };
  readonly threads?: number;
  /** Overrides the suite's `device` (default cpu). */
  readonly device?: DeviceChoice;
  readonly decodeWorkers?: number;
  /** Overrides the suite's `preprocess` (default auto). */
  readonly preprocess?: PreprocessChoice;
  /** Overrides the suite's `max_image_pixels` (default Pillow's 89,478,485). */
  readonly maxImagePixels?: number;
  /** Write report/index.html (default true). */
  readonly report?: boolean;
  /** Remove damaged store entries (chunks, text-cache entries, unit folders) and recompute them, with a warning. */
  readonly repair?: boolean;
  readonly progress: ProgressSink;
  readonly warn: (message: string) => void;
}

export interface RunSuiteSummary {
  readonly suite: string;
  readonly shard: string | null;
  readonly models: number;
  readonly embeddingUnits: { total: number; thisProcess: number };
  readonly imagesInferred: number;
  readonly metricUnits: { total: number; computed: number; cached: number };
  readonly skipped: number;
  readonly out: string;
  readonly files: { results: string; csv: string; report: string | null } | null;
  readonly seconds: number;
  /** Wall seconds per stage, in run order (benchmarks, datasets, embedding, metrics, outputs; a shard stops after embedding). */
  readonly stages: ReadonlyArray<{ readonly stage: string; readonly seconds: number }>;
}

export interface ModelRuntime {
  readonly model: ResolvedModel;
  readonly identity: ModelIdentity;
  /** The concrete preprocessing mode for this model (auto resolved against its folder): part of the unit key. */
  readonly preprocess: PreprocessMode;
}

/** Each model's identity (file hashes) and concrete preprocessing mode. */
export async function resolveModelRuntimes(suite: ResolvedSuite, hashIndex: FileHashIndex, preprocessChoice: PreprocessChoice): Promise<Map<string, ModelRuntime>> {
  const runtimes = new Map<string, ModelRuntime>();
  for (const m of suite.models) {
    const identity = m.inspected.kind === 'classifier' ? await identifyClassifier(m.inspected.folder, hashIndex) : await identifyModel(m.inspected.folder, hashIndex);
    runtimes.set(m.name, { model: m, identity, preprocess: await resolvePreprocessMode(m.dir, preprocessChoice) });
  }
  return runtimes;
}

/**
 * The templates a unit's class head uses: its prompt set; when the suite defines no prompt set (the
 * implicit "default"), the templates shipped with the unit's first dataset (ImageNet-D's "A photo of a {c}",
 * objectnet-113's CLIP_benchmark templates, WebDataset shards), as `holoclip eval` does; else the default.
 */
function unitTemplates(u: MetricUnit, suite: ResolvedSuite, opened: ReadonlyMap<string, OpenedDataset>): TemplateSet {
  const named = suite.prompts.get(u.prompts ?? suite.defaultPrompts)!.set;
  if (named.source !== 'default') return named;
  const first = Object.values(u.datasets).flat()[0];
  const shipped = first === undefined ? undefined : opened.get(first)?.dataset.adapter?.templates;
  if (shipped && shipped.length > 0) return { templates: [...shipped], source: `the dataset's own templates (${opened.get(first)?.dataset.adapter?.type ?? 'dataset'})` };
  return named;
}

/**
 * The unit's content key: everything its numbers depend on, and nothing else (no paths, no times),
 * including the digests of the embedding rows it reads (`embeddings`: embedding unit id -> rowsDigest).
 */
export function unitKey(
  u: MetricUnit,
  suite: ResolvedSuite,
  rt: ModelRuntime,
  fingerprints: ReadonlyMap<string, string>,
  opened: ReadonlyMap<string, OpenedDataset>,
  embeddings: Readonly<Record<string, string>>,
  maxImagePixels: number,
): string {
  const datasets = Object.values(u.datasets).flat();
  // Which images are readable depends on the pixel limit; the default keeps the keys of earlier runs.
  const limit = maxImagePixels === DEFAULT_MAX_IMAGE_PIXELS ? {} : { max_image_pixels: maxImagePixels };
  return canonicalKey({
    holoclip: HOLOCLIP_VERSION,
    kind: u.keyKind,
    model: { files: rt.identity.all, dtype: rt.model.dtype, logit_scale: rt.model.logitScale ?? null, logit_bias: rt.model.logitBias ?? null, preprocess: rt.preprocess, ...limit },
    task: u.keyConfig,
    datasets: Object.fromEntries(datasets.map((d) => [d, fingerprints.get(d) ?? null])),
    templates: u.prompts ? unitTemplates(u, suite, opened).templates : null,
    embeddings,
  });
}

/** The digests of the embedding units a metric unit reads (computed by this run's embedding phase). */
function embeddingDigestsOf(u: MetricUnit, reads: ReadonlyMap<string, readonly string[]>, digests: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of reads.get(u.id) ?? []) {
    const d = digests.get(id);
    if (d === undefined) throw new HoloclipError(`internal: no embedding digest for ${id} (needed by unit ${u.id})`);
    out[id] = d;
  }
  return out;
}

/** Runs a unit with the task that computes it, on the datasets the suite opened (with their corruption, if any). */
async function runMetricUnit(u: MetricUnit, suite: ResolvedSuite, ctx: EvalContext, opened: ReadonlyMap<string, OpenedDataset>, dir: string, warn: (m: string) => void): Promise<void> {
  const def = taskOfType(u.computedBy);
  if (!def.run) throw new HoloclipError(`internal: ${def.type} has no metric unit of its own`);
  const byKey = new Map<string, OpenedData[]>();
  for (const [key, names] of Object.entries(u.datasets)) {
    byKey.set(
      key,
      names.map((name) => {
        const d = opened.get(name);
        if (!d) throw new HoloclipError(`internal: dataset ${name} was not opened`);
        return { name, dataset: d.dataset, captions: d.captions, pairs: d.pairs, depthDir: d.resolved.depthDir, depthModel: d.resolved.depthModel };
      }),
    );
  }
  const templates = unitTemplates(u, suite, opened);
  await def.run({ settings: u.settings, data: new TaskData(byKey), templates, context: ctx, out: dir, warn });
}

export async function runSuite(suite: ResolvedSuite, options: RunSuiteOptions): Promise<RunSuiteSummary> {
  const t0 = performance.now();
  const stages: Array<{ stage: string; seconds: number }> = [];
  let stageStart = t0;
  const endStage = (stage: string) => {
    const now = performance.now();
    stages.push({ stage, seconds: (now - stageStart) / 1000 });
    stageStart = now;
  };
  const preprocessChoice = options.preprocess ?? suite.preprocess;
  const maxImagePixels = options.maxImagePixels ?? suite.maxImagePixels;
  const { progress } = options;

  // 1. Built-in benchmarks (a no-op when up to date).
  for (const name of suite.benchmarks) {
    const b = findBenchmark(name);
    if (!b) throw new HoloclipError(`internal: unknown benchmark ${name}`);
    await b.build({ out: path.join(suite.benchmarksDir, name), progress });
  }

  endStage('benchmarks');

  // 2. Open every dataset the plan reads; all problems at once, before any inference.
  const plan = planSuite(suite);
  // The embedded datasets, and those a metric unit reads itself (correspondence pairs: no embedding unit).
  const needed = new Set([...plan.embedding.map((u) => u.dataset), ...plan.metric.flatMap((u) => Object.values(u.datasets).flat())]);
  const { opened, problems, pendingDepth } = await openSuiteDatasets(suite, needed);
  if (problems.length > 0) throw new SuiteError(suite.file, problems);

  const hashIndex = await FileHashIndex.open(suite.store);
  // Each image is stat'ed once in this run, whichever models and tasks read it (and all see the same snapshot).
  const itemStats = new ItemStatCache();
  await estimateSuiteDepth(opened, pendingDepth, { root: suite.store, hashIndex }, progress);
  const runtimes = await resolveModelRuntimes(suite, hashIndex, preprocessChoice);
  const commonFor = (m: ResolvedModel, sink: ProgressSink): CommonEvalOptions => ({
    model: m.dir,
    dtype: m.dtype,
    batchSize: suite.batchSize,
    store: suite.store,
    preprocess: runtimes.get(m.name)?.preprocess ?? preprocessChoice,
    logitScale: m.logitScale,
    logitBias: m.logitBias,
    logitScaleSource: 'suite',
    inspected: m.inspected,
    card: m.card,
    shared: { hashIndex, itemStats },
    threads: options.threads,
    device: options.device ?? suite.device,
    decodeWorkers: options.decodeWorkers,
    maxImagePixels,
    repair: options.repair === true,
    progress: sink,
    warn: options.warn,
  });

  endStage('datasets');

  // 3. Embedding units (this shard's share).
  const embeddingUnits = options.shard ? shardUnits(plan.embedding, options.shard) : [...plan.embedding];
  const sizeOf = (name: string): Dataset => opened.get(name)!.dataset;
  const totalImages = embeddingUnits.reduce((n, u) => n + sizeOf(u.dataset).items.length, 0);
  const suiteProgress = new EmbeddingPhaseProgress(progress, totalImages, embeddingUnits.length);
  let imagesInferred = 0;
  /** Embedding unit id -> digest of the rows it holds (part of the keys of the metric units that read it). */
  const embeddingDigests = new Map<string, string>();
  const byModel = new Map<string, EmbeddingUnit[]>();
  for (const u of embeddingUnits) byModel.set(u.model, [...(byModel.get(u.model) ?? []), u]);
  const contexts = new Map<string, EvalContext>();
  const contextFor = async (m: ResolvedModel, sink: ProgressSink): Promise<EvalContext> => {
    let ctx = contexts.get(m.name);
    if (!ctx) {
      ctx = await EvalContext.open(commonFor(m, sink));
      contexts.set(m.name, ctx);
    }
    return ctx;
  };
  try {
    if (embeddingUnits.length > 0) suiteProgress.begin();
    for (const m of suite.models) {
      const units = byModel.get(m.name);
      if (!units) continue;
      const ctx = await contextFor(m, suiteProgress);
      for (const unit of units) {
        const d = sizeOf(unit.dataset);
        const label = `${m.name} x ${unit.dataset}${unit.corruption ? ` (${corruptionLabel(unit.corruption)})` : ''}`;
        suiteProgress.beginUnit(label, d.items.length);
        const set = await ctx.embed(d, label, unit.corruption ? { corruption: unit.corruption } : {});
        embeddingDigests.set(embeddingUnitId(unit), rowsDigest(set.keys.slice(), set.embeddings));
        suiteProgress.endUnit();
        imagesInferred += set.inferred;
      }
      // One model at a time in memory: the metric phase reopens it only if a unit is missing.
      await ctx.close();
      contexts.delete(m.name);
    }
    if (embeddingUnits.length > 0) suiteProgress.end();
    await hashIndex.save();
    endStage('embedding');

    if (options.shard) {
      return {
        suite: suite.name,
        shard: `${options.shard.index}/${options.shard.count}`,
        models: suite.models.length,
        embeddingUnits: { total: plan.embedding.length, thisProcess: embeddingUnits.length },
        imagesInferred,
        metricUnits: { total: plan.metric.length, computed: 0, cached: 0 },
        skipped: plan.skipped.length,
        out: suite.out,
        files: null,
        seconds: (performance.now() - t0) / 1000,
        stages,
      };
    }

    // 4. Metric units: content keys from model files and dataset bytes (stat-cached hashes).
    const fingerprints = new Map<string, string>();
    for (const [name, d] of opened) fingerprints.set(name, await openedFingerprint(d, hashIndex, itemStats));
    await hashIndex.save();
    const unitStore = new UnitResultStore(suite.store);
    const staleCheck = new StaleInputCheck(suite.store);
    await unitStore.removeStale();
    const unitResults: UnitResult[] = [];
    const metricProgress = new MetricPhaseProgress(progress, plan.metric.length);
    metricProgress.begin();
    let computed = 0;
    let cached = 0;
    for (const m of suite.models) {
      const rt = runtimes.get(m.name)!;
      const units = plan.metric.filter((u) => u.model === m.name);
      for (const u of units) {
        const key = unitKey(u, suite, rt, fingerprints, opened, embeddingDigestsOf(u, plan.reads, embeddingDigests), maxImagePixels);
        metricProgress.beginUnit(u.id.replace(/\|/g, ' / '));
        const found = await unitStore.check(key);
        let reuse = found.kind === 'done';
        if (found.kind === 'done') {
          const stale = await staleCheck.of(found.manifest.reads);
          if (stale !== null) {
            options.warn(`unit ${u.label}: ${stale}; recomputing it`);
            await unitStore.remove(key);
            reuse = false;
          }
        } else if (found.kind === 'damaged') {
          if (options.repair !== true) throw new StoreDamageError(found.damage);
          options.warn(`unit ${u.label}: removed its damaged folder ${unitStore.dirFor(key)} (${found.damage.file}: ${found.damage.problem}); recomputing it`);
          await unitStore.remove(key);
        } else if (found.kind === 'partial') {
          options.warn(`unit ${u.label}: its folder ${unitStore.dirFor(key)} has no result.json (a run was killed while writing it); recomputing it`);
        }
        if (reuse) {
          cached++;
        } else {
          const ctx = await contextFor(m, metricProgress);
          await unitStore.compute(
            key,
            async (dir) => {
              ctx.store.reads.start();
              await runMetricUnit(u, suite, ctx, opened, dir, options.warn);
            },
            () => ctx.store.reads.stop(),
          );
          computed++;
          staleCheck.forget(); // the unit may have written store entries that later units' checks read
        }
        metricProgress.endUnit();
        unitResults.push({ unit: u, dir: unitStore.dirFor(key), label: u.label });
      }
      const ctx = contexts.get(m.name);
      if (ctx) {
        await ctx.close();
        contexts.delete(m.name);
      }
    }

    metricProgress.end();
    endStage('metrics');

    // 5. Aggregation and report.
    const results = await aggregateSuite(suite, plan, unitResults, opened);
    const files = await writeSuiteOutputs(results, suite.out, { report: options.report !== false, units: unitResults, charts: ChartCache.forStore(suite.store, options.warn) });
    endStage('outputs');
    return {
      suite: suite.name,
      shard: null,
      models: suite.models.length,
      embeddingUnits: { total: plan.embedding.length, thisProcess: embeddingUnits.length },
      imagesInferred,
      metricUnits: { total: plan.metric.length, computed, cached },
      skipped: plan.skipped.length,
      out: suite.out,
      files,
      seconds: (performance.now() - t0) / 1000,
      stages,
    };
  } finally {
    for (const ctx of contexts.values()) await ctx.close();
  }
}
