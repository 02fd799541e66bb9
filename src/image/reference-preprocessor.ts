/**
 * Reference preprocessing: transformers.js itself (`AutoImageProcessor` + `RawImage`), i.e. exactly what a
 * transformers.js CLIP pipeline feeds the model. Slow (several sharp passes and float loops per image); used to
 * validate fast mode and when a result must be traceable to the reference implementation.
 *
 * `AutoImageProcessor.from_pretrained` only reads `preprocessor_config.json` (it does not need `config.json`). The
 * folder is passed as an absolute path so transformers.js does not mistake a relative `owner/name` path for a Hub id
 * (it would prefix `env.localModelPath`).
 *
 * Global transformers.js settings touched: `env.allowRemoteModels = false` (and `env.allowLocalModels = true`), set
 * when the first reference preprocessor is created; holoclip never downloads anything.
 */
import path from 'node:path';
import { loadSharp } from '../util/heavy-modules.js';
import { HoloclipError, ImageReadError, errorMessage } from '../errors.js';
import { readHeader, toImageReadError, toRaw } from './decode.js';
import { asSharpInput } from './netpbm-bmp.js';
import type { PreprocessSpec } from './preprocess-spec.js';
import type { ImagePreprocessor } from './types.js';

type Transformers = typeof import('@huggingface/transformers');
type RawImageT = InstanceType<Transformers['RawImage']>;

interface TensorLike {
  data: unknown;
  dims: number[];
}
type ProcessorFn = (image: RawImageT) => Promise<{ pixel_values: TensorLike }>;

let transformersPromise: Promise<Transformers> | undefined;

/** Lazily import transformers.js (heavy: pulls in onnxruntime) only when reference mode is used. */
function loadTransformers(): Promise<Transformers> {
  transformersPromise ??= import('@huggingface/transformers').then((tf) => {
    tf.env.allowRemoteModels = false;
    tf.env.allowLocalModels = true;
    return tf;
  });
  return transformersPromise;
}

export class ReferencePreprocessor implements ImagePreprocessor {
  readonly mode = 'reference' as const;
  get outputHeight(): number {
    return this.spec.outputHeight;
  }
  get outputWidth(): number {
    return this.spec.outputWidth;
  }

  private constructor(
    readonly spec: PreprocessSpec,
    readonly description: string,
    private readonly tf: Transformers,
    private readonly processor: ProcessorFn,
  ) {}

  static async create(modelDir: string, spec: PreprocessSpec, description: string): Promise<ReferencePreprocessor> {
    const tf = await loadTransformers();
    const absDir = path.resolve(modelDir);
    let processor: ProcessorFn;
    try {
      const p = await tf.AutoImageProcessor.from_pretrained(absDir, { local_files_only: true });
      processor = p as unknown as ProcessorFn;
    } catch (err) {
      throw new HoloclipError(
        `${path.join(absDir, 'preprocessor_config.json')}: transformers.js could not load it: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    return new ReferencePreprocessor(spec, description, tf, processor);
  }

  async process(input: Buffer, file: string): Promise<Float32Array> {
    const out = new Float32Array(3 * this.spec.outputHeight * this.spec.outputWidth);
    await this.processInto(input, file, out, 0);
    return out;
  }

  async processInto(bytes: Buffer, file: string, out: Float32Array, offset: number): Promise<void> {
    const { outputHeight: oh, outputWidth: ow } = this.spec;
    const n = 3 * oh * ow;
    if (!Number.isInteger(offset) || offset < 0 || offset + n > out.length) {
      throw new RangeError(`processInto: offset ${offset} + ${n} values does not fit in an output of length ${out.length}`);
    }
    const input = await asSharpInput(bytes, file); // PGM/PPM/BMP (sharp cannot read them) as PNG
    // Header check first so errors read the same as in fast mode (and for the grey+alpha workaround below).
    const header = await readHeader(input, file);
    if (!this.spec.convertRgb && header.channels !== 3) {
      throw new ImageReadError(file, `has ${header.channels} channel(s) but preprocessor_config.json sets do_convert_rgb to false`);
    }
    const image = await this.decode(input, file, header.channels);
    let pixelValues: TensorLike;
    try {
      ({ pixel_values: pixelValues } = await this.processor(image));
    } catch (err) {
      if (/bad extract area/.test(errorMessage(err))) {
        // transformers.js bug on node, see fast-preprocessor.ts ("Deliberate differences").
        throw new ImageReadError(
          file,
          'transformers.js center_crop fails when the image is smaller than the crop on one axis only (extract_area: bad extract area); fast mode handles it',
          { cause: err },
        );
      }
      throw toImageReadError(err, file);
    }
    const dims = pixelValues.dims.join('x');
    if (dims !== `1x3x${oh}x${ow}` || !(pixelValues.data instanceof Float32Array)) {
      throw new ImageReadError(file, `transformers.js produced pixel_values of shape ${dims} instead of 1x3x${oh}x${ow}`);
    }
    out.set(pixelValues.data, offset);
  }

  private async decode(input: Buffer, file: string, headerChannels: number): Promise<RawImageT> {
    const sharp = await loadSharp();
    const { RawImage } = this.tf;
    if (headerChannels === 2) {
      // transformers.js bug: `RawImage.fromBlob` converts the decoded (sRGB + alpha, 4 channel) pixels back to the
      // header's channel count, and `convert(2)` throws for grey+alpha images. Build the RawImage the way
      // `fromBlob` does, minus that conversion; `rgb()` in the processor then drops alpha as for any RGBA image.
      const px = await toRaw(sharp(input).rotate(), file);
      return new RawImage(new Uint8ClampedArray(px.data.buffer, px.data.byteOffset, px.data.length), px.width, px.height, px.channels as 1 | 2 | 3 | 4);
    }
    try {
      return await RawImage.fromBlob(new Blob([new Uint8Array(input.buffer as ArrayBuffer, input.byteOffset, input.length)]));
    } catch (err) {
      throw toImageReadError(err, file);
    }
  }
}
