/**
 * `holoclip.json`: an optional model card in the model folder. It records what the ONNX files
 * cannot say: the learned logit scale (and SigLIP bias), and the factors the paper analyses
 * (architecture, training data, data size, loss, fine-tuning).
 */
import { promises as fs } from 'node:fs';
import * as z from 'zod';
import { HoloclipError, errorMessage } from '../errors.js';

/** Known fields are validated; other fields (e.g. training details) are kept as they are. */
export const ModelCardSchema = z.looseObject({
  name: z.string().optional(),
  logit_scale: z.number().positive().optional(),
  logit_bias: z.number().optional(),
  architecture: z.string().optional(),
  training_data: z.string().optional(),
  training_size: z.number().nonnegative().optional(),
  loss: z.string().optional(),
  fine_tuned: z.union([z.boolean(), z.string()]).optional(),
  // Optional facts from the model catalogue (tools/export/holoclip_export/catalog.json, written by the exporter).
  architecture_detail: z.string().optional(),
  params: z.number().nonnegative().optional(),
  image_size: z.union([z.number().int().positive(), z.array(z.number().int().positive()).length(2)]).optional(),
  samples_seen: z.number().nonnegative().optional(),
  /** Where each factor value comes from ("catalog: model_profile.csv row ViT-B-32: mparams"), or "unknown". */
  provenance: z.record(z.string(), z.string()).optional(),
  /** The open_clip checkpoint the card describes: its catalogue identity. */
  open_clip: z.strictObject({ model: z.string().min(1), pretrained: z.string().min(1).nullable() }).optional(),
  notes: z.string().optional(),
  seed: z.number().int().optional(),
  data_sha256: z.string().optional(),
  files_sha256: z.record(z.string(), z.string()).optional(),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;

export async function readModelCard(file: string): Promise<ModelCard> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new HoloclipError(`model card ${file} is not readable JSON: ${errorMessage(err)}`);
  }
  const parsed = ModelCardSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new HoloclipError(`model card ${file}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
