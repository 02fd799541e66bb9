/**
 * The model catalogue: `tools/export/holoclip_export/catalog.json`, the facts holoclip knows about open_clip
 * checkpoints (architecture, size, training data, samples seen, loss, fine-tuning, image size), each with the
 * source it comes from, or "unknown". Built by `tools/export/build_catalog.py`; the Python exporter reads the same
 * file to fill model cards. Shipped in the npm package (package.json "files").
 */
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { HoloclipError, errorMessage } from '../errors.js';

/** src/models/ under tsx and dist/models/ when built are both two levels below the package root. */
export const CATALOG_FILE: string = fileURLToPath(new URL('../../tools/export/holoclip_export/catalog.json', import.meta.url));

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValueSchema), z.record(z.string(), JsonValueSchema)]),
);

const KnownFactSchema = z.strictObject({ value: JsonValueSchema, source: z.string().min(1) });
/** A fact with where it comes from, or "unknown" when the sources are silent. */
export const CatalogFactSchema = z.union([z.literal('unknown'), KnownFactSchema]);
export type CatalogFact = z.infer<typeof CatalogFactSchema>;

export const CatalogEntrySchema = z.strictObject({
  name: z.string().min(1),
  source: z.enum(['open_clip', 'hf', 'timm']),
  model: z.string().min(1),
  pretrained: z.string().min(1).nullable(),
  listed_by: z.array(z.string()).min(1),
  facts: z.record(z.string(), CatalogFactSchema),
});
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;

export const CatalogSchema = z.strictObject({
  format: z.literal('holoclip-catalog/1'),
  generated_by: z.string(),
  open_clip_version: z.string(),
  tables: z.record(z.string(), z.string()),
  entries: z.array(CatalogEntrySchema),
});
export type Catalog = z.infer<typeof CatalogSchema>;

/** The factor columns holoclip shows, in order: the paper's factors plus image size. */
export const CATALOG_FACTORS = ['architecture_family', 'params', 'image_size', 'training_data', 'training_size', 'samples_seen', 'loss', 'fine_tuned'] as const;
export type CatalogFactor = (typeof CATALOG_FACTORS)[number];

/** Parse and validate a catalogue; `file` names it in errors. Every factor column must be present in every entry. */
export function parseCatalog(text: string, file: string): Catalog {
  const fix = 'rebuild it with tools/export/build_catalog.py (see docs/models.md, "Model catalogue")';
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new HoloclipError(`model catalogue ${file} is not JSON (${errorMessage(err)}): ${fix}`);
  }
  const parsed = CatalogSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new HoloclipError(`model catalogue ${file}: ${where}: ${issue?.message ?? 'invalid'}: ${fix}`);
  }
  const names = new Set<string>();
  for (const [i, e] of parsed.data.entries.entries()) {
    if (names.has(e.name)) throw new HoloclipError(`model catalogue ${file}: entries.${i}: duplicate name "${e.name}": ${fix}`);
    names.add(e.name);
    const missing = CATALOG_FACTORS.filter((f) => !(f in e.facts));
    if (missing.length > 0) throw new HoloclipError(`model catalogue ${file}: entries.${i} (${e.name}) lacks ${missing.join(', ')}: ${fix}`);
  }
  return parsed.data;
}

export async function readCatalog(file: string = CATALOG_FILE): Promise<Catalog> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new HoloclipError(`model catalogue ${file} is not readable (${errorMessage(err)}): reinstall holoclip, or rebuild it with tools/export/build_catalog.py`);
  }
  return parseCatalog(text, file);
}

/** A fact's value, or null when unknown. */
export function factValue(entry: CatalogEntry, key: string): JsonValue | null {
  const f = entry.facts[key];
  return f === undefined || f === 'unknown' ? null : f.value;
}

/** Entries whose name or factor values contain `text` (case-insensitive); all entries when text is empty. */
export function filterCatalog(entries: readonly CatalogEntry[], text: string | undefined): CatalogEntry[] {
  const needle = (text ?? '').trim().toLowerCase();
  if (needle === '') return [...entries];
  return entries.filter((e) => {
    const hay = [e.name, ...CATALOG_FACTORS.map((f) => JSON.stringify(factValue(e, f)))].join('\n').toLowerCase();
    return hay.includes(needle);
  });
}

export function findCatalogEntry(catalog: Catalog, source: string, model: string, pretrained: string | null): CatalogEntry | null {
  return catalog.entries.find((e) => e.source === source && e.model === model && e.pretrained === pretrained) ?? null;
}

/** The catalogue fact behind each model factor holoclip analyses (results.json `metadata`). */
export const FACTOR_FACTS = {
  architecture: 'architecture_family',
  training_data: 'training_data',
  training_size: 'training_size',
  loss: 'loss',
  fine_tuned: 'fine_tuned',
} as const;
export type CatalogFilledFactor = keyof typeof FACTOR_FACTS;
/** Facts about the network, true of every checkpoint of a model; the others depend on the pretrained tag. */
const ARCHITECTURE_FACTORS: readonly CatalogFilledFactor[] = ['architecture'];

export interface CatalogFactorValue {
  readonly value: string | number | boolean;
  /** The catalogue's citation of the fact ("model_profile.csv row ViT-B-32: mparams"). */
  readonly source: string;
}

export interface CatalogFactors {
  /** The entry the facts come from: the checkpoint's own, or (architecture only) another checkpoint of its model. */
  readonly entry: CatalogEntry;
  /** True when `entry` is the checkpoint itself (training facts included). */
  readonly exact: boolean;
  readonly factors: Partial<Record<CatalogFilledFactor, CatalogFactorValue>>;
}

function factorValueOk(factor: CatalogFilledFactor, v: unknown): v is string | number | boolean {
  if (factor === 'training_size') return typeof v === 'number' && v >= 0;
  if (factor === 'fine_tuned') return typeof v === 'boolean' || (typeof v === 'string' && v !== '');
  return typeof v === 'string' && v !== '';
}

/**
 * What the catalogue knows of an open_clip checkpoint's factors. The checkpoint's own entry gives every known
 * factor; when the tag is not catalogued (random weights, a local file) but the model is, only the architecture
 * (true whatever the weights) comes from another entry of the model. null when the model is not catalogued.
 * Unknown facts are left out, never guessed. `file` names the catalogue in errors.
 */
export function catalogFactors(catalog: Catalog, identity: { model: string; pretrained: string | null }, file: string = CATALOG_FILE): CatalogFactors | null {
  const own = findCatalogEntry(catalog, 'open_clip', identity.model, identity.pretrained);
  const entry = own ?? catalog.entries.find((e) => e.source === 'open_clip' && e.model === identity.model) ?? null;
  if (entry === null) return null;
  const factors: Partial<Record<CatalogFilledFactor, CatalogFactorValue>> = {};
  for (const [factor, key] of Object.entries(FACTOR_FACTS) as Array<[CatalogFilledFactor, string]>) {
    if (own === null && !ARCHITECTURE_FACTORS.includes(factor)) continue;
    const fact = entry.facts[key];
    if (fact === undefined || fact === 'unknown') continue;
    if (!factorValueOk(factor, fact.value)) {
      throw new HoloclipError(`model catalogue ${file}: ${entry.name}.${key} is ${JSON.stringify(fact.value)}, not a valid ${factor}: rebuild it with tools/export/build_catalog.py`);
    }
    factors[factor] = { value: fact.value, source: fact.source };
  }
  return { entry, exact: own !== null, factors };
}
