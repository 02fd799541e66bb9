/**
 * The envelope every task writes as result.json: task, model, dataset(s), metrics, conventions,
 * cache and timing. Also the small writers tasks share (all atomic).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SkippedFiles } from '../data/index.js';
import type { ScoreKind } from '../models/families.js';
import type { ModelCard } from '../models/model-card.js';
import type { LogitScaleSource } from '../models/logit-scale.js';
import type { ItemFailure } from '../pipeline/embed-images.js';
import { writeChunksAtomic, writeJsonAtomic } from '../store/atomic.js';

export interface ModelRecord {
  path: string;
  model_type: string;
  dtype: string;
  logit_scale: number;
  logit_bias: number;
  logit_scale_source: LogitScaleSource;
  logit_scale_detail: string;
  scoring: ScoreKind;
  files_sha256: Record<string, string>;
  /** The folder's holoclip.json model card (architecture, training data, size, loss, fine-tuning), if any. */
  card: ModelCard | null;
}

export interface DatasetRecord {
  path: string;
  kind: string;
  n: number;
  num_classes: number;
  failed: number;
  failures: Array<{ id: string; error: string }>;
  skipped: SkippedFiles;
  classnames_source: string;
  images_inferred: number;
  /** "name:severity" when the data were corrupted on the fly. */
  corruption?: string;
  corruption_seed?: number;
  /** How the corrupted images were made (corruptions/protocol.ts `protocolLabel`), e.g. `imagenet-c+jpeg85`. */
  corruption_protocol?: string;
  /** The dataset layout that read it, and the class subset (ImageNet-R/A, ObjectNet) it evaluates with. */
  adapter?: { type: string; class_subset?: { of: string; size: number; indices: number[] }; notes?: Record<string, string | number> };
  crop_border?: number;
  /** Class names given twice, kept because allowed (allow_duplicate_classes) or because the dataset type's reference list repeats them. */
  duplicate_classes?: Array<{ name: string; labels: number[] }>;
}

export interface ResultEnvelope<M> {
  task: string;
  holoclip_version: string;
  created: string;
  model: ModelRecord | null;
  /** The main dataset (for single-dataset tasks). */
  dataset?: DatasetRecord;
  /** Named datasets (calibration shifts, OOD sets). */
  datasets?: Record<string, DatasetRecord>;
  metrics: M;
  conventions: Record<string, unknown>;
  cache?: Record<string, unknown>;
  timing?: Record<string, number | null>;
}

/** JSON lines, atomically; the rows may be generated as they are written (never all in memory at once). */
export async function writeJsonlAtomic(file: string, rows: Iterable<unknown>): Promise<void> {
  await writeChunksAtomic(file, jsonLines(rows));
}

function* jsonLines(rows: Iterable<unknown>): Generator<string> {
  for (const row of rows) yield `${JSON.stringify(row)}\n`;
}

/** failures.jsonl for every dataset of a run (removed when there are none). */
export async function writeFailures(dir: string, sets: ReadonlyArray<{ name: string; failures: readonly ItemFailure[] }>): Promise<void> {
  const file = path.join(dir, 'failures.jsonl');
  const rows = sets.flatMap((s) => s.failures.map((f) => ({ dataset: s.name, id: f.id, path: f.path, error: f.error })));
  if (rows.length > 0) await writeJsonlAtomic(file, rows);
  else await fs.rm(file, { force: true });
}

/** result.json last: its presence marks a complete run directory. */
export async function writeResult(dir: string, result: ResultEnvelope<unknown>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeJsonAtomic(path.join(dir, 'result.json'), result);
}
