/**
 * Read-only queries over a SuiteResults: which tasks, datasets and prompt sets there are (in a stable
 * order), the row of one measurement, and means over rows. Every number the report shows goes through
 * here, so it is always either one row's value or the mean of named rows.
 */
import type { ResultRow, SuiteResults, TaskType } from '../../results/types.js';

/** The coordinates of one measurement (a row minus its value). `null` matches only a null field. */
export interface RowKey {
  model: string;
  task: string;
  dataset: string;
  prompts: string | null;
  variant: string | null;
  metric: string;
}

/**
 * A number and the rows it comes from: one row, or the mean of several (`derived: 'mean'`).
 * A mean is null when it has no inputs or any input is null, so a partial mean is never shown as if
 * it covered every set.
 */
export interface Measured {
  value: number | null;
  rows: ResultRow[];
  derived: 'mean' | null;
}

/** Indexed rows: exact lookups in O(1), filters in O(rows). */
export class ResultsQuery {
  readonly results: SuiteResults;
  private readonly byKey = new Map<string, ResultRow>();

  constructor(results: SuiteResults) {
    this.results = results;
    for (const row of results.rows) {
      const key = rowKeyString(row);
      // Keep the first of duplicate keys (there should be none), so lookups are deterministic.
      if (!this.byKey.has(key)) this.byKey.set(key, row);
    }
  }

  /** The row with exactly these coordinates. */
  row(key: RowKey): ResultRow | undefined {
    return this.byKey.get(rowKeyString(key));
  }

  /** Rows whose fields equal every given field (absent fields are unconstrained), in results order. */
  rows(filter: Partial<RowKey> & { type?: TaskType }): ResultRow[] {
    return this.results.rows.filter((r) => matches(r, filter));
  }

  /** Task ids of one type: declared tasks first (suite order), then ids seen only in rows. */
  tasksOfType(type: TaskType): string[] {
    const ids = this.results.tasks.filter((t) => t.type === type).map((t) => t.id);
    for (const r of this.results.rows) if (r.type === type && !ids.includes(r.task)) ids.push(r.task);
    return ids.filter((id) => this.results.rows.some((r) => r.task === id));
  }

  /** The datasets a task has rows for, in suite dataset order (then by first appearance). */
  datasetsOf(task: string, filter: Partial<RowKey> = {}): string[] {
    const seen = uniqueInOrder(this.rows({ ...filter, task }).map((r) => r.dataset));
    return this.inDatasetOrder(seen);
  }

  /**
   * A calibration task's evaluated sets, the in-distribution set first (the one its temperature row
   * names: the temperature is fitted there), then the shifted sets in suite order.
   */
  calibrationSets(task: string, filter: Partial<RowKey> = {}): string[] {
    const all = this.datasetsOf(task, filter);
    const id = this.rows({ task, metric: 'temperature' })[0]?.dataset;
    return id !== undefined && all.includes(id) ? [id, ...all.filter((d) => d !== id)] : all;
  }

  /** Sort dataset names as the suite lists them; names the suite does not list keep their order, last. */
  inDatasetOrder(names: string[]): string[] {
    const order = new Map(this.results.datasets.map((d, i) => [d.name, i]));
    const rank = (n: string): number => order.get(n) ?? Number.MAX_SAFE_INTEGER;
    return names.map((n, i) => ({ n, i })).sort((a, b) => rank(a.n) - rank(b.n) || a.i - b.i).map((x) => x.n);
  }

  /** Distinct non-null values of a row field for a task (prompt sets, variants, metrics), by first appearance. */
  valuesOf(task: string, field: 'prompts' | 'variant' | 'metric', filter: Partial<RowKey> = {}): string[] {
    const values = this.rows({ ...filter, task }).map((r) => r[field]);
    return uniqueInOrder(values.filter((v): v is string => v !== null));
  }

  /** Model names in suite order (the rows never add models: a model without a SuiteModel is ignored). */
  modelNames(): string[] {
    return this.results.models.map((m) => m.name);
  }

  /** Models that have at least one row for the task, in suite order. */
  modelsOf(task: string): string[] {
    const present = new Set(this.rows({ task }).map((r) => r.model));
    return this.modelNames().filter((m) => present.has(m));
  }

  /**
   * A zero-shot (or any prompted) row for a prompt set, falling back to the model's prompt-less row:
   * a classifier has one row per dataset with prompts null, and it belongs in every prompt set's view.
   */
  promptedRow(key: Omit<RowKey, 'prompts'>, prompts: string | null): ResultRow | undefined {
    return this.row({ ...key, prompts }) ?? (prompts === null ? undefined : this.row({ ...key, prompts: null }));
  }

  /**
   * One model's metric over a list of datasets: the row itself for one dataset, the mean for several.
   * Undefined when any dataset has no row (a mean over fewer sets would not be the same quantity).
   * `prompts` given: zero-shot semantics (see promptedRow); absent: the model's rows whatever their set.
   */
  over(key: Omit<RowKey, 'dataset' | 'prompts'> & { prompts?: string | null }, datasets: string[]): Measured | undefined {
    const rows: ResultRow[] = [];
    const { prompts, ...rest } = key;
    for (const dataset of datasets) {
      const row = prompts !== undefined ? this.promptedRow({ ...rest, dataset }, prompts) : this.rows({ ...rest, dataset })[0];
      if (row === undefined) return undefined;
      rows.push(row);
    }
    return rows.length === 1 ? single(rows[0]) : meanOfRows(rows);
  }

  /** The prompt set of a model's rows in a task (tasks other than zero-shot use one set per model). */
  promptsOf(model: string, task: string): string | null {
    return this.rows({ model, task })[0]?.prompts ?? null;
  }
}

/** One measurement: the row's value. Undefined row -> undefined (nothing measured). */
export function single(row: ResultRow | undefined): Measured | undefined {
  return row === undefined ? undefined : { value: row.value, rows: [row], derived: null };
}

/** The mean of rows' values (undefined without rows; null if any is null). */
export function meanOfRows(rows: ResultRow[]): Measured | undefined {
  if (rows.length === 0) return undefined;
  return { value: meanOrNull(rows.map((r) => r.value)), rows, derived: 'mean' };
}

/** Arithmetic mean in the given order; null for no values or any null. */
export function meanOrNull(values: Array<number | null>): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) {
    if (v === null) return null;
    sum += v;
  }
  return sum / values.length;
}

export function uniqueInOrder<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function matches(r: ResultRow, f: Partial<RowKey> & { type?: TaskType }): boolean {
  return (
    (f.type === undefined || r.type === f.type) &&
    (f.model === undefined || r.model === f.model) &&
    (f.task === undefined || r.task === f.task) &&
    (f.dataset === undefined || r.dataset === f.dataset) &&
    (f.prompts === undefined || r.prompts === f.prompts) &&
    (f.variant === undefined || r.variant === f.variant) &&
    (f.metric === undefined || r.metric === f.metric)
  );
}

function rowKeyString(k: RowKey): string {
  // JSON of an array: unambiguous for any characters in the names, and null stays distinct from "null".
  return JSON.stringify([k.model, k.task, k.dataset, k.prompts, k.variant, k.metric]);
}
