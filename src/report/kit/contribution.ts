/**
 * What a task contributes to the report: its section, its columns of the summary table and its key
 * metrics (compared between models in "What differs between models"). Each task definition owns
 * one; the report assembles them in registry order.
 */
import type { ReportContext, Section } from './blocks.js';
import type { NumberKind } from './format.js';
import type { Measured, ResultsQuery } from './results-query.js';
import type { TableColumn } from './tables.js';

/** A column of the summary table: one number per model. */
export interface SummaryColumn extends TableColumn {
  value(model: string): Measured | undefined;
  kind?: NumberKind;
}

/** A key metric of one model: what it is, and the rows behind it. */
export interface KeyMetric {
  /** Stable id: `<kind>:<task>`, e.g. "top1:zeroshot", "ece_after:calibration". */
  id: string;
  /** For people, e.g. "mean top-1 on fluent-3d, silhouette, openmoji". */
  label: string;
  kind: NumberKind;
  measured: Measured;
}

export interface ReportContribution {
  /** The task's section (undefined when the results have nothing for it). */
  section(ctx: ReportContext): Section | undefined;
  /** Its columns of the summary table. */
  summaryColumns?(ctx: ReportContext): SummaryColumn[];
  /** Its key metrics for one model. */
  keyMetrics?(q: ResultsQuery, model: string): KeyMetric[];
}

/** "top-1 on fluent-3d" or "mean top-1 on fluent-3d, silhouette, openmoji". */
export function onDatasets(metric: string, datasets: string[]): string {
  return datasets.length > 1 ? `mean ${metric} on ${datasets.join(', ')}` : `${metric} on ${datasets[0] ?? '?'}`;
}

/** Name the task only when several tasks of the type would give identical labels. */
export function withTask(q: ResultsQuery, type: string, task: string, label: string): string {
  return q.tasksOfType(type).length > 1 ? `${label} [${task}]` : label;
}

/** A summary header: the dataset, or "mean (N sets)", with the task id when several tasks share the type. */
export function meanHeader(datasets: string[], task: string, namedTask: boolean): string {
  const base = datasets.length === 1 ? datasets[0] : `mean (${datasets.length} sets)`;
  return namedTask ? `${base} [${task}]` : base;
}

/** Whether the results have several tasks of a type (then headers name the task). */
export function severalOf(q: ResultsQuery, type: string): boolean {
  return q.tasksOfType(type).length > 1;
}
