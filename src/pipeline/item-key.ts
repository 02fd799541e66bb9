/**
 * The embedding store key of one dataset item: the sha256 of the file's bytes, extended with every
 * step that changes the pixels the model sees: the border crop (ObjectNet) first, then the corruption
 * (with its geometry and, for 3D corruptions, the depth map's content). The main thread computes it
 * to find cached rows without reading any image; the decode worker computes it for the items it reads.
 * Both call {@link itemStoreKey}, so the two can never disagree.
 *
 * The strings below are the format of existing stores: changing any of them orphans every cached
 * cropped or corrupted embedding (test/pipeline-item-key.test.ts pins them).
 */
import { createHash } from 'node:crypto';
import { IMAGENET_C_SIZES, isLegacyProtocol, protocolLabel } from '../corruptions/protocol.js';
import type { CorruptionSpec } from '../corruptions/registry.js';

export interface ItemKeyParts {
  /** sha256 (hex) of the item's bytes: the file, or the tar member. */
  readonly fileSha256: string;
  /** Pixels removed from every border before anything else (0 or absent: none). */
  readonly cropBorder?: number;
  /** The corruption applied after the crop (absent: the clean image). */
  readonly corruption?: CorruptionSpec;
  /** sha256 (hex) of the item's depth map for a corruption; null or absent: none. Ignored without a corruption. */
  readonly depthSha256?: string | null;
}

/**
 * The store key of a border-cropped image's embedding: the file's content key extended with the
 * crop, so cropped and uncropped embeddings of the same bytes never share a row.
 */
export function croppedKey(fileKey: string, border: number): string {
  return createHash('sha256').update(`holoclip-cropped|${fileKey}|border${border}`).digest('hex');
}

/**
 * The store key of a corrupted image's embedding: the clean image's content key extended with the
 * corruption, severity, seed, protocol (geometry and JPEG round trip) and (for 3D corruptions) the depth
 * map's content. The protocol holoclip used before it had a name (imagenet-c-lanczos3, no JPEG) keeps the
 * key it had then (`resize256crop224`), so those stores keep their rows.
 */
export function corruptedKey(cleanKey: string, spec: CorruptionSpec, depthKey: string | null): string {
  const protocol = isLegacyProtocol(spec.protocol) ? `resize${IMAGENET_C_SIZES.resize}crop${IMAGENET_C_SIZES.crop}` : `protocol:${protocolLabel(spec.protocol)}`;
  return createHash('sha256')
    .update(`holoclip-corrupted|${cleanKey}|${spec.name}|${spec.severity}|${spec.seed}|${protocol}|${depthKey ?? '-'}`)
    .digest('hex');
}

/**
 * The key of the image as the dataset defines it (after the border crop, before any corruption). It
 * is also the `imageKey` that seeds the random corruptions (corruptions/apply.ts `corrupt`).
 */
export function cleanItemKey(fileSha256: string, cropBorder = 0): string {
  return cropBorder > 0 ? croppedKey(fileSha256, cropBorder) : fileSha256;
}

/** The store key of an item's embedding: file hash -> cropped (if a border is cropped) -> corrupted (if corrupted). */
export function itemStoreKey(parts: ItemKeyParts): string {
  const clean = cleanItemKey(parts.fileSha256, parts.cropBorder ?? 0);
  return parts.corruption ? corruptedKey(clean, parts.corruption, parts.depthSha256 ?? null) : clean;
}
