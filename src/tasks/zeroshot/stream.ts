/**
 * `eval zeroshot` over blocks of logits: the metrics, predictions.jsonl and logits.npy of a run, computed and written
 * block after block so that memory holds one block of logits whatever the dataset's size. The results are the ones
 * the whole-matrix path gave (classificationMetrics, predictionConfidence, and test/helpers/zeroshot-oracle.ts), to the
 * bit and the byte: test/scale-streaming.test.ts checks that on random data.
 */
import path from 'node:path';
import { someItem, type ItemList } from '../../data/item-list.js';
import { ClassificationAccumulator } from '../../metrics/classification.js';
import type { ScoreKind } from '../../models/families.js';
import { rowConfidence } from '../../models/scoring.js';
import { AtomicWriter } from '../../store/atomic.js';
import { NpyStreamWriter } from '../../store/npy.js';
import type { SubsetMetrics, ZeroShotMetrics } from './result.js';

/** Rows [start, start + count) of the logits matrix (count x classes, row-major). */
export interface ZeroShotBlock {
  readonly start: number;
  readonly count: number;
  readonly logits: Float32Array;
}

type Subsets = ReadonlyArray<{ readonly name: string; readonly prefix: string }>;

/** The running metrics of one zero-shot run: pooled, and per subset when the dataset has subsets (ImageNet-D). */
export class ZeroShotAccumulator {
  private readonly pooled: ClassificationAccumulator;
  private readonly pooledAnyOf: boolean;
  private readonly subsets: Array<{ name: string; prefix: string; acc: ClassificationAccumulator; anyOf: boolean }> | null;
  private readonly scratch: Float64Array;
  private next = 0;

  /** `items[i]` is row i of the logits; `c` the classes; `kind` the model family's scoring rule (for confidence). */
  constructor(
    private readonly items: ItemList,
    private readonly c: number,
    private readonly kind: ScoreKind,
    subsets?: Subsets,
  ) {
    // As classificationMetrics is called: any-of labels when any item (of the set, of the subset) has them.
    this.pooledAnyOf = someItem(items, (item) => item.labels !== undefined);
    this.pooled = new ClassificationAccumulator(c, this.pooledAnyOf);
    this.subsets =
      subsets && subsets.length > 0
        ? subsets.map((s) => {
            const anyOf = someItem(items, (it) => it.labels !== undefined && it.id.startsWith(s.prefix));
            return { name: s.name, prefix: s.prefix, anyOf, acc: new ClassificationAccumulator(c, anyOf) };
          })
        : null;
    this.scratch = new Float64Array(c);
  }

  /** Add the next block (blocks in row order); returns its rows' predictions and confidences. */
  add(block: ZeroShotBlock): { preds: Int32Array; confidence: Float64Array } {
    if (block.start !== this.next) throw new RangeError(`zero-shot blocks must come in row order: expected row ${this.next}, got ${block.start}`);
    if (block.start + block.count > this.items.length || block.logits.length !== block.count * this.c) {
      throw new RangeError(`zero-shot block [${block.start}, ${block.start + block.count}) does not fit ${this.items.length} rows of ${this.c} classes`);
    }
    const preds = new Int32Array(block.count);
    const confidence = new Float64Array(block.count);
    for (let r = 0; r < block.count; r++) {
      const item = this.items.get(block.start + r);
      preds[r] = this.pooled.add(block.logits, r, item.label, this.pooledAnyOf ? (item.labels ?? [item.label]) : undefined);
      if (this.subsets) {
        for (const s of this.subsets) if (item.id.startsWith(s.prefix)) s.acc.add(block.logits, r, item.label, s.anyOf ? (item.labels ?? [item.label]) : undefined);
      }
      confidence[r] = rowConfidence(block.logits, r, this.c, this.kind, this.scratch);
    }
    this.next += block.count;
    return { preds, confidence };
  }

  /** The metrics once every row was added, as result.json holds them. */
  metrics(): ZeroShotMetrics {
    if (this.next !== this.items.length) throw new RangeError(`zero-shot metrics after ${this.next} of ${this.items.length} rows`);
    const pooled = this.pooled.result();
    if (!this.subsets) return pooled;
    const subsets: Record<string, SubsetMetrics> = {};
    for (const s of this.subsets) if (s.acc.count > 0) subsets[s.name] = { ...s.acc.result(), n: s.acc.count };
    return { ...pooled, subsets };
  }
}

/**
 * logits.npy and predictions.jsonl of a run directory, written block after block to temp files and renamed into
 * place by {@link commit} (the same bytes the whole-matrix writer gave: test/helpers/zeroshot-oracle.ts).
 */
export class ZeroShotOutputWriter {
  private constructor(
    private readonly logits: NpyStreamWriter,
    private readonly predictions: AtomicWriter,
  ) {}

  static async open(outDir: string, n: number, c: number): Promise<ZeroShotOutputWriter> {
    const dir = path.resolve(outDir);
    const logits = await NpyStreamWriter.open(path.join(dir, 'logits.npy'), 'float32', [n, c]);
    try {
      return new ZeroShotOutputWriter(logits, await AtomicWriter.open(path.join(dir, 'predictions.jsonl')));
    } catch (err) {
      await logits.abort();
      throw err;
    }
  }

  /** Append a block's logits and its rows' prediction lines (`items[i]` is row i of the whole matrix). */
  async add(items: ItemList, block: ZeroShotBlock, preds: Int32Array, confidence: Float64Array): Promise<void> {
    await this.logits.append(block.logits);
    let lines = '';
    for (let r = 0; r < block.count; r++) {
      const item = items.get(block.start + r);
      lines += `${JSON.stringify({ id: item.id, target: item.label, pred: preds[r], confidence: confidence[r] })}\n`;
    }
    await this.predictions.write(lines);
  }

  /** logits.npy, then predictions.jsonl, into place (the order the whole-matrix writer used). */
  async commit(): Promise<void> {
    try {
      await this.logits.commit();
    } catch (err) {
      await this.predictions.abort();
      throw err;
    }
    await this.predictions.commit();
  }

  async abort(): Promise<void> {
    await this.logits.abort();
    await this.predictions.abort();
  }
}

/**
 * Score every block (in row order) into the run's metrics and its streamed outputs; the outputs are committed only
 * when every block went through (else their temp files are removed and the error is thrown).
 */
export async function streamZeroShot(
  blocks: Iterable<ZeroShotBlock>,
  items: ItemList,
  c: number,
  kind: ScoreKind,
  subsets: Subsets | undefined,
  outDir: string,
): Promise<ZeroShotMetrics> {
  const acc = new ZeroShotAccumulator(items, c, kind, subsets);
  const writer = await ZeroShotOutputWriter.open(outDir, items.length, c);
  let metrics: ZeroShotMetrics;
  try {
    for (const block of blocks) {
      const { preds, confidence } = acc.add(block);
      await writer.add(items, block, preds, confidence);
    }
    metrics = acc.metrics();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writer.commit();
  return metrics;
}
