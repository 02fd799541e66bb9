/** The correspondence task's spec: what suite validation and planning read (index.ts adds its run, aggregation and report). */
import * as z from 'zod';
import { DENSE_PRECISIONS } from '../../store/dense-precision.js';
import { defineTaskSpec, datasetField, planOneUnitPerModel, setting } from '../definition.js';

export const options = z.strictObject({
  dataset: datasetField({
    role: 'correspondence',
    flag: 'data',
    description: 'image pairs: spair-71k:PATH (SPair-71k release layout; also the built-in emoji-correspondence/pairs), navi:PATH or scannet-pairs:PATH (depth, intrinsics, pose)',
  }),
  thresholds: setting(z.array(z.number().positive()).min(1).default([0.05, 0.1, 0.15]).describe("keypoint pairs: PCK thresholds (fractions of the target bbox size); navi / scannet-pairs use probe3d's fixed thresholds"), { flag: 'threshold', arg: 'list' }),
  image_size: z.number().int().positive().default(800).describe("the keypoint frame: the padded square is scaled to this side before keypoints are truncated (probe3d's image_size)"),
  use_bbox: z.boolean().default(false).describe('crop both images to their boxes (PCK relative to the box side) instead of whole images with thresh_scale (probe3d default: false)'),
  precision: z.enum(DENSE_PRECISIONS).default('float16').describe('precision of the stored dense features'),
  num_corr: z.number().int().positive().default(1000).describe("navi / scannet-pairs: ratio-test matches kept per pair (probe3d's num_corr)"),
  scale_factor: z.number().positive().max(1).default(0.25).describe("navi / scannet-pairs: the matching grid's scale of the depth / 512 px frame (probe3d's scale_factor)"),
});

export const correspondenceSpec = defineTaskSpec({
  type: 'correspondence',
  summary: 'dense correspondence with the vision tower\'s dense features (probe3d protocols): keypoint-transfer PCK (SPair), matching recall binned by rotation (NAVI, ScanNet)',
  options,
  needsDenseOutput: 'the model folder declares no dense output (holoclip.json / config.json "dense"); re-export it with holoclip-export --dense',
  embedsImages: false,
  plan: planOneUnitPerModel(options),
});
