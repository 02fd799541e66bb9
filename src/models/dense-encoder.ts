/**
 * Dense features of a vision tower: the second output an export declares in its card (`holoclip.json` `dense`, or
 * config.json `holoclip_export.dense`), written by `holoclip-export --dense` or tools/zoo/add_dense_outputs.py:
 * ViT patch tokens (class / register tokens removed) on the patch grid, or a convnet's last-stage map, NCHW.
 * Run with onnxruntime directly (transformers.js returns only the embedding output).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import * as z from 'zod';
import { HoloclipError } from '../errors.js';
import { loadOnnxruntime } from '../util/heavy-modules.js';
import { loadPreprocessSpec } from '../image/preprocess-spec.js';
import { sha256File } from '../store/hash.js';
import { CPU_DEVICE, type ResolvedDevice } from './device.js';
import { type Dtype, towerFileName } from './dtype.js';
import { readDenseBlock } from './dense-declaration.js';
import { onnxSessionOptions } from './session-options.js';

export { declaresDenseOutput } from './dense-declaration.js';

export const DenseSpecSchema = z.looseObject({
  output: z.string().min(1),
  layout: z.literal('NCHW'),
  source: z.string(),
  normalised: z.boolean(),
  stride: z.number().int().positive().optional(),
  patch_size: z.number().int().positive().optional(),
  grid: z.tuple([z.number().int().positive(), z.number().int().positive()]),
});
export type DenseSpec = z.infer<typeof DenseSpecSchema>;

/** What a model folder says about its dense output, and the fixed input it takes. */
export interface DenseModelInfo {
  readonly dir: string;
  readonly dtype: Dtype;
  readonly visionFile: string;
  readonly visionSha256: string;
  readonly spec: DenseSpec;
  /** Where the spec was read. */
  readonly specSource: string;
  /** The export's input size (its position embeddings are fixed there): [height, width]. */
  readonly inputSize: readonly [number, number];
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** Reads the dense spec of a model folder; a folder without one is an error that says how to make one. */
export async function inspectDenseModel(dirArg: string, dtype: Dtype = 'fp32'): Promise<DenseModelInfo> {
  const dir = path.resolve(dirArg);
  const { raw, specSource } = await readDenseBlock(dir);
  if (raw === undefined) {
    throw new HoloclipError(
      `${dir} has no dense output (no "dense" block in holoclip.json or config.json holoclip_export): re-export it with ` +
        '`holoclip-export open_clip|hf ... --dense` (docs/models.md, "Evaluate your own models"); the zoo\'s base and arch-convnet have one',
    );
  }
  const parsed = DenseSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HoloclipError(`${specSource}: dense.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const visionFile = path.join(dir, towerFileName('vision_model', dtype));
  try {
    await fs.access(visionFile);
  } catch {
    throw new HoloclipError(`${dir} has no ${towerFileName('vision_model', dtype)} for --dtype ${dtype}`);
  }
  const pre = await loadPreprocessSpec(dir);
  if (!pre.mean || !pre.std) throw new HoloclipError(`${dir}/preprocessor_config.json has no image_mean / image_std; dense features need the model's normalisation`);
  return {
    dir,
    dtype,
    visionFile,
    visionSha256: await sha256File(visionFile),
    spec: parsed.data,
    specSource,
    inputSize: [pre.outputHeight, pre.outputWidth],
    mean: pre.mean,
    std: pre.std,
  };
}

/** One onnxruntime session of a vision tower, returning its dense output. */
export class DenseEncoder {
  private constructor(
    readonly info: DenseModelInfo,
    private readonly session: ort.InferenceSession,
    private readonly onnx: typeof ort,
  ) {}

  static async open(info: DenseModelInfo, threads?: number, device: ResolvedDevice = CPU_DEVICE): Promise<DenseEncoder> {
    const onnx = await loadOnnxruntime();
    const session = await onnx.InferenceSession.create(await fs.readFile(info.visionFile), {
      ...onnxSessionOptions(threads ?? Math.max(1, os.availableParallelism())),
      executionProviders: [device.provider],
    });
    if (!session.outputNames.includes(info.spec.output)) {
      await session.release();
      throw new HoloclipError(`${info.visionFile} has no output "${info.spec.output}" (outputs: ${session.outputNames.join(', ')}), though ${info.specSource} declares it; re-export the model with --dense`);
    }
    return new DenseEncoder(info, session, onnx);
  }

  /** `pixels`: float32 [n, 3, H, W] at the input size. Returns the float32 maps [n, C, h, w] and their shape. */
  async encode(pixels: Float32Array, n: number): Promise<{ data: Float32Array; shape: [number, number, number] }> {
    const [h, w] = this.info.inputSize;
    if (pixels.length !== n * 3 * h * w) throw new RangeError(`encode: ${n} images of 3x${h}x${w} need ${n * 3 * h * w} values, got ${pixels.length}`);
    const out = await this.session.run({ pixel_values: new this.onnx.Tensor('float32', pixels, [n, 3, h, w]) }, [this.info.spec.output]);
    const t = out[this.info.spec.output];
    const dims = t.dims.map(Number);
    if (dims.length !== 4 || dims[0] !== n) throw new HoloclipError(`${this.info.visionFile}: ${this.info.spec.output} has shape [${dims.join(', ')}], expected [${n}, C, H, W]`);
    return { data: Float32Array.from(t.data as Float32Array), shape: [dims[1], dims[2], dims[3]] };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
