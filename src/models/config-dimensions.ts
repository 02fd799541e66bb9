/**
 * Bounds on the dimensions a model folder's configs give, checked when the folder is inspected (before any store
 * lookup, so a bad config fails the same on a warm store as on a cold one). holoclip allocates from these numbers
 * (the synthetic images that recover the logit scale, the preprocessed batch, padded token ids): an
 * `image_size: 20000` would ask for 4.8 GB per image. Type problems are left to the parsers that read each field;
 * this checks that a number is a positive integer within its bound and names the field.
 */
import { HoloclipError } from '../errors.js';

/** Largest image side (pixels) a config may give. CLIP-family towers use 224-896; 4096 leaves room for any of them. */
export const MAX_IMAGE_SIDE = 4096;
/** Largest text length (tokens). CLIP uses 77, SigLIP 64, Long-CLIP 248. */
export const MAX_TEXT_POSITIONS = 8192;

type Json = Readonly<Record<string, unknown>>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Numbers found at `field` (a number, an array of numbers, or an object of numbers such as {"height", "width"}). */
function numbersAt(value: unknown, field: string): Array<{ field: string; value: number }> {
  if (typeof value === 'number') return [{ field, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => (typeof v === 'number' ? [{ field: `${field}[${i}]`, value: v }] : []));
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => (typeof v === 'number' ? [{ field: `${field}.${k}`, value: v }] : []));
  return [];
}

const TYPICAL: Readonly<Record<'pixels' | 'tokens', string>> = { pixels: 'CLIP-family models use 224 to 896 pixels', tokens: 'CLIP-family models use 64 to 248 tokens' };

function check(file: string, what: string, found: Array<{ field: string; value: number }>, max: number, unit: 'pixels' | 'tokens'): void {
  for (const { field, value } of found) {
    if (!Number.isInteger(value) || value <= 0 || value > max) {
      throw new HoloclipError(
        `${what} ${file}: ${field} is ${value}; expected a positive integer of at most ${max} ${unit} (holoclip's bound; ${TYPICAL[unit]}); fix ${field} in that file`,
      );
    }
  }
}

/** config.json of a two-tower model: vision_config.image_size / patch_size, text_config.max_position_embeddings. */
export function checkModelConfigDimensions(config: Json, file: string): void {
  const vision = isObject(config.vision_config) ? config.vision_config : {};
  const text = isObject(config.text_config) ? config.text_config : {};
  const what = 'model config';
  check(file, what, numbersAt(vision.image_size, 'vision_config.image_size'), MAX_IMAGE_SIDE, 'pixels');
  check(file, what, numbersAt(vision.patch_size, 'vision_config.patch_size'), MAX_IMAGE_SIDE, 'pixels');
  check(file, what, numbersAt(config.image_size, 'image_size'), MAX_IMAGE_SIDE, 'pixels');
  check(file, what, numbersAt(text.max_position_embeddings, 'text_config.max_position_embeddings'), MAX_TEXT_POSITIONS, 'tokens');
}

/** preprocessor_config.json: size, crop_size, image_size, and the holoclip_preprocess block's image_size. */
export function checkPreprocessorDimensions(config: unknown, file: string): void {
  if (!isObject(config)) return; // the preprocessing parser reports it
  const what = 'image preprocessing config';
  const sizes = [...numbersAt(config.size, 'size'), ...numbersAt(config.crop_size, 'crop_size'), ...numbersAt(config.image_size, 'image_size')];
  if (isObject(config.holoclip_preprocess)) sizes.push(...numbersAt(config.holoclip_preprocess.image_size, 'holoclip_preprocess.image_size'));
  check(file, what, sizes, MAX_IMAGE_SIDE, 'pixels');
}
