/**
 * How a corrupted image is made around the corruption itself: the geometry it is corrupted at and whether
 * the result goes through a JPEG round trip, as the published ImageNet-C files did.
 *
 * make_imagenet_c.py (hendrycks/robustness) opens each image with `Image.open(f).convert('RGB')` (no EXIF
 * rotation, no ICC conversion), applies torchvision `Resize(256)` (PIL BILINEAR, antialiased, the long side
 * `int(256 * long / short)`) and `CenterCrop(224)` (offsets `int(round((size - 224) / 2.0))`), corrupts, and
 * saves `Image.fromarray(np.uint8(x)).save(path, quality=85, optimize=True)`: JPEG quality 85 (optimize only
 * changes the Huffman tables, not the pixels). The published AlexNet errors that mCE divides by were measured
 * on those JPEG files.
 *
 * Geometries:
 *   imagenet-c           the reference's: Pillow decode, PIL bilinear Resize(256), CenterCrop(224)
 *   imagenet-c-lanczos3  holoclip before it followed the reference: sharp decode (EXIF-oriented, ICC-converted),
 *                        lanczos3 resize to 256, floor-centred crop 224
 *   none                 the image as decoded (Pillow), at its own size, as the `imagecorruptions` package
 *                        corrupts (3DCC's 512-px images, small-image datasets)
 */
import { HoloclipError } from '../errors.js';

export const CORRUPTION_GEOMETRIES = ['imagenet-c', 'imagenet-c-lanczos3', 'none'] as const;
export type CorruptionGeometry = (typeof CORRUPTION_GEOMETRIES)[number];

/** The JPEG quality make_imagenet_c.py saved the corrupted images with. */
export const IMAGENET_C_JPEG_QUALITY = 85;

export interface CorruptionProtocol {
  readonly geometry: CorruptionGeometry;
  /** Quality of the JPEG round trip after corrupting (PIL / libjpeg-turbo defaults); null: none, lossless. */
  readonly jpegQuality: number | null;
}

/** ImageNet-C's resize and crop sizes (make_imagenet_c.py: Resize(256), CenterCrop(224)). */
export const IMAGENET_C_SIZES = { resize: 256, crop: 224 } as const;

/** What a corrupted image is, when nothing else is said: the reference geometry, no JPEG round trip. */
export const DEFAULT_CORRUPTION_PROTOCOL: CorruptionProtocol = Object.freeze({ geometry: 'imagenet-c', jpegQuality: null });

/**
 * The protocol holoclip used before issue 12 (sharp lanczos3, no JPEG). Its store keys keep their old form,
 * so embeddings cached then are still found under this named geometry.
 */
export const LEGACY_CORRUPTION_PROTOCOL: CorruptionProtocol = Object.freeze({ geometry: 'imagenet-c-lanczos3', jpegQuality: null });

export function isLegacyProtocol(p: CorruptionProtocol): boolean {
  return p.geometry === LEGACY_CORRUPTION_PROTOCOL.geometry && p.jpegQuality === LEGACY_CORRUPTION_PROTOCOL.jpegQuality;
}

export function parseCorruptionGeometry(text: string, where = '--corruption-geometry'): CorruptionGeometry {
  if ((CORRUPTION_GEOMETRIES as readonly string[]).includes(text)) return text as CorruptionGeometry;
  throw new HoloclipError(`${where} "${text}": expected one of ${CORRUPTION_GEOMETRIES.join(', ')}`);
}

export function checkJpegQuality(q: number | null): number | null {
  if (q !== null && !(Number.isInteger(q) && q >= 1 && q <= 100)) throw new HoloclipError(`JPEG quality ${q} must be an integer 1-100`);
  return q;
}

/** A short, stable label: `imagenet-c+jpeg85`, `none`, ... (store keys, plan keys, result.json). */
export function protocolLabel(p: CorruptionProtocol): string {
  return `${p.geometry}${p.jpegQuality === null ? '' : `+jpeg${p.jpegQuality}`}`;
}

/** One sentence for result.json's conventions. */
export function describeProtocol(p: CorruptionProtocol): string {
  const { resize, crop } = IMAGENET_C_SIZES;
  const geometry =
    p.geometry === 'imagenet-c'
      ? `decode as Pillow's Image.open().convert('RGB') (no EXIF rotation, no ICC conversion), torchvision Resize(${resize}) (PIL BILINEAR, antialiased, long side int(${resize} * long / short)), CenterCrop(${crop}) (offsets int(round((size - ${crop}) / 2))), corrupt the ${crop}x${crop} pixels (make_imagenet_c.py)`
      : p.geometry === 'imagenet-c-lanczos3'
        ? `decode with sharp (EXIF-oriented, ICC-converted), resize the shortest edge to ${resize} (sharp lanczos3, rounded sizes), centre-crop ${crop} (floored offsets), corrupt the ${crop}x${crop} pixels (holoclip's geometry before it followed make_imagenet_c.py)`
        : `decode as Pillow's Image.open().convert('RGB'), corrupt at the image's own size (as the imagecorruptions package does; parameters in pixels keep their 224-px values)`;
  const jpeg =
    p.jpegQuality === null
      ? 'no JPEG round trip (lossless corrupted pixels)'
      : `then a JPEG quality-${p.jpegQuality} round trip (PIL save(quality=${p.jpegQuality}) and decode, libjpeg-turbo defaults: 4:2:0, islow DCT, fancy upsampling), as the published ImageNet-C files were saved`;
  return `${geometry}; ${jpeg}; then the model's own preprocessing`;
}
