/**
 * Every corruption holoclip knows, by name, and the `--corruption` syntax:
 *   NAME:SEVERITY        one corruption at one severity (gaussian_noise:3)
 *   NAME                 all five severities
 *   imagenet-c           the 15 ImageNet-C corruptions x 5 severities
 *   imagenet-c-extra     the 4 extra ones (speckle_noise, gaussian_blur, spatter, saturate)
 *   3dcc                 the 3D common corruptions
 *   all                  the 15 + the 4 extra (the corruptions that need no depth map)
 * several separated by commas.
 */
import { HoloclipError } from '../errors.js';
import { THREEDCC_CORRUPTIONS } from './3dcc/index.js';
import { IMAGENET_C_CORRUPTIONS } from './imagenet-c/index.js';
import { protocolLabel, type CorruptionProtocol } from './protocol.js';
import { SEVERITIES, type Corruption, type Severity } from './types.js';

export const CORRUPTIONS: readonly Corruption[] = [...IMAGENET_C_CORRUPTIONS, ...THREEDCC_CORRUPTIONS];

const BY_NAME = new Map(CORRUPTIONS.map((c) => [c.name, c]));

export function findCorruption(name: string): Corruption | undefined {
  return BY_NAME.get(name);
}

/** One corrupted version of a dataset: which corruption, how strong, the global seed, and how it is made (geometry, JPEG). */
export interface CorruptionSpec {
  readonly name: string;
  readonly severity: Severity;
  readonly seed: number;
  readonly protocol: CorruptionProtocol;
}

/** Everything that tells two corrupted versions of the same dataset apart (plan keys). */
export function corruptionKey(spec: CorruptionSpec): string {
  return `${spec.name}:${spec.severity}|seed${spec.seed}|${protocolLabel(spec.protocol)}`;
}

export function corruptionLabel(spec: { name: string; severity: number }): string {
  return `${spec.name}:${spec.severity}`;
}

const GROUPS: Record<string, (c: Corruption) => boolean> = {
  all: (c) => c.benchmark !== '3dcc',
  'imagenet-c': (c) => c.benchmark === 'imagenet-c',
  'imagenet-c-extra': (c) => c.benchmark === 'imagenet-c-extra',
  '3dcc': (c) => c.benchmark === '3dcc',
};

/** Parses a `--corruption` value into specs (in registry order within a group; duplicates dropped). */
export function parseCorruptions(text: string, seed: number, protocol: CorruptionProtocol): CorruptionSpec[] {
  const out: CorruptionSpec[] = [];
  const seen = new Set<string>();
  const add = (name: string, severity: Severity) => {
    const key = `${name}:${severity}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ name, severity, seed, protocol });
    }
  };
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const group = GROUPS[part];
    if (group) {
      for (const c of CORRUPTIONS.filter(group)) for (const s of SEVERITIES) add(c.name, s);
      continue;
    }
    const [name, sev, extra] = part.split(':');
    if (extra !== undefined) throw new HoloclipError(`--corruption "${part}": expected NAME or NAME:SEVERITY`);
    if (!BY_NAME.has(name)) {
      throw new HoloclipError(`--corruption "${part}": unknown corruption "${name}" (known: ${CORRUPTIONS.map((c) => c.name).join(', ')}; groups: ${Object.keys(GROUPS).join(', ')})`);
    }
    if (sev === undefined) {
      for (const s of SEVERITIES) add(name, s);
    } else {
      const s = Number(sev);
      if (!SEVERITIES.includes(s as Severity)) throw new HoloclipError(`--corruption "${part}": severity must be 1, 2, 3, 4 or 5`);
      add(name, s as Severity);
    }
  }
  if (out.length === 0) throw new HoloclipError('--corruption: no corruption given');
  return out;
}
