/** The corruption task's spec: what suite validation and planning read (index.ts adds its run, aggregation and report). */
import * as z from 'zod';
import { CORRUPTION_GEOMETRIES, IMAGENET_C_JPEG_QUALITY } from '../../corruptions/protocol.js';
import { corruptionInfo, parseCorruptions } from '../../corruptions/catalog.js';
import { EMBEDDED_REFERENCE_ERRORS } from '../../refdata/embedded.js';
import { errorMessage } from '../../errors.js';
import { defineTaskSpec, datasetField, planOneUnitPerModel, optionalPathField, promptsField, setting, TaskOptionError } from '../definition.js';
import type { CorruptionSettings } from './run.js';

export const options = z.strictObject({
  dataset: datasetField({
    role: 'labelled',
    flag: 'data',
    description: 'a labelled dataset, evaluated clean and under each corruption',
    cliDescription: 'dataset: an ImageFolder directory, a .jsonl manifest or TYPE:PATH',
  }),
  corruptions: setting(
    z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe('NAME:SEVERITY, NAME (severities 1-5), imagenet-c, imagenet-c-extra, 3dcc or all; a string (comma-separated) or a list'),
    { flag: 'corruption', arg: 'spec', cliDescription: 'the corruptions: NAME:SEVERITY, NAME (severities 1-5), imagenet-c, imagenet-c-extra, 3dcc or all, comma-separated (see holoclip corrupt --list)' },
  ),
  seed: setting(z.number().int().min(0).default(0).describe('global seed of the random corruptions (default 0)'), { flag: 'corruption-seed', arg: 'n' }),
  reference_errors: optionalPathField({
    arg: 'csv|name',
    names: EMBEDDED_REFERENCE_ERRORS.map((r) => r.name),
    description: `the reference errors mCE is normalised by: ${EMBEDDED_REFERENCE_ERRORS.map((r) => `"${r.name}" (${r.description}, shipped)`).join(', ')}, or a CSV of a model's errors (corruption,severity,error)`,
  }),
  geometry: setting(
    z.enum(CORRUPTION_GEOMETRIES).default('imagenet-c').describe("what the corruption sees: imagenet-c (Pillow decode, PIL bilinear Resize(256), CenterCrop(224), as make_imagenet_c.py), imagenet-c-lanczos3 (holoclip's earlier sharp lanczos3 resize) or none (the image's own size, as the imagecorruptions package; 3DCC's 512-px images, small images)"),
    { flag: 'corruption-geometry', arg: 'g' },
  ),
  jpeg: setting(
    z
      .enum(['auto', 'on', 'off'])
      .default('auto')
      .describe(`JPEG quality-${IMAGENET_C_JPEG_QUALITY} round trip after corrupting, as the published ImageNet-C files were saved: auto = on when mCE is against the published AlexNet errors (measured on those files), off otherwise`),
    { flag: 'corruption-jpeg', arg: 'auto|on|off' },
  ),
  depth_dir: optionalPathField({ arg: 'dir', description: "3D corruptions: folder holding each image's depth map (.npy or 16-bit .png) at its relative path" }),
  depth_model: optionalPathField({
    arg: 'dir',
    description: '3D corruptions: a depth-estimation model folder (transformers.js layout, e.g. a Depth Anything / DPT export) for images without a depth map; maps are cached in the store',
  }),
  prompts: promptsField(false),
});

export type Parsed = z.output<typeof options>;

export const corruptionSpec = defineTaskSpec({
  type: 'corruption',
  summary: 'corruption robustness: top-1 under ImageNet-C / 3D common corruptions, mCA, mCE',
  options,
  resolveSettings(parsed: Parsed): Parsed & CorruptionSettings {
    const published = parsed.reference_errors !== undefined && EMBEDDED_REFERENCE_ERRORS.some((r) => r.name === parsed.reference_errors);
    const jpegOn = parsed.jpeg === 'on' || (parsed.jpeg === 'auto' && published);
    const protocol = { geometry: parsed.geometry, jpegQuality: jpegOn ? IMAGENET_C_JPEG_QUALITY : null };
    try {
      return { ...parsed, specs: parseCorruptions(Array.isArray(parsed.corruptions) ? parsed.corruptions.join(',') : parsed.corruptions, parsed.seed, protocol), protocol };
    } catch (err) {
      throw new TaskOptionError('corruptions', errorMessage(err).replace(/^--corruption /, ''));
    }
  },
  check(settings, _config, env) {
    const dataset = settings.dataset;
    return env.isCorrupted(dataset) ? [{ where: 'dataset', message: `"${dataset}" is already a corrupted dataset; give the clean one` }] : [];
  },
  plan(task, model, env) {
    // The corrupted versions are embedding units too, so shards share them. 3D corruptions, whose
    // depth maps may need a depth model first, are embedded by the task's metric unit instead.
    const embedding = task.settings.specs.filter((spec) => !corruptionInfo(spec.name)?.needsDepth).map((spec) => ({ dataset: task.settings.dataset, corruption: spec }));
    return { ...planOneUnitPerModel(options)(task, model, env), embedding };
  },
});
