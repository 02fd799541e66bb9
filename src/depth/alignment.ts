/**
 * A depth map aligned with the pixels a corruption sees: read from its file, resized and cropped as the
 * corruption geometry resized and cropped the image (maps.ts `cropResizeDepth`, bilinear). Its
 * content hash is part of the corrupted image's cache key.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { CropGeometry } from '../corruptions/apply.js';
import type { DepthMap } from '../corruptions/types.js';
import { cropResizeDepth, decodeDepthNpy, decodeDepthPng } from './maps.js';

export async function loadAlignedDepth(file: string, g: CropGeometry): Promise<{ map: DepthMap; key: string }> {
  const bytes = await fs.readFile(file);
  const key = createHash('sha256').update(bytes).digest('hex');
  const depth = file.toLowerCase().endsWith('.npy') ? decodeDepthNpy(bytes, file) : await decodeDepthPng(bytes, file);
  return { map: cropResizeDepth(depth, g), key };
}
