/**
 * The model catalogue: `tools/export/holoclip_export/catalog.json`, the facts holoclip knows about open_clip
 * checkpoints (architecture, size, training data, samples seen, loss, fine-tuning, image size), each with the
 * source it comes from, or "unknown". Built by `tools/export/build_catalog.py`; the Python exporter reads the same
 * file to fill model cards. Shipped in the npm package (package.json "files").
 */
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
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
  const fix = 'rebuild it with tools/export/build_catalog.py (see README "Model catalogue")';
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
