/**
 * Every corruption holoclip knows, by name, without its image code, and the `--corruption` syntax:
 *   NAME:SEVERITY        one corruption at one severity (gaussian_noise:3)
 *   NAME                 all five severities
 *   imagenet-c           the 15 ImageNet-C corruptions x 5 severities
 *   imagenet-c-extra     the 4 extra ones (speckle_noise, gaussian_blur, spatter, saturate)
 *   3dcc                 the 3D common corruptions
 *   all                  the 15 + the 4 extra (the corruptions that need no depth map)
 * several separated by commas.
 *
 * Suite validation and planning read this table only; registry.ts holds the corruptions themselves (pixels), in
 * the same order (test/validation-tables.test.ts checks that the two agree).
 */
import { HoloclipError } from '../errors.js';
import { protocolLabel, type CorruptionProtocol } from './protocol.js';
import { SEVERITIES, type Corruption, type Severity } from './types.js';

/** What is known of a corruption without loading it: its name, the benchmark it belongs to, whether it needs a depth map. */
export type CorruptionInfo = Pick<Corruption, 'name' | 'benchmark' | 'needsDepth'>;

/** Every corruption in registry order: the 15 ImageNet-C ones, the 4 extra ones, then 3DCC. */
export const CORRUPTION_CATALOG: readonly CorruptionInfo[] = [
  { name: 'gaussian_noise', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'shot_noise', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'impulse_noise', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'defocus_blur', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'glass_blur', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'motion_blur', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'zoom_blur', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'snow', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'frost', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'fog', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'brightness', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'contrast', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'elastic_transform', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'pixelate', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'jpeg_compression', benchmark: 'imagenet-c', needsDepth: false },
  { name: 'speckle_noise', benchmark: 'imagenet-c-extra', needsDepth: false },
  { name: 'gaussian_blur', benchmark: 'imagenet-c-extra', needsDepth: false },
  { name: 'spatter', benchmark: 'imagenet-c-extra', needsDepth: false },
  { name: 'saturate', benchmark: 'imagenet-c-extra', needsDepth: false },
  { name: 'near_focus', benchmark: '3dcc', needsDepth: true },
  { name: 'far_focus', benchmark: '3dcc', needsDepth: true },
  { name: 'fog_3d', benchmark: '3dcc', needsDepth: true },
  { name: 'flash', benchmark: '3dcc', needsDepth: true },
  { name: 'xy_motion_blur', benchmark: '3dcc', needsDepth: true },
  { name: 'z_motion_blur', benchmark: '3dcc', needsDepth: true },
  { name: 'low_light', benchmark: '3dcc', needsDepth: false },
  { name: 'iso_noise', benchmark: '3dcc', needsDepth: false },
  { name: 'color_quant', benchmark: '3dcc', needsDepth: false },
];

const BY_NAME = new Map(CORRUPTION_CATALOG.map((c) => [c.name, c]));

/** A corruption's name, benchmark and depth need (undefined for an unknown name). */
export function corruptionInfo(name: string): CorruptionInfo | undefined {
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

const GROUPS: Record<string, (c: CorruptionInfo) => boolean> = {
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
      for (const c of CORRUPTION_CATALOG.filter(group)) for (const s of SEVERITIES) add(c.name, s);
      continue;
    }
    const [name, sev, extra] = part.split(':');
    if (extra !== undefined) throw new HoloclipError(`--corruption "${part}": expected NAME or NAME:SEVERITY`);
    if (!BY_NAME.has(name)) {
      throw new HoloclipError(`--corruption "${part}": unknown corruption "${name}" (known: ${CORRUPTION_CATALOG.map((c) => c.name).join(', ')}; groups: ${Object.keys(GROUPS).join(', ')})`);
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
