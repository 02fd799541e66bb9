/**
 * Random draws for the ImageNet-C corruptions, on top of the seeded generator of `../random.ts`: the
 * distributions numpy's `np.random` gives the reference (uniform, randint, normal, Poisson, Bernoulli), with
 * the same parameterisation, but not numpy's bit stream. Everything is deterministic per rng state.
 */
import type { Rng } from '../random.js';

/** numpy `uniform(low, high)`: low + (high - low) * U[0, 1). */
export function uniform(rng: Rng, low: number, high: number): number {
  return low + (high - low) * rng.next();
}

/** numpy `randint(low, high)`: an integer in [low, high) (high exclusive, as numpy). */
export function randint(rng: Rng, low: number, high: number): number {
  return low + rng.nextInt(high - low);
}

/** A uniform in (0, 1), never 0 (for logarithms). */
function openUniform(rng: Rng): number {
  return (rng.nextUint32() + 0.5) / 4294967296;
}

// ---------------------------------------------------------------- standard normal: ziggurat

/*
 * Marsaglia & Tsang's ziggurat (J. Stat. Softw. 5(8), 2000), 128 layers, driven by 32-bit draws of the rng.
 * About one rng draw per normal, no transcendental function on the fast path (~97% of draws), which is what
 * lets the noise corruptions run at several hundred 224x224 images per second per core.
 */
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const zigK = new Float64Array(128);
const zigW = new Float64Array(128);
const zigF = new Float64Array(128);
(function setupZiggurat(): void {
  const m1 = 2147483648;
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  zigK[0] = (dn / q) * m1;
  zigK[1] = 0;
  zigW[0] = q / m1;
  zigW[127] = dn / m1;
  zigF[0] = 1;
  zigF[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    zigK[i + 1] = (dn / tn) * m1;
    tn = dn;
    zigF[i] = Math.exp(-0.5 * dn * dn);
    zigW[i] = dn / m1;
  }
})();

/** The slow path of the ziggurat: the wedges and the tail beyond ZIG_R. */
function zigguratSlow(rng: Rng, hzIn: number, izIn: number): number {
  let hz = hzIn;
  let iz = izIn;
  for (;;) {
    const x = hz * zigW[iz];
    if (iz === 0) {
      // Tail: Marsaglia's method for x > R.
      let tx: number;
      let ty: number;
      do {
        tx = -Math.log(openUniform(rng)) / ZIG_R;
        ty = -Math.log(openUniform(rng));
      } while (ty + ty < tx * tx);
      return hz > 0 ? ZIG_R + tx : -ZIG_R - tx;
    }
    if (zigF[iz] + rng.next() * (zigF[iz - 1] - zigF[iz]) < Math.exp(-0.5 * x * x)) return x;
    hz = rng.nextUint32() | 0;
    iz = hz & 127;
    if (Math.abs(hz) < zigK[iz]) return hz * zigW[iz];
  }
}

/** One standard normal draw (ziggurat). */
export function standardNormal(rng: Rng): number {
  const hz = rng.nextUint32() | 0;
  const iz = hz & 127;
  if (Math.abs(hz) < zigK[iz]) return hz * zigW[iz];
  return zigguratSlow(rng, hz, iz);
}

/** Fills `out` with N(loc, scale^2) draws, in index order (numpy `normal(loc, scale, size)`). */
export function fillNormal(rng: Rng, out: Float64Array | Float32Array, loc: number, scale: number): void {
  for (let i = 0; i < out.length; i++) {
    const hz = rng.nextUint32() | 0;
    const iz = hz & 127;
    const z = Math.abs(hz) < zigK[iz] ? hz * zigW[iz] : zigguratSlow(rng, hz, iz);
    out[i] = loc + scale * z;
  }
}

/** Fills `out` with U[low, high) draws, in index order (numpy `uniform(low, high, size)`). */
export function fillUniform(rng: Rng, out: Float64Array | Float32Array, low: number, high: number): void {
  const span = high - low;
  for (let i = 0; i < out.length; i++) out[i] = low + span * rng.next();
}

// ---------------------------------------------------------------- Poisson by inverse CDF

/** CDF of Poisson(mean), k = 0 .. K where the remaining mass is below 1e-15; the last entry is set to 1. */
export function poissonCdf(mean: number): Float64Array {
  if (!(mean > 0)) return Float64Array.of(1);
  const values: number[] = [];
  let p = Math.exp(-mean);
  let acc = p;
  values.push(acc);
  for (let k = 1; acc < 1 - 1e-15 && k < 10_000; k++) {
    p *= mean / k;
    acc += p;
    values.push(acc);
    if (p === 0 && k > mean) break;
  }
  values[values.length - 1] = 1;
  return Float64Array.from(values);
}

/** Guide-table size per distribution: draws start their search at guide[floor(u * GUIDE)]. */
const GUIDE = 64;

/**
 * Inverse-CDF Poisson sampling for many draws whose means come from a fixed list (shot noise: one mean per
 * 8-bit level). Each distribution's CDF is tabulated once with a guide table (Chen & Asau), so a draw is one
 * uniform and, on average, about one comparison. Exact up to the double rounding of the CDF.
 */
export class PoissonSampler {
  private readonly cdf: Float64Array;
  private readonly offset: Int32Array;
  private readonly guide: Int32Array;

  constructor(means: readonly number[]) {
    const cdfs = means.map(poissonCdf);
    this.offset = new Int32Array(means.length);
    let total = 0;
    cdfs.forEach((c, i) => {
      this.offset[i] = total;
      total += c.length;
    });
    this.cdf = new Float64Array(total);
    this.guide = new Int32Array(means.length * GUIDE);
    cdfs.forEach((c, i) => {
      this.cdf.set(c, this.offset[i]);
      // guide[j] = smallest k with cdf[k] > j / GUIDE.
      let k = 0;
      for (let j = 0; j < GUIDE; j++) {
        while (c[k] <= j / GUIDE) k++;
        this.guide[i * GUIDE + j] = k;
      }
    });
  }

  /** One draw from distribution `which` (an index into the means given to the constructor). */
  sample(rng: Rng, which: number): number {
    const u = rng.next();
    const base = this.offset[which];
    let k = this.guide[which * GUIDE + Math.floor(u * GUIDE)];
    while (this.cdf[base + k] <= u) k++;
    return k;
  }
}
