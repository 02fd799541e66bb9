/**
 * Suite models named by the model catalogue: `{ catalog: "ViT-B-32/laion2b_s34b_b79k", path: DIR }`. holoclip
 * never downloads a model or runs Python: a missing folder is an error that prints the exact `holoclip-export`
 * command that creates it, and a present folder's card must name that very checkpoint. Pure functions; the
 * suite loader does the file checks and collects the problems.
 */
import type { Catalog } from '../models/catalog.js';
import { findCatalogEntry } from '../models/catalog.js';
import type { ModelCard } from '../models/model-card.js';

/** An open_clip checkpoint: a model and its pretrained tag (null: random weights, or a model-only entry). */
export interface OpenClipIdentity {
  readonly model: string;
  readonly pretrained: string | null;
}

/** "ViT-B-32/laion2b_s34b_b79k"; "MODEL/none" for no pretrained tag. */
export function identityName(id: OpenClipIdentity): string {
  return `${id.model}/${id.pretrained ?? 'none'}`;
}

/** "MODEL/PRETRAINED", "MODEL/none" or "MODEL" (a model-only entry, as `holoclip model catalog` names it). */
export function parseCatalogRef(spec: string): OpenClipIdentity {
  const slash = spec.indexOf('/');
  if (slash < 0) return { model: spec, pretrained: null };
  const pretrained = spec.slice(slash + 1);
  return { model: spec.slice(0, slash), pretrained: pretrained.toLowerCase() === 'none' ? null : pretrained };
}

/**
 * The identity a suite's `catalog:` names, checked against the catalogue: a listed (model, tag) pair, or a
 * catalogued model with `none` (random weights). Otherwise an error saying what the catalogue has.
 */
export function resolveCatalogRef(catalog: Catalog, spec: string): { identity: OpenClipIdentity } | { error: string } {
  const identity = parseCatalogRef(spec);
  const tags = catalog.entries.filter((e) => e.source === 'open_clip' && e.model === identity.model).map((e) => e.pretrained);
  if (tags.length === 0) {
    return { error: `"${spec}": no open_clip model "${identity.model}" in the model catalogue (list them: holoclip model catalog)` };
  }
  if (identity.pretrained !== null && findCatalogEntry(catalog, 'open_clip', identity.model, identity.pretrained) === null) {
    const known = tags.filter((t): t is string => t !== null);
    const shown = known.length > 12 ? `${known.slice(0, 12).join(', ')}, ... (${known.length} in all)` : known.join(', ');
    return {
      error: `"${spec}": ${identity.model} has no pretrained tag "${identity.pretrained}" in the model catalogue (${known.length > 0 ? `its tags: ${shown}; ` : ''}${identity.model}/none for random weights; holoclip model catalog --filter ${identity.model})`,
    };
  }
  return { identity };
}

/** A word as a POSIX shell reads it: kept as it is when it has no special characters, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The exact command that exports `identity` into `dir` (an absolute folder). */
export function exportCommand(identity: OpenClipIdentity, dir: string): string {
  return ['holoclip-export', 'open_clip', identity.model, identity.pretrained ?? 'none', '--out', dir].map(shellQuote).join(' ');
}

/** The problem of a missing folder: what to run to create it. */
export function missingFolderProblem(identity: OpenClipIdentity, dir: string): string {
  return (
    `model folder ${dir} does not exist. holoclip never downloads models or runs Python: export ${identityName(identity)} into it with ` +
    `the exporter (pip install ./tools/export; docs/models.md, "Evaluate your own models"):\n` +
    `      ${exportCommand(identity, dir)}`
  );
}

/** null when the folder's card names `identity`; otherwise the problem, naming both checkpoints. */
export function cardIdentityProblem(identity: OpenClipIdentity, card: ModelCard | null, dir: string): string | null {
  const fix = `re-export it (${exportCommand(identity, dir)}) or correct \`catalog:\``;
  if (card === null) return `${dir} has no holoclip.json card, so it cannot be checked to be ${identityName(identity)}: ${fix}`;
  if (card.open_clip === undefined) return `the card ${dir}/holoclip.json does not name its open_clip checkpoint (open_clip: {model, pretrained}), so it cannot be checked to be ${identityName(identity)}: ${fix}`;
  const has: OpenClipIdentity = { model: card.open_clip.model, pretrained: card.open_clip.pretrained };
  if (has.model === identity.model && has.pretrained === identity.pretrained) return null;
  return `the suite names ${identityName(identity)}, but the card ${dir}/holoclip.json is ${identityName(has)}: ${fix}`;
}
