/**
 * Dense features of a list of images, through the dense store: each (image content, crop) is computed once per
 * dense space and read back by key; a rerun or a resumed run computes only what is missing. Images are decoded and
 * encoded batch by batch, and each batch is written as one chunk before the next is read, so memory holds one
 * batch (a killed run loses at most the batch in flight).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { canonicalKey } from '../store/canonical-json.js';
import { DenseStore, PRECISION_NOTES, type DensePrecision, type DenseSpace } from '../store/dense-store.js';
import { sha256 } from '../store/hash.js';
import { decodeLikePillow } from '../image/pil-decode.js';
import { describeDenseInput, prepareDenseInput, type CropBox, type DenseInputSpec } from '../image/dense-input.js';
import type { DenseEncoder, DenseModelInfo } from '../models/dense-encoder.js';
import { silentProgress, type ProgressSink } from '../util/progress.js';

/** Bumped when the preparation code changes what the model sees. */
const DENSE_PIPELINE_VERSION = 1;

/** One image to encode: its file, its content hash and an optional crop box. */
export interface DenseItem {
  readonly file: string;
  readonly fileSha256: string;
  readonly crop: CropBox | null;
}

/** The store key of an item: its bytes and its crop. */
export function denseItemKey(item: Pick<DenseItem, 'fileSha256' | 'crop'>): string {
  if (!item.crop) return item.fileSha256;
  return createHash('sha256').update(`holoclip-dense-crop|${item.fileSha256}|${item.crop.join(',')}`).digest('hex');
}

export function denseInputSpec(info: DenseModelInfo): DenseInputSpec {
  return { size: info.inputSize, mean: info.mean, std: info.std };
}

/** Everything the maps depend on: the space's meta (its key is the canonical hash of this). */
export function denseSpaceMeta(info: DenseModelInfo, precision: DensePrecision): Record<string, unknown> {
  return {
    kind: 'dense-features',
    version: DENSE_PIPELINE_VERSION,
    vision_sha256: info.visionSha256,
    dtype: info.dtype,
    output: info.spec.output,
    input: describeDenseInput(denseInputSpec(info)),
    precision,
    precision_note: PRECISION_NOTES[precision],
  };
}

/** Opens the dense space of a model (its shape from the card's grid and one probe of the encoder). */
export async function openDenseSpace(storeRoot: string, encoder: DenseEncoder, precision: DensePrecision): Promise<DenseSpace> {
  const info = encoder.info;
  const [h, w] = info.inputSize;
  const probe = await encoder.encode(new Float32Array(3 * h * w), 1);
  const meta = denseSpaceMeta(info, precision);
  const store = await DenseStore.open(storeRoot);
  return store.space(canonicalKey(meta), meta, probe.shape, precision);
}

export interface DenseRunStats {
  /** Items whose maps were computed in this call. */
  computed: number;
  /** Items found in the store. */
  cached: number;
}

/** Computes the maps of the items not yet in `space`, `batchSize` at a time. */
export async function ensureDenseFeatures(
  space: DenseSpace,
  encoder: DenseEncoder,
  items: readonly DenseItem[],
  options: { batchSize?: number; progress?: ProgressSink } = {},
): Promise<DenseRunStats> {
  const batchSize = options.batchSize ?? 16;
  const progress = options.progress ?? silentProgress;
  const byKey = new Map<string, DenseItem>();
  for (const it of items) byKey.set(denseItemKey(it), it);
  const missing = space.missing(byKey.keys());
  const spec = denseInputSpec(encoder.info);
  const [h, w] = spec.size;
  progress.start('dense features', missing.length, 'images');
  let done = 0;
  for (let start = 0; start < missing.length; start += batchSize) {
    const keys = missing.slice(start, start + batchSize);
    const pixels = new Float32Array(keys.length * 3 * h * w);
    for (let i = 0; i < keys.length; i++) {
      const it = byKey.get(keys[i]);
      if (!it) throw new Error('internal: dense item vanished');
      const bytes = await readFile(it.file);
      if (sha256(bytes) !== it.fileSha256) throw new Error(`${it.file} changed while holoclip was reading it; rerun`);
      const img = await decodeLikePillow(bytes, it.file);
      pixels.set(prepareDenseInput(img, it.crop, spec).pixels, i * 3 * h * w);
    }
    const out = await encoder.encode(pixels, keys.length);
    await space.appendChunk(keys, out.data);
    done += keys.length;
    progress.update(done);
  }
  progress.finish();
  return { computed: missing.length, cached: byKey.size - missing.length };
}
