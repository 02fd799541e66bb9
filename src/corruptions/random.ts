/**
 * Seeds and distributions for the random corruptions. The seed of one corrupted image is derived
 * from (global seed, image id, corruption, severity), so the same image gets the same pixels in every
 * run and every process, and different images, corruptions or severities get unrelated streams.
 */
import { createHash } from 'node:crypto';
import { createRng, type Rng } from '../metrics/random.js';

export type { Rng };

/** 32-bit seed from sha256("holoclip-corruption|<seed>|<image id>|<corruption>|<severity>"). */
export function corruptionSeed(globalSeed: number, imageId: string, corruption: string, severity: number): number {
  const h = createHash('sha256').update(`holoclip-corruption|${globalSeed}|${imageId}|${corruption}|${severity}`).digest();
  return h.readUInt32LE(0);
}

export function corruptionRng(globalSeed: number, imageId: string, corruption: string, severity: number): Rng {
  return createRng(corruptionSeed(globalSeed, imageId, corruption, severity));
}

/** Standard normal draw (Box-Muller on two uniforms; u1 in (0, 1]). */
export function normal(rng: Rng): number {
  const u1 = 1 - rng.next();
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Poisson draw: Knuth's product method for small means, normal approximation (rounded, >= 0) above 60. */
export function poisson(rng: Rng, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rng)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}
