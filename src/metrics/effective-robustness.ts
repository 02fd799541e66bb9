/**
 * Effective robustness (Taori et al., "Measuring Robustness to Natural Distribution Shifts in Image
 * Classification", NeurIPS 2020). Pure functions; no I/O.
 *
 * Baseline: a least-squares line fitted to (T(in-distribution accuracy), T(shifted accuracy)) of a set
 * of baseline models, where T is the logit (default) or probit transform, as imagenet-testbed's
 * `plotter.py` does with `scipy.stats.linregress`. A model's effective robustness is its shifted
 * accuracy minus the accuracy the baseline predicts for its in-distribution accuracy:
 *
 *   ER = shift - T^-1(a * T(id) + b)
 *
 * Conventions:
 * - Accuracies are fractions in [0, 1] (imagenet-testbed works in percent; divide by 100 first).
 * - Accuracies of exactly 0 or 1 (e.g. ResNet-50 on ImageNet-A, which was filtered against it) have no finite
 *   logit / probit. Two rules (`ExtremeAccuracies`):
 *   'exclude' (default; imagenet-testbed): nothing is clipped. Baseline models with a 0 or 1 in either
 *     accuracy are left out of the fit (listed in `fit.excluded`): the testbed's plotter.transform_acc does not
 *     clip, so such a model makes scipy's linregress return NaN, and the testbed's figures leave it out
 *     (paper_imagenet_a.py drops resnet50). An evaluated model at 0 or 1 is transformed to -inf / +inf and its
 *     predicted accuracy is the limit (0 or 1 for a positive slope).
 *   'clip' (holoclip before 0.x): every accuracy is clipped to [ACCURACY_EPSILON, 1 - ACCURACY_EPSILON] (1e-6)
 *     before the transform, so such models enter the fit at about -13.8 (logit).
 *   'none' (a plain linear fit in accuracy space) never clips nor excludes.
 * - The shifted accuracy in ER is used as given (unclipped).
 * - probit = the inverse standard-normal CDF (scipy.stats.norm.ppf), computed with Wichura's AS241
 *   algorithm (relative error ~1e-16); its inverse is the normal CDF.
 * - Bootstrap: baseline models are resampled with replacement (seeded sfc32, see random.ts); each
 *   resample is refitted and the model's ER recomputed. The 95% interval is the 2.5th percentile with
 *   'lower' interpolation and the 97.5th with 'higher' interpolation of the resampled values, as
 *   imagenet-testbed's `get_bootstrap_cis` does for the fit coefficients. Resamples whose
 *   in-distribution values are all equal (no line can be fitted) are drawn again.
 */
import { HoloclipError } from '../errors.js';
import { createRng } from './random.js';

export type AccuracyTransform = 'logit' | 'probit' | 'none';
/** How 0% / 100% accuracies are treated by the logit / probit fit: see the module comment. */
export type ExtremeAccuracies = 'exclude' | 'clip';
export const EXTREME_ACCURACY_RULES: readonly ExtremeAccuracies[] = ['exclude', 'clip'];

/** Clip accuracies to [ACCURACY_EPSILON, 1 - ACCURACY_EPSILON] before the logit / probit transform. */
export const ACCURACY_EPSILON = 1e-6;

/**
 * y = a * x + b in transformed space; r2 = coefficient of determination of the fit; n = baseline models in
 * the fit; excluded = indices (into the arrays given) of baseline models left out for a 0 or 1 accuracy.
 */
export interface BaselineFit {
  a: number;
  b: number;
  r2: number;
  n: number;
  transform: AccuracyTransform;
  extremes: ExtremeAccuracies;
  excluded: number[];
}

export interface EffectiveRobustnessResult {
  effective_robustness: number;
  predicted_shift_accuracy: number;
  fit: BaselineFit;
  bootstrap: {
    samples: number;
    seed: number;
    er_low: number;
    er_high: number;
    a_low: number;
    a_high: number;
    b_low: number;
    b_high: number;
  };
}

const TRANSFORMS: ReadonlySet<string> = new Set(['logit', 'probit', 'none']);

function checkTransform(t: string): void {
  if (!TRANSFORMS.has(t)) throw new HoloclipError(`unknown accuracy transform '${t}'; expected logit, probit or none`);
}

function checkAccuracy(acc: number, what = 'accuracy'): void {
  if (!(acc >= 0 && acc <= 1)) {
    const hint = acc > 1 && acc <= 100 ? ' (accuracies are fractions; divide percentages by 100)' : '';
    throw new HoloclipError(`${what} ${acc} is outside [0, 1]${hint}`);
  }
}

/**
 * T(acc): logit, probit or identity. `acc` in [0, 1]; with extremes 'clip' (the default of this low-level
 * function) clipped by ACCURACY_EPSILON for logit / probit, with 'exclude' not clipped (0 -> -inf, 1 -> +inf).
 */
export function transformAccuracy(acc: number, t: AccuracyTransform, extremes: ExtremeAccuracies = 'clip'): number {
  checkTransform(t);
  checkAccuracy(acc);
  if (t === 'none') return acc;
  const p = extremes === 'clip' ? Math.min(Math.max(acc, ACCURACY_EPSILON), 1 - ACCURACY_EPSILON) : acc;
  if (t === 'logit') return Math.log(p / (1 - p));
  return normalQuantile(p);
}

/** T^-1(x): logistic sigmoid, normal CDF or identity. */
export function inverseTransform(x: number, t: AccuracyTransform): number {
  checkTransform(t);
  if (Number.isNaN(x)) return Number.NaN;
  if (t === 'none') return x;
  if (t === 'logit') return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  return normalCdf(x);
}

function checkExtremes(e: string): void {
  if (!EXTREME_ACCURACY_RULES.includes(e as ExtremeAccuracies)) throw new HoloclipError(`unknown rule for 0% / 100% accuracies '${e}'; expected exclude or clip`);
}

/** Transformed baseline points; with 'exclude' (logit / probit) the models at 0 or 1 are left out. */
function baselinePoints(idAcc: ArrayLike<number>, shiftAcc: ArrayLike<number>, transform: AccuracyTransform, extremes: ExtremeAccuracies): { x: Float64Array; y: Float64Array; excluded: number[] } {
  checkTransform(transform);
  checkExtremes(extremes);
  if (idAcc.length !== shiftAcc.length) {
    throw new HoloclipError(`baseline has ${idAcc.length} in-distribution accuracies but ${shiftAcc.length} shifted accuracies`);
  }
  const xs: number[] = [];
  const ys: number[] = [];
  const excluded: number[] = [];
  for (let i = 0; i < idAcc.length; i++) {
    checkAccuracy(idAcc[i], `baseline model ${i}: in-distribution accuracy`);
    checkAccuracy(shiftAcc[i], `baseline model ${i}: shifted accuracy`);
    const x = transformAccuracy(idAcc[i], transform, extremes);
    const y = transformAccuracy(shiftAcc[i], transform, extremes);
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      excluded.push(i);
      continue;
    }
    xs.push(x);
    ys.push(y);
  }
  const n = xs.length;
  if (n < 2) {
    const left = excluded.length > 0 ? ` (${excluded.length} left out for a 0% or 100% accuracy)` : '';
    throw new HoloclipError(`a baseline fit needs at least 2 models, got ${n}${left}`);
  }
  return { x: Float64Array.from(xs), y: Float64Array.from(ys), excluded };
}

/**
 * Least squares of T(shift) on T(id) over the baseline models. Default transform 'logit'; default rule for
 * 0% / 100% accuracies 'exclude' (imagenet-testbed, see the module comment).
 */
export function fitBaseline(idAcc: ArrayLike<number>, shiftAcc: ArrayLike<number>, transform: AccuracyTransform = 'logit', extremes: ExtremeAccuracies = 'exclude'): BaselineFit {
  const { x, y, excluded } = baselinePoints(idAcc, shiftAcc, transform, extremes);
  const fit = leastSquares(x, y, null);
  if (fit === null) throw new HoloclipError(`baseline models all have the same in-distribution accuracy; no line can be fitted`);
  return { a: fit.a, b: fit.b, r2: fit.r2, n: x.length, transform, extremes, excluded };
}

/** T^-1(a * T(id) + b): the shifted accuracy the baseline predicts (T clips only under extremes 'clip'). */
export function predictedShiftAccuracy(fit: BaselineFit, idAcc: number): number {
  return inverseTransform(fit.a * transformAccuracy(idAcc, fit.transform, fit.extremes) + fit.b, fit.transform);
}

/** shift - T^-1(a * T(id) + b). */
export function effectiveRobustness(fit: BaselineFit, idAcc: number, shiftAcc: number): number {
  checkAccuracy(shiftAcc, 'shifted accuracy');
  return shiftAcc - predictedShiftAccuracy(fit, idAcc);
}

/** Options of the bootstrap over baseline models (defaults: logit, exclude, 1000 resamples, seed 0). */
export interface BootstrapOptions {
  transform?: AccuracyTransform;
  extremes?: ExtremeAccuracies;
  samples?: number;
  seed?: number;
}

/**
 * The baseline fit and its bootstrap: `samples` resamples (with replacement, seeded) of the baseline models
 * in the fit, each refitted; `a[s]`, `b[s]` are resample s's slope and intercept. Resamples whose
 * in-distribution values are all equal are drawn again. Every interval holoclip gives for a line or an ER
 * comes from these resamples (effectiveRobustnessFromBootstrap, and means over several models).
 */
export interface BaselineBootstrap {
  fit: BaselineFit;
  samples: number;
  seed: number;
  a: Float64Array;
  b: Float64Array;
}

export function bootstrapBaseline(idAcc: ArrayLike<number>, shiftAcc: ArrayLike<number>, options: BootstrapOptions = {}): BaselineBootstrap {
  const transform = options.transform ?? 'logit';
  const extremes = options.extremes ?? 'exclude';
  const samples = options.samples ?? 1000;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(samples) || samples < 1) throw new HoloclipError(`bootstrap samples must be a positive integer, got ${samples}`);
  if (!Number.isInteger(seed)) throw new HoloclipError(`bootstrap seed must be an integer, got ${seed}`);
  const fit = fitBaseline(idAcc, shiftAcc, transform, extremes);
  const n = fit.n;
  const { x, y } = baselinePoints(idAcc, shiftAcc, transform, extremes);
  const rng = createRng(seed);
  const idx = new Int32Array(n);
  const as = new Float64Array(samples);
  const bs = new Float64Array(samples);
  const maxAttempts = samples * 100 + 1000;
  let attempts = 0;
  for (let s = 0; s < samples; ) {
    if (++attempts > maxAttempts) {
      throw new HoloclipError(`bootstrap: ${attempts - 1} resamples of the ${n} baseline models had equal in-distribution accuracies; the baseline is too small or too uniform`);
    }
    for (let i = 0; i < n; i++) idx[i] = rng.nextInt(n);
    const f = leastSquares(x, y, idx);
    if (f === null) continue;
    as[s] = f.a;
    bs[s] = f.b;
    s++;
  }
  return { fit, samples, seed, a: as, b: bs };
}

/** A model's ER against a bootstrapped baseline: the fit's ER and 95% intervals of ER, slope and intercept. */
export function effectiveRobustnessFromBootstrap(boot: BaselineBootstrap, model: { id: number; shift: number }): EffectiveRobustnessResult {
  const { fit, samples, seed } = boot;
  const predicted = predictedShiftAccuracy(fit, model.id);
  const er = effectiveRobustness(fit, model.id, model.shift);
  const tModel = transformAccuracy(model.id, fit.transform, fit.extremes);
  const ers = new Float64Array(samples);
  for (let s = 0; s < samples; s++) ers[s] = model.shift - inverseTransform(boot.a[s] * tModel + boot.b[s], fit.transform);
  const [aLow, aHigh] = percentileInterval(Float64Array.from(boot.a));
  const [bLow, bHigh] = percentileInterval(Float64Array.from(boot.b));
  const [erLow, erHigh] = percentileInterval(ers);
  return {
    effective_robustness: er,
    predicted_shift_accuracy: predicted,
    fit,
    bootstrap: { samples, seed, er_low: erLow, er_high: erHigh, a_low: aLow, a_high: aHigh, b_low: bLow, b_high: bHigh },
  };
}

/**
 * ER of `model` against the baseline, with a bootstrap over baseline models (default 1000 resamples,
 * seed 0). Deterministic for a given seed.
 */
export function effectiveRobustnessWithBootstrap(
  idAcc: ArrayLike<number>,
  shiftAcc: ArrayLike<number>,
  model: { id: number; shift: number },
  options: BootstrapOptions = {},
): EffectiveRobustnessResult {
  return effectiveRobustnessFromBootstrap(bootstrapBaseline(idAcc, shiftAcc, options), model);
}

/** 95% percentile interval: numpy percentile 2.5 ('lower') and 97.5 ('higher'). Sorts in place. */
export function percentileInterval(values: Float64Array): [number, number] {
  values.sort();
  const last = values.length - 1;
  return [values[Math.floor(0.025 * last)], values[Math.ceil(0.975 * last)]];
}

/**
 * Least squares y = a x + b over the rows `idx` (all rows when null). Centred sums, as
 * scipy.stats.linregress. Null when x is constant.
 */
function leastSquares(x: Float64Array, y: Float64Array, idx: Int32Array | null): { a: number; b: number; r2: number } | null {
  const n = idx === null ? x.length : idx.length;
  let mx = 0;
  let my = 0;
  for (let k = 0; k < n; k++) {
    const i = idx === null ? k : idx[k];
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    const i = idx === null ? k : idx[k];
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (!(sxx > 0)) return null;
  const a = sxy / sxx;
  const b = my - a * mx;
  // r^2 = sxy^2 / (sxx syy); 0 when y is constant, as scipy.stats.linregress sets r = 0 there.
  const r2 = syy > 0 ? Math.min(1, (sxy * sxy) / (sxx * syy)) : 0;
  return { a, b, r2 };
}

/**
 * Inverse of the standard normal CDF for p in (0, 1): Wichura's algorithm AS241 (PPND16),
 * Applied Statistics 37 (1988) 477-484. Relative accuracy about 1e-16.
 */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r +
          13731.693765509461125) *
          r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((5226.495278852854561 * r + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r +
        5394.1960214247511077) *
        r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let val: number;
  if (r <= 5) {
    r -= 1.6;
    val =
      (((((((0.00077454501427834140764 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((1.05075007164441684324e-9 * r + 0.0005475938084995344946) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r +
        0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    val =
      (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r +
        0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 0.0007868691311456132591) * r +
        0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -val : val;
}

/**
 * Standard normal CDF. |x| < 3: the everywhere-convergent series Phi(x) = 1/2 + phi(x) sum x^(2k+1)/(2k+1)!!
 * (positive terms); beyond: Laplace's continued fraction for the tail. Absolute error ~1e-16, relative ~1e-13.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  const ax = Math.abs(x);
  const phi = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  if (ax < 3) {
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let k = 1; k < 500; k++) {
      term *= x2 / (2 * k + 1);
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return 0.5 + phi * sum;
  }
  // Upper tail Q(ax) = phi / (ax + 1/(ax + 2/(ax + 3/(ax + ...)))), evaluated backwards.
  let f = ax;
  for (let k = 100; k >= 1; k--) f = ax + k / f;
  const tail = phi / f;
  return x > 0 ? 1 - tail : tail;
}
