/**
 * Answers of multimodal LLMs, content-addressed: one JSON file per answer under `<store>/lmm-answers/<k[0:2]>/<k>.json`,
 * k = sha256 of the canonical JSON of (backend, model identity as the server reports it, the prompt, the sha256 of the
 * image bytes sent, the sampling settings). Each answer is written atomically the moment it arrives, so a rerun sends
 * nothing for what it already has and a killed run (or a dead server) loses no finished answer. Anything missing,
 * half-written or for another key reads as a miss.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeJsonAtomic } from '../store/atomic.js';
import { canonicalKey } from '../store/canonical-json.js';
import type { LmmIdentity, LmmReply, Sampling } from './backend.js';

export interface AnswerKeyParts {
  readonly identity: LmmIdentity;
  readonly prompt: string;
  /** sha256 of the image bytes as sent. */
  readonly imageSha256: string;
  readonly sampling: Sampling;
}

export interface CachedAnswer extends LmmReply {
  readonly key: string;
  readonly model: string;
  readonly prompt: string;
  readonly image_sha256: string;
  readonly created: string;
}

export function answerKey(p: AnswerKeyParts): string {
  return canonicalKey({ kind: 'lmm-answer', backend: p.identity.backend, model: p.identity.model, reported: p.identity.reported, prompt: p.prompt, image_sha256: p.imageSha256, sampling: p.sampling });
}

export class AnswerCache {
  readonly dir: string;

  constructor(storeRoot: string) {
    this.dir = path.join(path.resolve(storeRoot), 'lmm-answers');
  }

  fileOf(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`internal: answer key must be a sha256 hex, got ${key}`);
    return path.join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<CachedAnswer | null> {
    try {
      const v = JSON.parse(await readFile(this.fileOf(key), 'utf8')) as Partial<CachedAnswer>;
      return v.key === key && typeof v.text === 'string' ? (v as CachedAnswer) : null;
    } catch {
      return null;
    }
  }

  async put(key: string, parts: AnswerKeyParts, reply: LmmReply): Promise<CachedAnswer> {
    const record: CachedAnswer = { key, model: parts.identity.model, prompt: parts.prompt, image_sha256: parts.imageSha256, ...reply, created: new Date().toISOString() };
    await writeJsonAtomic(this.fileOf(key), record);
    return record;
  }
}
