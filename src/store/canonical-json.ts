import { sha256 } from './hash.js';

/** A JSON value as parsed back from disk. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * JSON with object keys sorted (by code point) at every level and no whitespace, so equal
 * values always give the same text. Keys whose value is `undefined` are dropped (as JSON.stringify
 * does); non-finite numbers, bigints, functions, symbols and Promises are rejected.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}

/** sha256 hex of {@link canonicalJson}: the key for an embedding space or cached text matrix. */
export function canonicalKey(value: unknown): string {
  return sha256(canonicalJson(value));
}

function encode(value: unknown, where: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number at ${where}`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((v, i) => (v === undefined ? 'null' : encode(v, `${where}[${i}]`))).join(',')}]`;
      }
      // A Promise (a forgotten await) would encode as {} and give every caller the same, wrong key.
      if (typeof (value as { then?: unknown }).then === 'function') throw new TypeError(`canonicalJson: a Promise at ${where} (missing await?)`);
      const rec = value as Record<string, unknown>;
      const keys = Object.keys(rec)
        .filter((k) => rec[k] !== undefined)
        .sort(compareCodePoints);
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(rec[k], `${where}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value} at ${where}`);
  }
}

/** Compare strings by Unicode code point (Python's str order), not UTF-16 code unit. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Surrogates (0xD800-0xDFFF) encode code points >= 0x10000, above every BMP character.
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa !== sb) return sa ? 1 : -1;
    return ca - cb;
  }
  return a.length - b.length;
}
