/**
 * Seeded pseudo-random numbers for resampling (bootstrap). Pure; no I/O, no global state.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state,
 * period >= 2^32), seeded from one 32-bit integer through splitmix32 so that nearby seeds give
 * unrelated streams. The same seed always gives the same sequence on every platform: only 32-bit
 * integer arithmetic is used.
 */

export interface Rng {
  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Next uniform float in [0, 1) with 32 random bits. */
  next(): number;
  /** Next uniform integer in [0, n), exact (rejection sampling, no modulo bias). 1 <= n <= 2^32. */
  nextInt(n: number): number;
}

/** A seeded generator. `seed` must be an integer; it is reduced modulo 2^32. */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) throw new RangeError(`rng seed must be an integer, got ${seed}`);
  let s = seed >>> 0;
  const splitmix32 = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let d = 1;
  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs so the state is well mixed (as the sfc32 reference does).
  for (let i = 0; i < 12; i++) nextUint32();
  return {
    nextUint32,
    next: () => nextUint32() / 4294967296,
    nextInt(n: number): number {
      if (!Number.isInteger(n) || n < 1 || n > 4294967296) throw new RangeError(`nextInt bound must be an integer in [1, 2^32], got ${n}`);
      // Largest multiple of n that fits in 2^32; draws at or above it are rejected.
      const limit = 4294967296 - (4294967296 % n);
      for (;;) {
        const x = nextUint32();
        if (x < limit) return x % n;
      }
    },
  };
}
