/**
 * Integrity of store entries: every embedding chunk, text-cache entry and metric unit folder carries
 * the sha256 of its bytes, written with it and checked when it is read. A mismatch, a truncated or a
 * missing file is a {@link StoreDamageError} that names the file and the fix; with `repair` the
 * reader removes that one entry (with a warning) and it is recomputed.
 */
import { createHash } from 'node:crypto';
import { HoloclipError } from '../errors.js';

/** What to do when a store entry is damaged. */
export interface IntegrityPolicy {
  /** Remove the damaged entry (only it) so it is recomputed, with a warning; else throw. */
  readonly repair: boolean;
  readonly warn: (message: string) => void;
}

export const STRICT_POLICY: IntegrityPolicy = {
  repair: false,
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
};

/** The kinds of store entries that carry a checksum. */
export type StoreEntryKind = 'embedding chunk' | 'text-cache entry' | 'metric unit' | 'report chart' | 'file hash index';

/** One damaged entry: the file that is wrong, what is wrong with it, and the files that make up the entry. */
export interface StoreDamage {
  readonly kind: StoreEntryKind;
  /** The file found wrong (or missing). */
  readonly file: string;
  /** What is wrong, e.g. "sha256 mismatch (expected 1a2b.., found 3c4d..)". */
  readonly problem: string;
  /** Everything removed to repair it: the entry's files (or its folder). */
  readonly entry: readonly string[];
}

/** How the messages say to fix a damaged entry. */
export const REPAIR_HINT = 'rerun with --repair to remove and recompute it, or run `holoclip store verify --repair`';

export function describeDamage(d: StoreDamage): string {
  return `${d.kind} ${d.file} is damaged: ${d.problem}`;
}

/** A damaged store entry met while reading (never a silent wrong value). */
export class StoreDamageError extends HoloclipError {
  constructor(readonly damage: StoreDamage) {
    super(`${describeDamage(damage)}; ${REPAIR_HINT}`);
    this.name = 'StoreDamageError';
  }
}

/** "sha256 mismatch (recorded 12ab34cd.., found 56ef78ab..)". */
export function digestMismatch(recorded: string, found: string): string {
  return `sha256 mismatch (recorded ${recorded.slice(0, 12)}.., the bytes hash to ${found.slice(0, 12)}..): the file was changed after it was written`;
}

/** True if `s` looks like a hex sha256. */
export function isSha256Hex(s: unknown): s is string {
  return typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
}

/**
 * One warning per process and topic for entries written by holoclip before checksums (read
 * unchecked: they cannot be verified, and recomputing them all would cost a full re-embedding).
 */
const warnedLegacy = new Set<string>();
export function warnLegacyOnce(topic: string, policy: IntegrityPolicy, message: string): void {
  if (warnedLegacy.has(topic)) return;
  warnedLegacy.add(topic);
  policy.warn(message);
}

/**
 * The digest of a set of embedding rows as a computation reads them: the item keys in order and the
 * float32 bytes. Equal rows give equal digests whatever chunks they are stored in.
 */
export function rowsDigest(keys: readonly string[], rows: Float32Array): string {
  return createHash('sha256')
    .update(`${JSON.stringify(keys)}\n`)
    .update(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength))
    .digest('hex');
}
