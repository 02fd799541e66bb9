/**
 * The border crop (ObjectNet): like a corruption it changes the pixels, and therefore the store key
 * (item-key.ts `croppedKey`).
 */
import { loadSharp } from '../util/heavy-modules.js';
import { ImageReadError } from '../errors.js';
import { decodeRaw, readHeader, toRgb3 } from '../image/decode.js';
import { decodeLikePillow } from '../image/pil-decode.js';

/**
 * `border` pixels removed from every edge of the image as the preprocessing sees it (decoded,
 * EXIF-oriented, 8-bit sRGB), re-encoded as lossless PNG for the model's preprocessing, the way a
 * corrupted image is (corruptions/apply.ts): the result equals preprocessing a file cropped
 * beforehand. Channels are kept (alpha too, so the preprocessing treats it as it treats the
 * original), except that a grey image decoded through an ICC profile becomes its luma in R=G=B,
 * the grey transformers.js computes from it.
 *
 * With `pillow` (the python preprocessing mode) the image is decoded as Pillow's `Image.open(f).convert('RGB')`
 * (no ICC conversion, no EXIF transpose) and cropped as `img.crop((b, b, w - b, h - b))` would.
 */
export async function cropBorderPng(bytes: Buffer, file: string, border: number, pillow = false): Promise<Buffer> {
  const sharp = await loadSharp();
  if (pillow) {
    const img = await decodeLikePillow(bytes, file);
    const w = img.width - 2 * border;
    const h = img.height - 2 * border;
    if (w < 1 || h < 1) throw new ImageReadError(file, `${img.width}x${img.height} is too small to crop ${border} px from every border`);
    return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
      .extract({ left: border, top: border, width: w, height: h })
      .png({ compressionLevel: 0 })
      .toBuffer();
  }
  const header = await readHeader(bytes, file);
  const raw = await decodeRaw(bytes, file);
  const { width, height } = raw;
  const w = width - 2 * border;
  const h = height - 2 * border;
  if (w < 1 || h < 1) throw new ImageReadError(file, `${width}x${height} is too small to crop ${border} px from every border`);
  const rgbGrey = header.channels === 1 && raw.channels >= 3;
  const data = rgbGrey ? toRgb3(raw, header.channels) : raw.data;
  const channels = rgbGrey ? 3 : raw.channels;
  return sharp(data, { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } })
    .extract({ left: border, top: border, width: w, height: h })
    .png({ compressionLevel: 0 }) // decoded again right away: no time spent compressing
    .toBuffer();
}
