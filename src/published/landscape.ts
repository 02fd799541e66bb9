/**
 * The published landscape: the paper's factor analysis on real published numbers. Pure: tables in (tables.ts),
 * analysis out; the files are read in load.ts.
 *
 * - Effective robustness per shift (ImageNet-V2, -Sketch, -R, -A) of every published CLIP checkpoint (open_clip's
 *   `openclip_results.csv`) and every imagenet-testbed model, against the line imagenet-testbed fits: its
 *   standard-training models (model_types.py + use_for_line_fit), logit axes, 0% / 100% rows left out, ImageNet
 *   `val` on x. The fit and its bootstrap are metrics/effective-robustness.ts's, the code path of
 *   `holoclip score effective-robustness` (same line, same numbers).
 * - Intervals: the line's bootstrap (resampled baseline models, `samples`, `seed`). A mean over models (a factor
 *   group, a population) is resampled twice: at resample s, the line of resample s and the group's models drawn
 *   with replacement; its interval is the 2.5 / 97.5 percentile of those means (percentileInterval).
 * - Factors (catalogue facts, unknown left out of a factor's groups): groups with their spread; the factor's
 *   between-group range over the groups of at least MIN_GROUP models, with its interval from the same resamples.
 * - Controlled pairs: two checkpoints whose facts differ in exactly one of CONTROLLED_FACTORS, all the others
 *   known and equal (samples seen may be unknown for both: listed as unverified).
 * - Retrieval (open_clip's retrieval table) and ImageNet-O against ER, as correlations across checkpoints.
 * - ObjectNet (two protocols) and ImageNet-O are never put on a testbed line: reported apart, labelled.
 */
import { percentileInterval, bootstrapBaseline, effectiveRobustnessFromBootstrap, inverseTransform, transformAccuracy, type BaselineBootstrap, type ExtremeAccuracies } from '../metrics/effective-robustness.js';
import { createRng } from '../metrics/random.js';
import { TESTBED_STANDARD_RULE, testbedUsesForLineFit } from '../formats/testbed-model-types.js';
import type { Catalog } from '../models/catalog.js';
import { BENCHMARKS, ER_SHIFTS, ID_BENCHMARK, RETRIEVAL_METRICS, benchmarkSpec, type BenchmarkKey, type RetrievalKey } from './benchmarks.js';
import { PUBLISHED_FACTORS, factOf, joinFactors, type FactValue, type PublishedFactor, type PublishedFactors } from './factors.js';
import { correlationWithBootstrap, spreadOf, type Correlation, type Spread } from './stats.js';
import type { ClipRow, ClipTable, PublishedNumber, SourceRef, TestbedTable } from './tables.js';

export interface LandscapeInput {
  /** open_clip's openclip_results.csv: the primary source of every CLIP number. */
  readonly openclip: ClipTable;
  /** open_clip's openclip_classification_results.csv: checked cell by cell against openclip_results.csv. */
  readonly classification: ClipTable;
  readonly retrieval: ClipTable;
  /** CLIP_benchmark's benchmark.csv: a second run of the same protocol, compared, never mixed in. */
  readonly clipBenchmark: ClipTable;
  readonly testbed: TestbedTable;
  /** imagenet-testbed's nat_model_types_map. */
  readonly natTypes: ReadonlyMap<string, string>;
  readonly catalog: Catalog;
}

export interface LandscapeOptions {
  readonly samples: number;
  readonly seed: number;
  readonly extremes: ExtremeAccuracies;
}

export const DEFAULT_LANDSCAPE_OPTIONS: LandscapeOptions = { samples: 1000, seed: 0, extremes: 'exclude' };
/** Groups smaller than this are listed but left out of a factor's between-group range. */
export const MIN_GROUP = 3;
export const CONTROLLED_FACTORS: readonly PublishedFactor[] = ['model', 'training_data', 'samples_seen', 'loss', 'fine_tuned'];
/**
 * The one factor a controlled pair may leave unverified: samples seen, when the catalogue knows it for neither
 * model (open_clip's epoch-named tags, `laion400m_e32`, `openai`); the pair lists it under `unverified`. Every
 * other factor must be known for both and equal, except the one that differs.
 */
const UNVERIFIABLE: PublishedFactor = 'samples_seen';
/** `mean`: the mean over ER_SHIFTS of a model's ER (models with all four). */
export type ShiftOrMean = BenchmarkKey | 'mean';

export interface Estimate {
  value: number;
  low: number;
  high: number;
}

export interface ModelEr {
  effective_robustness: number;
  predicted: number;
  low: number;
  high: number;
}

export interface TracedValue {
  value: number;
  source: SourceRef;
}

export interface LineResult {
  shift: BenchmarkKey;
  label: string;
  id_column: string;
  shift_column: string;
  baseline_set: { name: 'standard'; rule: string; size: number; models: string[]; excluded_at_0_or_100_percent: string[] };
  transform: 'logit';
  extremes: ExtremeAccuracies;
  slope: Estimate;
  intercept: Estimate;
  r2: number;
}

export interface ClipModelResult {
  id: string;
  model: string;
  pretrained: string;
  factors: PublishedFactors;
  accuracy: Partial<Record<BenchmarkKey, TracedValue>>;
  retrieval: Partial<Record<RetrievalKey, TracedValue>>;
  er: Partial<Record<BenchmarkKey, ModelEr>>;
  mean_er: number | null;
}

export interface TestbedModelResult {
  model: string;
  nat_type: string | null;
  in_line_fit: boolean;
  accuracy: Partial<Record<BenchmarkKey, TracedValue>>;
  er: Partial<Record<BenchmarkKey, ModelEr>>;
  mean_er: number | null;
}

export interface GroupStats {
  /** Mean ER and its interval, with the spread of the members' ERs. */
  er: Partial<Record<ShiftOrMean, (Spread & { low: number; high: number }) | null>>;
  /** Mean shifted (and ImageNet) accuracy of the members. */
  accuracy: Partial<Record<BenchmarkKey, number | null>>;
}

export interface GroupResult extends GroupStats {
  value: string;
  n: number;
  models: string[];
}

export interface FactorResult {
  factor: string;
  label: string;
  /** How a model's fact becomes its group. */
  grouping: string;
  unknown: string[];
  groups: GroupResult[];
  /** max - min of the group mean ERs over groups of at least MIN_GROUP models, with its interval. */
  spread: Partial<Record<ShiftOrMean, { range: number; low: number; high: number; groups: string[] } | null>>;
}

export interface PopulationResult extends GroupStats {
  name: string;
  description: string;
  n: number;
}

export interface ControlledPair {
  factor: PublishedFactor;
  a: string;
  b: string;
  a_value: FactValue;
  b_value: FactValue;
  /** Factors unknown for one or both models, so not verified equal. */
  unverified: PublishedFactor[];
  /** ER(b) - ER(a) per shift and for the mean. */
  delta_er: Partial<Record<ShiftOrMean, number>>;
}

/** A model to place among the published ones (a suite's own model): its accuracies by benchmark. */
export interface PlacedModelInput {
  name: string;
  accuracy: Partial<Record<BenchmarkKey, number>>;
}

export interface PlacedModelResult {
  name: string;
  accuracy: Partial<Record<BenchmarkKey, number>>;
  /** ER against the testbed line, by the same code path and resamples as the published checkpoints. */
  er: Partial<Record<BenchmarkKey, ModelEr>>;
  mean_er: number | null;
  /** Fraction of the published CLIP checkpoints with a lower ER on the shift. */
  er_percentile: Partial<Record<BenchmarkKey, number>>;
  /** Benchmarks with no line (ObjectNet, ImageNet-O): fraction of the published CLIP checkpoints with a lower accuracy. */
  accuracy_percentile: Partial<Record<BenchmarkKey, number>>;
}

export interface LandscapeResult {
  options: LandscapeOptions;
  sources: Array<{ table: string; rows: number; role: string }>;
  benchmarks: Array<{ key: BenchmarkKey; label: string; protocol: string; columns: Record<string, string> }>;
  lines: LineResult[];
  clip_models: ClipModelResult[];
  testbed_models: TestbedModelResult[];
  populations: PopulationResult[];
  factors: FactorResult[];
  controlled_pairs: ControlledPair[];
  controlled_summary: Array<{ factor: PublishedFactor; pairs: number; mean_abs_delta_mean_er: number | null; max_abs_delta_mean_er: number | null }>;
  retrieval_vs_robustness: Array<{ metric: RetrievalKey; label: string; vs_mean_er: Correlation; vs_imagenet: Correlation }>;
  imagenet_o: { protocol: string; n: number; vs_mean_er: Correlation; vs_imagenet: Correlation; range: Spread | null };
  kept_apart: Array<{ benchmark: BenchmarkKey; label: string; protocol: string; reason: string; clip_models: number; testbed_models: number }>;
  same_checkpoint: Array<{ testbed: string; clip: string; values: Array<{ benchmark: BenchmarkKey; testbed: number | null; clip: number | null; difference: number | null; comparable: boolean }> }>;
  source_agreement: {
    classification_vs_results: { cells: number; differing: number };
    clip_benchmark_vs_openclip: Array<{ benchmark: BenchmarkKey; models: number; max_abs_difference: number | null; mean_abs_difference: number | null; largest: string | null }>;
  };
  headline: {
    clip_vs_standard: Partial<Record<ShiftOrMean, { clip: Estimate; standard: Estimate } | null>>;
    factor_ranking: Array<{ factor: string; range: number; low: number; high: number }>;
  };
  placed: PlacedModelResult[];
}

function fractionBelow(values: readonly number[], v: number): number {
  return values.length === 0 ? Number.NaN : values.filter((x) => x < v).length / values.length;
}

/** The testbed rows known to be the CLIP checkpoints open_clip publishes (imagenet-testbed's own CLIP evaluations). */
export const TESTBED_CLIP_ROWS: ReadonlyArray<{ testbed: string; clip: string }> = [
  { testbed: 'vit_b_32_clip_zeroshot', clip: 'ViT-B-32/openai' },
  { testbed: 'resnet50_clip_zeroshot', clip: 'RN50/openai' },
];

function traced(n: PublishedNumber | undefined): TracedValue | undefined {
  return n === undefined ? undefined : { value: n.value, source: n.ref };
}

function clipAccuracies(row: ClipRow): Partial<Record<BenchmarkKey, TracedValue>> {
  const out: Partial<Record<BenchmarkKey, TracedValue>> = {};
  for (const b of BENCHMARKS) {
    if (b.columns.openclip === undefined) continue;
    const v = traced(row.values.get(b.columns.openclip));
    if (v !== undefined) out[b.key] = v;
  }
  return out;
}

/** Per shift: the bootstrapped line and, per member, its ER at every resample (for means over members). */
interface ShiftLine {
  shift: BenchmarkKey;
  boot: BaselineBootstrap;
  result: LineResult;
}

function erAtResamples(boot: BaselineBootstrap, id: number, shift: number): Float64Array {
  const t = transformAccuracy(id, boot.fit.transform, boot.fit.extremes);
  const out = new Float64Array(boot.samples);
  for (let s = 0; s < boot.samples; s++) out[s] = shift - inverseTransform(boot.a[s] * t + boot.b[s], boot.fit.transform);
  return out;
}

/** A model of the analysis: its ER and its ER at every resample, per shift and for the mean over shifts. */
interface Member {
  name: string;
  er: Partial<Record<ShiftOrMean, number>>;
  resampled: Partial<Record<ShiftOrMean, Float64Array>>;
  accuracy: Partial<Record<BenchmarkKey, number>>;
}

function memberOf(name: string, acc: Partial<Record<BenchmarkKey, TracedValue>>, lines: readonly ShiftLine[]): { member: Member; er: Partial<Record<BenchmarkKey, ModelEr>> } {
  const member: Member = { name, er: {}, resampled: {}, accuracy: {} };
  for (const [k, v] of Object.entries(acc) as Array<[BenchmarkKey, TracedValue]>) member.accuracy[k] = v.value;
  const er: Partial<Record<BenchmarkKey, ModelEr>> = {};
  const id = acc[ID_BENCHMARK]?.value;
  for (const line of lines) {
    const sh = acc[line.shift]?.value;
    if (id === undefined || sh === undefined) continue;
    const r = effectiveRobustnessFromBootstrap(line.boot, { id, shift: sh });
    er[line.shift] = { effective_robustness: r.effective_robustness, predicted: r.predicted_shift_accuracy, low: r.bootstrap.er_low, high: r.bootstrap.er_high };
    member.er[line.shift] = r.effective_robustness;
    member.resampled[line.shift] = erAtResamples(line.boot, id, sh);
  }
  if (lines.every((l) => member.er[l.shift] !== undefined)) {
    member.er.mean = lines.reduce((s, l) => s + (member.er[l.shift] as number), 0) / lines.length;
    const mean = new Float64Array(lines[0].boot.samples);
    for (const l of lines) {
      const r = member.resampled[l.shift] as Float64Array;
      for (let s = 0; s < mean.length; s++) mean[s] += r[s] / lines.length;
    }
    member.resampled.mean = mean;
  }
  return { member, er };
}

const SHIFTS_AND_MEAN: readonly ShiftOrMean[] = [...ER_SHIFTS, 'mean'];

/**
 * Group means of ER with intervals: at resample s, each group's members are drawn with replacement (one seeded
 * stream for all the groups of a call) and evaluated on the line of resample s. Returns per group and key the
 * spread and interval, and per key the between-group range of the groups with at least `minGroup` members.
 */
function groupStatistics(groups: ReadonlyArray<readonly Member[]>, samples: number, seed: number, minGroup: number): { stats: GroupStats[]; ranges: Partial<Record<ShiftOrMean, { range: number; low: number; high: number; included: number[] } | null>> } {
  const stats: GroupStats[] = groups.map(() => ({ er: {}, accuracy: {} }));
  const ranges: Partial<Record<ShiftOrMean, { range: number; low: number; high: number; included: number[] } | null>> = {};
  groups.forEach((members, g) => {
    for (const b of BENCHMARKS) {
      const vals = members.map((m) => m.accuracy[b.key]).filter((v): v is number => v !== undefined);
      stats[g].accuracy[b.key] = vals.length > 0 ? vals.reduce((a, c) => a + c, 0) / vals.length : null;
    }
  });
  for (const key of SHIFTS_AND_MEAN) {
    const with_ = groups.map((members) => members.filter((m) => m.resampled[key] !== undefined));
    const rng = createRng(seed);
    const means = with_.map(() => new Float64Array(samples));
    for (let s = 0; s < samples; s++) {
      with_.forEach((members, g) => {
        const n = members.length;
        if (n === 0) return;
        let sum = 0;
        for (let i = 0; i < n; i++) sum += (members[rng.nextInt(n)].resampled[key] as Float64Array)[s];
        means[g][s] = sum / n;
      });
    }
    with_.forEach((members, g) => {
      const sp = spreadOf(members.map((m) => m.er[key] as number));
      if (sp === null) {
        stats[g].er[key] = null;
        return;
      }
      const [low, high] = percentileInterval(Float64Array.from(means[g]));
      stats[g].er[key] = { ...sp, low, high };
    });
    const included = with_.map((m, g) => (m.length >= minGroup ? g : -1)).filter((g) => g >= 0);
    if (included.length < 2) {
      ranges[key] = null;
      continue;
    }
    const point = included.map((g) => (stats[g].er[key] as Spread).mean);
    const range = Math.max(...point) - Math.min(...point);
    const rs = new Float64Array(samples);
    for (let s = 0; s < samples; s++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const g of included) {
        lo = Math.min(lo, means[g][s]);
        hi = Math.max(hi, means[g][s]);
      }
      rs[s] = hi - lo;
    }
    const [low, high] = percentileInterval(rs);
    ranges[key] = { range, low, high, included };
  }
  return { stats, ranges };
}

/** How each factor's facts become groups. */
interface FactorGrouping {
  factor: string;
  label: string;
  grouping: string;
  group(f: PublishedFactors): string | null;
}

function bins(edges: ReadonlyArray<[number, string]>, last: string): (v: number) => string {
  return (v) => edges.find(([edge]) => v < edge)?.[1] ?? last;
}
const paramsBin = bins([[200e6, '<200M'], [500e6, '200M-500M'], [1e9, '500M-1B']], '>=1B');
const dataBin = bins([[100e6, '<100M'], [1e9, '100M-1B'], [3e9, '1B-3B']], '>=3B');
const samplesBin = bins([[1e9, '<1B'], [10e9, '1B-10B'], [20e9, '10B-20B']], '>=20B');

const numeric = (f: PublishedFactors, key: PublishedFactor, bin: (v: number) => string): string | null => {
  const v = factOf(f, key);
  return typeof v === 'number' ? bin(v) : null;
};

export const FACTOR_GROUPINGS: readonly FactorGrouping[] = [
  { factor: 'architecture', label: 'architecture family', grouping: 'catalogue architecture_family', group: (f) => stringOf(factOf(f, 'architecture_family')) },
  { factor: 'training_data', label: 'training data', grouping: 'catalogue training_data', group: (f) => stringOf(factOf(f, 'training_data')) },
  { factor: 'training_size', label: 'training set size', grouping: 'catalogue training_size: <100M, 100M-1B, 1B-3B, >=3B pairs', group: (f) => numeric(f, 'training_size', dataBin) },
  { factor: 'samples_seen', label: 'samples seen', grouping: 'catalogue samples_seen: <1B, 1B-10B, 10B-20B, >=20B', group: (f) => numeric(f, 'samples_seen', samplesBin) },
  { factor: 'loss', label: 'loss', grouping: 'catalogue loss', group: (f) => stringOf(factOf(f, 'loss')) },
  { factor: 'model_size', label: 'model size (parameters)', grouping: 'catalogue params: <200M, 200M-500M, 500M-1B, >=1B', group: (f) => numeric(f, 'params', paramsBin) },
  { factor: 'fine_tuned', label: 'fine-tuned', grouping: 'catalogue fine_tuned (false, true, or the fine-tuning set)', group: (f) => stringOf(factOf(f, 'fine_tuned')) },
];

function stringOf(v: FactValue | null): string | null {
  return v === null ? null : String(v);
}

function fitLine(input: LandscapeInput, shift: BenchmarkKey, options: LandscapeOptions): ShiftLine {
  const idCol = benchmarkSpec(ID_BENCHMARK).columns.testbed as string;
  const shiftCol = benchmarkSpec(shift).columns.testbed as string;
  const rows = input.testbed.rows.filter((r) => testbedUsesForLineFit(r.model, input.natTypes.get(r.model)) && r.values.has(idCol) && r.values.has(shiftCol));
  const ids = rows.map((r) => (r.values.get(idCol) as PublishedNumber).value);
  const shifts = rows.map((r) => (r.values.get(shiftCol) as PublishedNumber).value);
  const boot = bootstrapBaseline(ids, shifts, { transform: 'logit', extremes: options.extremes, samples: options.samples, seed: options.seed });
  const excluded = new Set(boot.fit.excluded);
  const [aLow, aHigh] = percentileInterval(Float64Array.from(boot.a));
  const [bLow, bHigh] = percentileInterval(Float64Array.from(boot.b));
  return {
    shift,
    boot,
    result: {
      shift,
      label: benchmarkSpec(shift).label,
      id_column: idCol,
      shift_column: shiftCol,
      baseline_set: {
        name: 'standard',
        rule: TESTBED_STANDARD_RULE,
        size: boot.fit.n,
        models: rows.filter((_, i) => !excluded.has(i)).map((r) => r.model),
        excluded_at_0_or_100_percent: boot.fit.excluded.map((i) => rows[i].model),
      },
      transform: 'logit',
      extremes: options.extremes,
      slope: { value: boot.fit.a, low: aLow, high: aHigh },
      intercept: { value: boot.fit.b, low: bLow, high: bHigh },
      r2: boot.fit.r2,
    },
  };
}

function testbedAccuracies(values: ReadonlyMap<string, PublishedNumber>): Partial<Record<BenchmarkKey, TracedValue>> {
  const out: Partial<Record<BenchmarkKey, TracedValue>> = {};
  for (const b of BENCHMARKS) {
    if (b.columns.testbed === undefined) continue;
    const v = traced(values.get(b.columns.testbed));
    if (v !== undefined) out[b.key] = v;
  }
  return out;
}

function controlledPairs(models: readonly ClipModelResult[], members: ReadonlyMap<string, Member>): ControlledPair[] {
  const pairs: ControlledPair[] = [];
  for (let i = 0; i < models.length; i++) {
    for (let j = i + 1; j < models.length; j++) {
      const a = models[i];
      const b = models[j];
      const differ: PublishedFactor[] = [];
      const unverified: PublishedFactor[] = [];
      let unknownElsewhere = false;
      for (const f of CONTROLLED_FACTORS) {
        const va = factOf(a.factors, f);
        const vb = factOf(b.factors, f);
        if (va !== null && vb !== null) {
          if (va !== vb) differ.push(f);
        } else if (f === UNVERIFIABLE && va === null && vb === null) unverified.push(f);
        else unknownElsewhere = true;
      }
      if (differ.length !== 1 || unknownElsewhere) continue;
      const factor = differ[0];
      const ma = members.get(a.id) as Member;
      const mb = members.get(b.id) as Member;
      const delta: Partial<Record<ShiftOrMean, number>> = {};
      for (const k of SHIFTS_AND_MEAN) {
        if (ma.er[k] !== undefined && mb.er[k] !== undefined) delta[k] = (mb.er[k] as number) - (ma.er[k] as number);
      }
      pairs.push({ factor, a: a.id, b: b.id, a_value: factOf(a.factors, factor) as FactValue, b_value: factOf(b.factors, factor) as FactValue, unverified, delta_er: delta });
    }
  }
  return pairs;
}

/** The whole analysis. Deterministic for given tables and options. */
export function analyzeLandscape(input: LandscapeInput, options: LandscapeOptions = DEFAULT_LANDSCAPE_OPTIONS, placedModels: readonly PlacedModelInput[] = []): LandscapeResult {
  const { samples, seed } = options;
  const lines = ER_SHIFTS.map((shift) => fitLine(input, shift, options));

  // The published CLIP checkpoints.
  const members = new Map<string, Member>();
  const clipModels: ClipModelResult[] = input.openclip.rows.map((row) => {
    const accuracy = clipAccuracies(row);
    const retrieval: Partial<Record<RetrievalKey, TracedValue>> = {};
    const rr = input.retrieval.byId.get(row.identity.id);
    for (const m of RETRIEVAL_METRICS) {
      const v = traced(rr?.values.get(m.column));
      if (v !== undefined) retrieval[m.key] = v;
    }
    const first = [...row.values.values()][0];
    const factors = joinFactors(row.identity, input.catalog, `${input.openclip.resource} line ${first?.ref.line ?? '?'}: name`);
    const { member, er } = memberOf(row.identity.id, accuracy, lines);
    members.set(row.identity.id, member);
    return { id: row.identity.id, model: row.identity.model, pretrained: row.identity.pretrained, factors, accuracy, retrieval, er, mean_er: member.er.mean ?? null };
  });

  // The testbed's models, on their own line.
  const testbedMembers = new Map<string, Member>();
  const testbedModels: TestbedModelResult[] = input.testbed.rows.map((row) => {
    const accuracy = testbedAccuracies(row.values);
    const { member, er } = memberOf(row.model, accuracy, lines);
    testbedMembers.set(row.model, member);
    const natType = input.natTypes.get(row.model) ?? null;
    return { model: row.model, nat_type: natType, in_line_fit: testbedUsesForLineFit(row.model, natType ?? undefined), accuracy, er, mean_er: member.er.mean ?? null };
  });

  // Populations: the published CLIP checkpoints, the line's own models, and every testbed type.
  const natTypes = [...new Set(testbedModels.map((m) => m.nat_type ?? 'unlisted'))];
  const populationDefs: Array<{ name: string; description: string; members: Member[] }> = [
    { name: 'published CLIP', description: `the ${clipModels.length} open_clip checkpoints of ${input.openclip.resource}`, members: clipModels.map((m) => members.get(m.id) as Member) },
    { name: 'testbed standard (line fit)', description: "imagenet-testbed's line-fit models (STANDARD, no aws / batch64 / subsample)", members: testbedModels.filter((m) => m.in_line_fit).map((m) => testbedMembers.get(m.model) as Member) },
    ...natTypes.map((t) => ({ name: `testbed ${t}`, description: `imagenet-testbed models of type ${t} (model_types.py nat_model_types_map)`, members: testbedModels.filter((m) => (m.nat_type ?? 'unlisted') === t).map((m) => testbedMembers.get(m.model) as Member) })),
  ];
  const pop = groupStatistics(populationDefs.map((p) => p.members), samples, seed, 1);
  const populations: PopulationResult[] = populationDefs.map((p, i) => ({ name: p.name, description: p.description, n: p.members.length, ...pop.stats[i] }));

  // Factors.
  const factors: FactorResult[] = FACTOR_GROUPINGS.map((g) => {
    const byValue = new Map<string, ClipModelResult[]>();
    const unknown: string[] = [];
    for (const m of clipModels) {
      const v = g.group(m.factors);
      if (v === null) unknown.push(m.id);
      else byValue.set(v, [...(byValue.get(v) ?? []), m]);
    }
    const values = [...byValue.keys()].sort();
    const st = groupStatistics(values.map((v) => (byValue.get(v) as ClipModelResult[]).map((m) => members.get(m.id) as Member)), samples, seed, MIN_GROUP);
    const groups: GroupResult[] = values.map((v, i) => ({ value: v, n: (byValue.get(v) as ClipModelResult[]).length, models: (byValue.get(v) as ClipModelResult[]).map((m) => m.id), ...st.stats[i] }));
    const spread: FactorResult['spread'] = {};
    for (const k of SHIFTS_AND_MEAN) {
      const r = st.ranges[k];
      spread[k] = r == null ? null : { range: r.range, low: r.low, high: r.high, groups: r.included.map((i) => values[i]) };
    }
    return { factor: g.factor, label: g.label, grouping: g.grouping, unknown, groups, spread };
  });

  const pairs = controlledPairs(clipModels, members);
  const controlledSummary = CONTROLLED_FACTORS.map((f) => {
    const ds = pairs.filter((p) => p.factor === f && p.delta_er.mean !== undefined).map((p) => Math.abs(p.delta_er.mean as number));
    return { factor: f, pairs: pairs.filter((p) => p.factor === f).length, mean_abs_delta_mean_er: ds.length > 0 ? ds.reduce((a, c) => a + c, 0) / ds.length : null, max_abs_delta_mean_er: ds.length > 0 ? Math.max(...ds) : null };
  });

  // Retrieval and ImageNet-O against classification robustness.
  const withMean = clipModels.filter((m) => m.mean_er !== null && m.accuracy[ID_BENCHMARK] !== undefined);
  const retrievalVs = RETRIEVAL_METRICS.map((r, i) => {
    const ms = withMean.filter((m) => m.retrieval[r.key] !== undefined);
    const x = ms.map((m) => (m.retrieval[r.key] as TracedValue).value);
    return {
      metric: r.key,
      label: r.label,
      vs_mean_er: correlationWithBootstrap(x, ms.map((m) => m.mean_er as number), samples, seed + 1 + i),
      vs_imagenet: correlationWithBootstrap(x, ms.map((m) => (m.accuracy[ID_BENCHMARK] as TracedValue).value), samples, seed + 1 + i),
    };
  });
  const withO = withMean.filter((m) => m.accuracy['imagenet-o'] !== undefined);
  const oVals = withO.map((m) => (m.accuracy['imagenet-o'] as TracedValue).value);
  const imagenetO = {
    protocol: benchmarkSpec('imagenet-o').protocol,
    n: withO.length,
    vs_mean_er: correlationWithBootstrap(oVals, withO.map((m) => m.mean_er as number), samples, seed + 11),
    vs_imagenet: correlationWithBootstrap(oVals, withO.map((m) => (m.accuracy[ID_BENCHMARK] as TracedValue).value), samples, seed + 11),
    range: spreadOf(oVals),
  };

  const keptApart = (['objectnet-113', 'objectnet-testbed', 'imagenet-o'] as const).map((k) => {
    const spec = benchmarkSpec(k);
    const reason =
      k === 'imagenet-o'
        ? 'no testbed column and no shifted-accuracy meaning (an OOD set scored as classification): correlated with ER, never on a line'
        : k === 'objectnet-113'
          ? "the CLIP tables' ObjectNet is CLIP_benchmark's 113-way protocol; the testbed line is on its own protocol (objectnet-1.0-beta), so CLIP ObjectNet numbers are never put on it"
          : "the testbed's ObjectNet protocol; the published CLIP tables do not report it, so it is never compared with their ObjectNet column";
    return {
      benchmark: k,
      label: spec.label,
      protocol: spec.protocol,
      reason,
      clip_models: clipModels.filter((m) => m.accuracy[k] !== undefined).length,
      testbed_models: testbedModels.filter((m) => m.accuracy[k] !== undefined).length,
    };
  });

  const sameCheckpoint = TESTBED_CLIP_ROWS.flatMap(({ testbed, clip }) => {
    const t = testbedModels.find((m) => m.model === testbed);
    const c = clipModels.find((m) => m.id === clip);
    if (t === undefined || c === undefined) return [];
    const keys: BenchmarkKey[] = [ID_BENCHMARK, ...ER_SHIFTS, 'objectnet-testbed'];
    return [
      {
        testbed,
        clip,
        values: keys.map((k) => {
          const cv = (k === 'objectnet-testbed' ? c.accuracy['objectnet-113'] : c.accuracy[k])?.value ?? null;
          const tv = t.accuracy[k]?.value ?? null;
          return { benchmark: k, testbed: tv, clip: cv, difference: tv !== null && cv !== null ? cv - tv : null, comparable: k !== 'objectnet-testbed' };
        }),
      },
    ];
  });

  // The two CLIP_benchmark-protocol sources against each other.
  let cells = 0;
  let differing = 0;
  for (const row of input.openclip.rows) {
    const other = input.classification.byId.get(row.identity.id);
    if (other === undefined) continue;
    for (const [col, v] of other.values) {
      const mine = row.values.get(col);
      if (mine === undefined || /^Average/.test(col)) continue;
      cells++;
      if (mine.value !== v.value) differing++;
    }
  }
  const agreement = BENCHMARKS.filter((b) => b.columns.openclip !== undefined && b.columns.clipBenchmark !== undefined).map((b) => {
    const diffs: Array<[string, number]> = [];
    for (const row of input.clipBenchmark.rows) {
      const cb = row.values.get(b.columns.clipBenchmark as string);
      const oc = input.openclip.byId.get(row.identity.id)?.values.get(b.columns.openclip as string);
      if (cb !== undefined && oc !== undefined) diffs.push([row.identity.id, Math.abs(cb.value - oc.value)]);
    }
    const largest = diffs.length > 0 ? diffs.reduce((a, c) => (c[1] > a[1] ? c : a)) : null;
    return {
      benchmark: b.key,
      models: diffs.length,
      max_abs_difference: largest?.[1] ?? null,
      mean_abs_difference: diffs.length > 0 ? diffs.reduce((a, c) => a + c[1], 0) / diffs.length : null,
      largest: largest?.[0] ?? null,
    };
  });

  const standard = populations[1];
  const clipPop = populations[0];
  const clipVsStandard: LandscapeResult['headline']['clip_vs_standard'] = {};
  for (const k of SHIFTS_AND_MEAN) {
    const c = clipPop.er[k];
    const s = standard.er[k];
    clipVsStandard[k] = c && s ? { clip: { value: c.mean, low: c.low, high: c.high }, standard: { value: s.mean, low: s.low, high: s.high } } : null;
  }
  const ranking = factors
    .flatMap((f) => (f.spread.mean ? [{ factor: f.factor, range: f.spread.mean.range, low: f.spread.mean.low, high: f.spread.mean.high }] : []))
    .sort((a, b) => b.range - a.range);

  const placed: PlacedModelResult[] = placedModels.map((p) => {
    const acc: Partial<Record<BenchmarkKey, TracedValue>> = {};
    for (const [k, v] of Object.entries(p.accuracy) as Array<[BenchmarkKey, number]>) acc[k] = { value: v, source: { table: 'placed', line: 0, row: p.name, column: k } };
    const { member, er } = memberOf(p.name, acc, lines);
    const erPercentile: Partial<Record<BenchmarkKey, number>> = {};
    for (const [k, e] of Object.entries(er) as Array<[BenchmarkKey, ModelEr]>) {
      erPercentile[k] = fractionBelow(clipModels.flatMap((m) => (m.er[k] ? [m.er[k].effective_robustness] : [])), e.effective_robustness);
    }
    const accPercentile: Partial<Record<BenchmarkKey, number>> = {};
    for (const k of ['objectnet-113', 'imagenet-o'] as const) {
      const v = p.accuracy[k];
      if (v !== undefined) accPercentile[k] = fractionBelow(clipModels.flatMap((m) => (m.accuracy[k] ? [m.accuracy[k].value] : [])), v);
    }
    return { name: p.name, accuracy: { ...p.accuracy }, er, mean_er: member.er.mean ?? null, er_percentile: erPercentile, accuracy_percentile: accPercentile };
  });

  return {
    options,
    sources: [
      { table: input.openclip.resource, rows: input.openclip.rows.length, role: 'every CLIP accuracy (primary)' },
      { table: input.classification.resource, rows: input.classification.rows.length, role: 'checked cell by cell against the primary' },
      { table: input.retrieval.resource, rows: input.retrieval.rows.length, role: 'retrieval recalls' },
      { table: input.clipBenchmark.resource, rows: input.clipBenchmark.rows.length, role: 'a second CLIP_benchmark run of 13 checkpoints: compared with the primary, never mixed in' },
      { table: input.testbed.resource, rows: input.testbed.rows.length, role: 'the baseline line (standard-training models) and the ImageNet models' },
    ],
    benchmarks: BENCHMARKS.map((b) => ({ key: b.key, label: b.label, protocol: b.protocol, columns: { ...b.columns } as Record<string, string> })),
    lines: lines.map((l) => l.result),
    clip_models: clipModels,
    testbed_models: testbedModels,
    populations,
    factors,
    controlled_pairs: pairs,
    controlled_summary: controlledSummary,
    retrieval_vs_robustness: retrievalVs,
    imagenet_o: imagenetO,
    kept_apart: keptApart,
    same_checkpoint: sameCheckpoint,
    source_agreement: { classification_vs_results: { cells, differing }, clip_benchmark_vs_openclip: agreement },
    headline: { clip_vs_standard: clipVsStandard, factor_ranking: ranking },
    placed,
  };
}

export { PUBLISHED_FACTORS };
