/**
 * Small statistics for the published analysis: means, spread, Pearson and Spearman correlation, and a seeded
 * bootstrap over models. Pure.
 */
import { percentileInterval } from '../metrics/effective-robustness.js';
import { createRng } from '../metrics/random.js';

export interface Spread {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1); null for one value. */
  sd: number | null;
  min: number;
  max: number;
}

export function spreadOf(values: readonly number[]): Spread | null {
  const n = values.length;
  if (n === 0) return null;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return { n, mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : null, min, max };
}

export function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  if (n < 3) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

/** Ranks 1..n, ties given their average rank (scipy.stats.rankdata 'average'). */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k][1]] = r;
    i = j + 1;
  }
  return out;
}

/** Spearman's rho: Pearson's r of the ranks (scipy.stats.spearmanr). */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  return pearson(ranks(x), ranks(y));
}

export interface Correlation {
  n: number;
  pearson: number | null;
  pearson_low: number | null;
  pearson_high: number | null;
  spearman: number | null;
  spearman_low: number | null;
  spearman_high: number | null;
}

/** Pearson and Spearman with 95% percentile intervals over `samples` resamples of the pairs (seeded). */
export function correlationWithBootstrap(x: readonly number[], y: readonly number[], samples: number, seed: number): Correlation {
  const n = x.length;
  const p = pearson(x, y);
  const s = spearman(x, y);
  if (n < 3) return { n, pearson: p, pearson_low: null, pearson_high: null, spearman: s, spearman_low: null, spearman_high: null };
  const rng = createRng(seed);
  const ps: number[] = [];
  const ss: number[] = [];
  const bx = new Array<number>(n);
  const by = new Array<number>(n);
  for (let k = 0; k < samples; k++) {
    for (let i = 0; i < n; i++) {
      const j = rng.nextInt(n);
      bx[i] = x[j];
      by[i] = y[j];
    }
    const bp = pearson(bx, by);
    const bs = spearman(bx, by);
    if (bp !== null) ps.push(bp);
    if (bs !== null) ss.push(bs);
  }
  const [pl, ph] = ps.length > 0 ? percentileInterval(Float64Array.from(ps)) : [null, null];
  const [sl, sh] = ss.length > 0 ? percentileInterval(Float64Array.from(ss)) : [null, null];
  return { n, pearson: p, pearson_low: pl, pearson_high: ph, spearman: s, spearman_low: sl, spearman_high: sh };
}
