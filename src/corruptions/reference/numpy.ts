/**
 * numpy's (and Python's) float arithmetic, reproduced where the ImageNet-C reference's results depend on it
 * bit for bit:
 *
 * - `numpySum`: `np.sum` of a contiguous float64 array (numpy's pairwise summation);
 * - `exactExp`: `np.exp` (the correctly rounded libm exp numpy calls);
 * - `roundHalfEven`: Python's `round()` on a float (half to even, as `np.round`).
 */

/**
 * numpy's pairwise summation (`np.sum` of a contiguous float64 array): blocks of 8 partial sums below 128
 * elements, halving above. Used where the reference normalises a kernel with `.sum()`.
 */
export function numpySum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.trunc(n / 2);
  n2 -= n2 % 8;
  return numpySum(a, start, n2) + numpySum(a, start + n2, n - n2);
}

// ---------------------------------------------------------------- correctly rounded exp

/** a + b as an unevaluated double-double sum (Knuth's two-sum). */
function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

/** a * b exactly as a double-double (Dekker's product with Veltkamp splitting). */
function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  const split = (v: number): [number, number] => {
    const t = 134217729 * v;
    const hi = t - (t - v);
    return [hi, v - hi];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function ddMul(a: [number, number], b: [number, number]): [number, number] {
  const [p, e] = twoProd(a[0], b[0]);
  return twoSum(p, e + a[0] * b[1] + a[1] * b[0]);
}

function ddAdd(a: [number, number], b: [number, number]): [number, number] {
  const [s, e] = twoSum(a[0], b[0]);
  return twoSum(s, e + a[1] + b[1]);
}

const LN2_HI = 0.6931471805599453;
const LN2_LO = 2.3190468138462996e-17;

/**
 * exp(x) correctly rounded (double-double evaluation), to match the libm exp numpy uses: V8's Math.exp is
 * within 1 ulp but not always the nearest double, and the kernels built with it would then differ from
 * scipy's in the last bit, which flips the truncation of pixels in flat regions.
 */
export function exactExp(x: number): number {
  if (!Number.isFinite(x)) return Math.exp(x);
  if (x < -745.2) return 0;
  if (x > 709.8) return Infinity;
  const k = Math.round(x / LN2_HI);
  // r = x - k ln2 in double-double.
  const [p1, e1] = twoProd(k, LN2_HI);
  let r = twoSum(x, -p1);
  r = ddAdd(r, [-e1, 0]);
  r = ddAdd(r, [-k * LN2_LO, 0]);
  // exp(r) = exp(r / 256)^256; Taylor series of exp(r / 256) to 12 terms.
  const q: [number, number] = [r[0] / 256, r[1] / 256];
  let term: [number, number] = [1, 0];
  let sum: [number, number] = [1, 0];
  for (let i = 1; i <= 12; i++) {
    term = ddMul(term, q);
    term = [term[0] / i, term[1] / i];
    sum = ddAdd(sum, term);
  }
  for (let i = 0; i < 8; i++) sum = ddMul(sum, sum);
  // Scale by 2^k in two steps (k may be near the exponent limits).
  const h = Math.trunc(k / 2);
  const s1 = 2 ** h;
  const s2 = 2 ** (k - h);
  return (sum[0] + sum[1]) * s1 * s2;
}

// ---------------------------------------------------------------- rounding

export { roundHalfEven } from '../../util/python-round.js';
