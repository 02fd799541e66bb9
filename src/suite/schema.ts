/**
 * The suite file (YAML): models, datasets, prompt sets and tasks, validated with zod. Strict objects:
 * an unknown key (a typo) is an error, not silently ignored. `suiteJsonSchema()` exports the same
 * schema as JSON Schema for editors (suites/suite.schema.json).
 */
import * as z from 'zod';
import { CORRUPTION_GEOMETRIES } from '../corruptions/protocol.js';
import { PREPROCESS_CHOICES } from '../image/preprocess-spec.js';
import { DEVICES } from '../models/device.js';
import { DTYPES } from '../models/dtype.js';
import { nameSchema } from '../tasks/definition.js';
import { TASK_SPECS } from '../tasks/specs.js';

const name = nameSchema;
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
    path: nonEmpty.describe('model folder (transformers.js layout), relative to the suite file; "*" globs match several folders; with `catalog`: the folder the model is (to be) exported into'),
    catalog: z
      .string()
      .regex(/^[^/\s]+(\/[^/\s]+)?$/, 'MODEL/PRETRAINED as `holoclip model catalog` names it, e.g. ViT-B-32/laion2b_s34b_b79k (MODEL/none: random weights)')
      .optional()
      .describe('a model-catalogue entry (`holoclip model catalog`), e.g. "ViT-B-32/laion2b_s34b_b79k" ("MODEL/none": random weights); `path` must hold its export (holoclip-export), whose card is checked to be that checkpoint'),
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
    type: nonEmpty.optional().describe('a named layout read by its adapter: imagenet-val, imagenet-v2, imagenet-sketch, imagenet-r (-partial, -present), imagenet-a (-partial, -present), objectnet, objectnet-113, imagenet-d, imagenet-d-folders, ood-images, webdataset, karpathy (see holoclip data types)'),
    classnames: nonEmpty.optional().describe('class-name file (one per line or a JSON array), relative to the suite file'),
    allow_duplicate_classes: z.boolean().optional().describe('keep class names that repeat (the later class can never be predicted) instead of stopping; recorded in the results'),
    corruption: z
      .string()
      .regex(/^[a-z0-9_]+:[1-5]$/, 'NAME:SEVERITY, e.g. gaussian_noise:3')
      .optional()
      .describe('evaluate a corrupted version of the data (ImageNet-C / 3DCC, generated on the fly): NAME:SEVERITY'),
    corruption_seed: z.number().int().min(0).optional().describe('global seed of the random corruptions (default 0)'),
    corruption_geometry: z
      .enum(CORRUPTION_GEOMETRIES)
      .optional()
      .describe("what the corruption sees: imagenet-c (default: Pillow decode, PIL bilinear Resize(256), CenterCrop(224)), imagenet-c-lanczos3 (holoclip's earlier sharp resize) or none (the image's own size)"),
    corruption_jpeg: z.boolean().optional().describe('JPEG quality-85 round trip after corrupting, as the published ImageNet-C files (default false)'),
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

/** A task entry: `type`, an optional `id`, and the options of the task definition of that type. */
export const taskSchema = z.discriminatedUnion(
  'type',
  TASK_SPECS.map((t) => z.strictObject({ type: z.literal(t.type), id: name.optional(), ...t.options.shape })) as unknown as [z.ZodObject<{ type: z.ZodLiteral<string> }>, ...Array<z.ZodObject<{ type: z.ZodLiteral<string> }>>],
);

export const suiteSchema = z
  .strictObject({
    name: name.describe('the suite name (default output folder runs/<name>)'),
    description: z.string().optional(),
    store: nonEmpty.optional().describe('embedding store directory, relative to the working directory (default .holoclip)'),
    out: nonEmpty.optional().describe('output directory, relative to the working directory (default runs/<name>)'),
    benchmarks_dir: nonEmpty.optional().describe('where built-in benchmarks are built (default .holoclip/benchmarks)'),
    reference: name.optional().describe('the model the report compares the others with (default: the first)'),
    batch_size: z.number().int().min(1).optional(),
    preprocess: z
      .enum(PREPROCESS_CHOICES as unknown as ['auto', 'python', 'fast', 'reference'])
      .optional()
      .describe('image preprocessing: python (the Python pipeline, Pillow-identical), fast (transformers.js reproduced), reference (transformers.js), auto (default: python for folders with a holoclip_preprocess block, else fast); --preprocess overrides it'),
    device: z
      .enum(DEVICES as unknown as ['cpu', 'cuda', 'auto'])
      .optional()
      .describe("onnxruntime execution provider: cpu (default), cuda, auto (cuda when onnxruntime-node's CUDA provider runs here, else cpu); provenance only, not part of any cache key; --device overrides it"),
    max_image_pixels: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Pillow's MAX_IMAGE_PIXELS, checked on each image's header before decoding: a warning above it, the image unreadable above twice it; 0 for no limit (default 89478485, Pillow's); --max-image-pixels overrides it"),
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
/** A validated task entry (defaults applied); its options are typed by the task definition. */
export type TaskEntry = { type: string; id?: string } & Record<string, unknown>;

/** The suite schema as JSON Schema (draft 2020-12), for editors and other tools. */
export function suiteJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(suiteSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  // Top-level `x-` keys are ignored by the loader (a place for YAML anchors that `<<` merges reuse).
  return { title: 'holoclip suite', ...schema, patternProperties: { '^x-': {} } };
}
