/**
 * Number formatting for the report. One rule per kind of number, so a value reads the same in every
 * table, chart caption and sentence: fractions (accuracies, ECE, AUROC, shape bias...) with 3 decimals,
 * effective robustness with 3 decimals and an explicit sign, counts as grouped integers.
 * Formatting never changes which number is shown, only how: the full-precision value travels with it
 * (`data-value` in tables, results.json embedded in the page).
 */

export type NumberKind = 'fraction' | 'signed' | 'count' | 'plain';

/** Metrics printed with a sign: a difference from a prediction, where the sign is the finding. */
const SIGNED_METRICS: ReadonlySet<string> = new Set(['effective_robustness']);

/** Metrics that count things (decisions, images), printed as integers. */
const COUNT_METRICS: ReadonlySet<string> = new Set(['shape_decisions', 'texture_decisions', 'other_decisions', 'count', 'n']);

/** How to print a metric's value, by its name in the results rows. */
export function metricKind(metric: string): NumberKind {
  if (SIGNED_METRICS.has(metric)) return 'signed';
  if (COUNT_METRICS.has(metric)) return 'count';
  return 'fraction';
}

/** "n/a" for null (a metric that is undefined for this unit) and for non-finite values. */
export function formatNumber(value: number | null, kind: NumberKind): string {
  if (value === null || !Number.isFinite(value)) return 'n/a';
  switch (kind) {
    case 'fraction':
      return fixed3(value);
    case 'signed':
      // "+0.000" would claim a sign the rounded number does not have; zero is printed unsigned.
      return value > 0 && fixed3(value) !== '0.000' ? `+${fixed3(value)}` : fixed3(value);
    case 'count':
      return groupThousands(Math.round(value));
    case 'plain':
      return plain(value);
  }
}

/** 3 decimals; "-0.000" (a tiny negative) is printed "0.000". */
function fixed3(value: number): string {
  const s = value.toFixed(3);
  return s === '-0.000' ? '0.000' : s;
}

/** Up to 3 decimals with trailing zeros dropped: 100 -> "100", 4.6052 -> "4.605". Integers grouped. */
function plain(value: number): string {
  if (Number.isInteger(value)) return groupThousands(value);
  return String(Number(value.toFixed(3)));
}

/** 1234567 -> "1,234,567" (only the integer part is grouped), by hand so the output does not depend on the ICU data Node was built with. */
export function groupThousands(value: number): string {
  const sign = value < 0 ? '-' : '';
  const [whole, fraction] = String(Math.abs(value)).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return sign + grouped + (fraction === undefined ? '' : `.${fraction}`);
}

/** A factor value for people: null -> "unknown", booleans as words, sizes grouped. */
export function formatFactorValue(value: string | number | boolean | null): string {
  if (value === null) return 'unknown';
  if (typeof value === 'number') return groupThousands(value);
  return String(value);
}
