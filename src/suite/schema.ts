/**
 * The suite file (YAML): models, datasets, prompt sets and tasks, validated with zod. Strict objects:
 * an unknown key (a typo) is an error, not silently ignored. `suiteJsonSchema()` exports the same
 * schema as JSON Schema for editors (suites/suite.schema.json).
 */
import { z } from 'zod';
import { DTYPES } from '../models/dtype.js';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a name: letters, digits, ".", "_", "-" (no spaces or slashes)');
const nonEmpty = z.string().min(1);

/** Optional model metadata (the six-factor analysis); overrides the folder's holoclip.json card. */
const modelMetadata = {
  architecture: nonEmpty.optional().describe('image-tower architecture, e.g. "vit-b/32", "convnext-base"'),
  training_data: nonEmpty.optional().describe('training distribution, e.g. "laion2b", "openai-wit"'),
  training_size: z.number().nonnegative().optional().describe('number of training images or image-text pairs (0: untrained)'),
  loss: nonEmpty.optional().describe('"softmax" (CLIP InfoNCE), "sigmoid" (SigLIP), "cross-entropy" (classifier), ...'),
  fine_tuned: z.boolean().optional().describe('fine-tuned after contrastive pre-training'),
};

export const modelEntrySchema = z
  .strictObject({
    path: nonEmpty.describe('model folder (transformers.js layout), relative to the suite file; "*" globs match several folders'),
    name: name.optional().describe('display name (default: the folder name); not allowed with a glob matching several folders'),
    dtype: z.enum(DTYPES).optional().describe('precision variant of the ONNX files (default fp32)'),
    logit_scale: z.number().positive().optional().describe('logit scale to use instead of the card / recovered value'),
    logit_bias: z.number().optional().describe('logit bias (SigLIP)'),
    ...modelMetadata,
  })
  .describe('a model folder (or a glob of folders) and optional metadata');

export const datasetEntrySchema = z.union([
  nonEmpty.describe('a built-in split ("emoji-shift/noto") or a path relative to the suite file'),
  z.strictObject({
    path: nonEmpty.describe('a built-in split, or an ImageFolder directory, .jsonl manifest, unlabelled image folder, caption .jsonl, or cue-conflict folder (relative to the suite file)'),
    type: nonEmpty.optional().describe('a named layout read by its adapter: imagenet-val, imagenet-v2, imagenet-sketch, imagenet-r, imagenet-a, objectnet, imagenet-d, ood-images, webdataset, karpathy (see holoclip data types)'),
    classnames: nonEmpty.optional().describe('class-name file (one per line or a JSON array), relative to the suite file'),
    corruption: z
      .string()
      .regex(/^[a-z0-9_]+:[1-5]$/, 'NAME:SEVERITY, e.g. gaussian_noise:3')
      .optional()
      .describe('evaluate a corrupted version of the data (ImageNet-C / 3DCC, generated on the fly): NAME:SEVERITY'),
    corruption_seed: z.number().int().min(0).optional().describe('global seed of the random corruptions (default 0)'),
    depth_dir: nonEmpty.optional().describe('3D corruptions: folder with each image\'s depth map at its relative path (default: <image>.depth.npy next to it)'),
    depth_model: nonEmpty.optional().describe('3D corruptions: a depth-estimation model folder for images without a depth map (maps cached in the store)'),
  }),
]);

export const promptSetSchema = z.union([
  z.array(nonEmpty).min(1).describe('templates, each containing {c} for the class name'),
  z.strictObject({
    templates: z.array(nonEmpty).min(1).optional(),
    file: nonEmpty.optional().describe('a templates file: .txt (one per line), .json array, or .json object with `key`'),
    key: nonEmpty.optional().describe('the entry of a JSON-object templates file, e.g. "imagenet1k"'),
  }),
]);

const prompts = name.optional().describe('prompt set name (default: the first prompt set, or "a photo of a {c}.")');

export const taskSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('zeroshot'),
    id: name.optional(),
    datasets: z.array(name).min(1).describe('labelled datasets to classify'),
    prompts: z.array(name).min(1).optional().describe('prompt sets to compare (default: the first one)'),
  }),
  z.strictObject({
    type: z.literal('effective-robustness'),
    id: name.optional(),
    id_dataset: name.describe('the in-distribution dataset (x axis)'),
    shifts: z.array(name).min(1).describe('the shifted datasets (one fitted line each)'),
    baselines: z.union([z.literal('all'), z.array(name).min(2)]).optional().describe('models that define the line (default: all the suite\'s models)'),
    transform: z.enum(['logit', 'probit', 'none']).optional().describe('axis transform of the linear fit (default logit, Taori et al. 2020)'),
    prompts,
  }),
  z.strictObject({
    type: z.literal('calibration'),
    id: name.optional(),
    dataset: name.describe('the ID dataset; the temperature is fitted on a seeded fraction of it unless `calibration_dataset` is given'),
    calibration_dataset: name.optional(),
    calibration_fraction: z.number().gt(0).lt(1).optional().describe('default 0.5'),
    shifts: z.array(name).optional().describe('shifted datasets evaluated with the same temperature'),
    bins: z.number().int().min(2).optional().describe('ECE bins (default 15)'),
    seed: z.number().int().min(0).optional().describe('calibration split seed (default 0)'),
    prompts,
  }),
  z.strictObject({
    type: z.literal('ood'),
    id: name.optional(),
    dataset: name.describe('the in-distribution dataset (labelled)'),
    ood: z.array(name).min(1).describe('OOD image sets (unlabelled folders)'),
    scores: z.array(z.enum(['msp', 'maxlogit', 'energy', 'mcm'])).min(1).optional().describe('default: all four (mcm only for two-tower models)'),
    convention: z.enum(['id-positive', 'ood-positive']).optional().describe('FPR@95 direction (default id-positive, Hendrycks / MCM)'),
    prompts,
  }),
  z.strictObject({
    type: z.literal('shape-bias'),
    id: name.optional(),
    dataset: name.describe('a cue-conflict folder: <shape>/<shape>N-<texture>M.png'),
    prompts,
  }),
  z.strictObject({
    type: z.literal('retrieval'),
    id: name.optional(),
    dataset: name.describe('a caption manifest (.jsonl: {"path", "captions"})'),
    ks: z.array(z.number().int().min(1)).min(1).optional().describe('Recall@K values (default 1, 5, 10)'),
  }),
  z.strictObject({
    type: z.literal('corruption'),
    id: name.optional(),
    dataset: name.describe('a labelled dataset, evaluated clean and under each corruption'),
    corruptions: z
      .union([nonEmpty, z.array(nonEmpty).min(1)])
      .describe('NAME:SEVERITY, NAME (severities 1-5), imagenet-c, imagenet-c-extra, 3dcc or all; a string (comma-separated) or a list'),
    seed: z.number().int().min(0).optional().describe('global seed of the random corruptions (default 0)'),
    reference_errors: nonEmpty.optional().describe('CSV of a reference model\'s errors (corruption,severity,error) for mCE, relative to the suite file'),
    depth_dir: nonEmpty.optional().describe('3D corruptions: folder with each image\'s depth map at its relative path'),
    depth_model: nonEmpty.optional().describe('3D corruptions: a depth-estimation model folder for images without a depth map'),
    prompts,
  }),
  z.strictObject({
    type: z.literal('factors'),
    id: name.optional(),
    dataset: name.describe('the annotated dataset (ImageNet val)'),
    annotations: nonEmpty.describe('ImageNet-X annotation file, relative to the suite file'),
    prototypical: nonEmpty.optional(),
    prompts,
  }),
]);

export const suiteSchema = z
  .strictObject({
    name: name.describe('the suite name (default output folder runs/<name>)'),
    description: z.string().optional(),
    store: nonEmpty.optional().describe('embedding store directory, relative to the working directory (default .holoclip)'),
    out: nonEmpty.optional().describe('output directory, relative to the working directory (default runs/<name>)'),
    benchmarks_dir: nonEmpty.optional().describe('where built-in benchmarks are built (default .holoclip/benchmarks)'),
    reference: name.optional().describe('the model the report compares the others with (default: the first)'),
    batch_size: z.number().int().min(1).optional(),
    models: z.array(modelEntrySchema).min(1),
    datasets: z.record(name, datasetEntrySchema),
    prompts: z.record(name, promptSetSchema).optional(),
    tasks: z.array(taskSchema).min(1),
  })
  .describe('a holoclip evaluation suite: `holoclip run SUITE.yaml`');

export type SuiteFile = z.infer<typeof suiteSchema>;
export type ModelEntry = z.infer<typeof modelEntrySchema>;
export type DatasetEntry = z.infer<typeof datasetEntrySchema>;
export type PromptSetEntry = z.infer<typeof promptSetSchema>;
export type TaskEntry = z.infer<typeof taskSchema>;

/** The suite schema as JSON Schema (draft 2020-12), for editors and other tools. */
export function suiteJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(suiteSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return { title: 'holoclip suite', ...schema };
}
