/**
 * Model identity across the published tables: one open_clip checkpoint is `MODEL/PRETRAINED`
 * (`ViT-B-32/laion2b_s34b_b79k`), whichever way a table writes it: two columns (`name`, `pretrained` in
 * open_clip's tables; `model`, `pretrained` in CLIP_benchmark's), one field with a space
 * (`model_fullname` "ViT-B-32 laion2b_s34b_b79k"), a slash, or OpenAI's own model names (`ViT-B/32`,
 * `ViT-L/14@336px`). Pure functions.
 */
import { HoloclipError } from '../errors.js';

export interface ModelIdentity {
  /** open_clip's model name, e.g. `ViT-B-32`. */
  readonly model: string;
  /** open_clip's pretrained tag, e.g. `laion2b_s34b_b79k`. */
  readonly pretrained: string;
  /** `model/pretrained`: the key every table and the catalogue are joined on. */
  readonly id: string;
}

/** OpenAI's CLIP names (`clip.available_models()`) -> open_clip's. */
const OPENAI_NAMES: Readonly<Record<string, string>> = {
  'ViT-B/32': 'ViT-B-32',
  'ViT-B/16': 'ViT-B-16',
  'ViT-L/14': 'ViT-L-14',
  'ViT-L/14@336px': 'ViT-L-14-336',
};

/** A model name as open_clip writes it: trimmed, OpenAI names mapped (`ViT-B/32` -> `ViT-B-32`). */
export function normalizeModelName(name: string): string {
  const n = name.trim().replace(/\s+/g, ' ');
  return OPENAI_NAMES[n] ?? n;
}

/** A pretrained tag: trimmed. Tags are case-sensitive in open_clip, except that tables write `OpenAI` now and then. */
export function normalizePretrained(tag: string): string {
  const t = tag.trim();
  return t.toLowerCase() === 'openai' ? 'openai' : t;
}

export function identityOf(model: string, pretrained: string): ModelIdentity {
  const m = normalizeModelName(model);
  const p = normalizePretrained(pretrained);
  if (m === '' || p === '') throw new HoloclipError(`a published model needs a model name and a pretrained tag, got ${JSON.stringify(model)} / ${JSON.stringify(pretrained)}`);
  if (/[\s/]/.test(m) || /[\s/]/.test(p)) throw new HoloclipError(`${JSON.stringify(model)} / ${JSON.stringify(pretrained)} has a space or a slash in its model name or tag; expected an open_clip name such as ViT-B-32 and a tag such as laion2b_s34b_b79k`);
  return { model: m, pretrained: p, id: `${m}/${p}` };
}

/**
 * One field naming a checkpoint: `MODEL/PRETRAINED`, `MODEL PRETRAINED`, `MODEL:PRETRAINED`, or an OpenAI name
 * with its tag (`ViT-B/32 openai`, `ViT-L/14@336px/openai`).
 */
export function parseIdentity(text: string): ModelIdentity {
  const t = text.trim().replace(/\s+/g, ' ');
  for (const [openai, name] of Object.entries(OPENAI_NAMES)) {
    if (t.startsWith(`${openai} `) || t.startsWith(`${openai}/`) || t.startsWith(`${openai}:`)) return identityOf(name, t.slice(openai.length + 1));
  }
  const m = /^([^\s/:]+)[\s/:]([^\s/:]+)$/.exec(t);
  if (m === null) throw new HoloclipError(`cannot read ${JSON.stringify(text)} as a model: expected MODEL/PRETRAINED, e.g. ViT-B-32/laion2b_s34b_b79k`);
  return identityOf(m[1], m[2]);
}
