/**
 * A published checkpoint's factors, from the model catalogue (src/models/catalog.ts, one catalogue for the
 * exporter and the published analysis), each with where it comes from; `unknown` where the catalogue's
 * sources are silent, never a guess. Pure.
 */
import { findCatalogEntry, type Catalog } from '../models/catalog.js';
import type { ModelIdentity } from './identity.js';

/** The factors the published analysis groups by, in order; `model` is open_clip's model name (the exact architecture). */
export const PUBLISHED_FACTORS = ['architecture_family', 'model', 'params', 'image_size', 'training_data', 'training_size', 'samples_seen', 'loss', 'fine_tuned'] as const;
export type PublishedFactor = (typeof PUBLISHED_FACTORS)[number];

export type FactValue = string | number | boolean;
/** A fact and its source ("catalog: model_profile.csv row ViT-B-32: mparams"), or unknown. */
export type PublishedFact = { readonly value: FactValue; readonly source: string } | 'unknown';

export interface PublishedFactors {
  /** The catalogue entry joined (`MODEL/PRETRAINED`), or null when the catalogue lacks the checkpoint. */
  readonly catalog_entry: string | null;
  readonly facts: Readonly<Record<PublishedFactor, PublishedFact>>;
}

function plain(v: unknown): FactValue | null {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  // image_size as [h, w]: a square is one number; anything else is written out.
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v.length === 2 && v[0] === v[1] ? (v[0] as number) : v.join('x');
  return null;
}

/** The catalogue's facts of one checkpoint; `model` always comes from the table row itself. */
export function joinFactors(identity: ModelIdentity, catalog: Catalog, rowSource: string): PublishedFactors {
  const entry = findCatalogEntry(catalog, 'open_clip', identity.model, identity.pretrained);
  const facts = {} as Record<PublishedFactor, PublishedFact>;
  for (const f of PUBLISHED_FACTORS) {
    if (f === 'model') {
      facts.model = { value: identity.model, source: rowSource };
      continue;
    }
    const fact = entry?.facts[f];
    const value = fact === undefined || fact === 'unknown' ? null : plain(fact.value);
    facts[f] = value === null || fact === undefined || fact === 'unknown' ? 'unknown' : { value, source: `catalog: ${fact.source}` };
  }
  return { catalog_entry: entry?.name ?? null, facts };
}

/** A fact's value, or null when unknown. */
export function factOf(f: PublishedFactors, key: PublishedFactor): FactValue | null {
  const v = f.facts[key];
  return v === 'unknown' ? null : v.value;
}
