/**
 * Every corruption holoclip knows, with its image code (`apply`), by name. The names, groups and the
 * `--corruption` syntax live in catalog.ts (loaded without any image code); they are re-exported here.
 */
import { THREEDCC_CORRUPTIONS } from './3dcc/index.js';
import { IMAGENET_C_CORRUPTIONS } from './imagenet-c/index.js';
import type { Corruption } from './types.js';

export { corruptionKey, corruptionLabel, parseCorruptions, type CorruptionSpec } from './catalog.js';

export const CORRUPTIONS: readonly Corruption[] = [...IMAGENET_C_CORRUPTIONS, ...THREEDCC_CORRUPTIONS];

const BY_NAME = new Map(CORRUPTIONS.map((c) => [c.name, c]));

export function findCorruption(name: string): Corruption | undefined {
  return BY_NAME.get(name);
}
