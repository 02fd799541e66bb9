/**
 * The 3D common corruptions (Kar et al., "3D Common Corruptions and Data Augmentation", CVPR 2022) that
 * holoclip implements: six that need a per-pixel depth map and three sensor corruptions from the same
 * benchmark that do not. Reference implementation: EPFL-VILAB/3DCommonCorruptions, `create_3dcc/`.
 */
import type { Corruption } from '../types.js';
import { farFocus, nearFocus } from './focus.js';
import { fog3d } from './fog.js';
import { flash } from './flash.js';
import { xyMotion, zMotion } from './motion.js';
import { colorQuant, isoNoise, lowLight } from './sensor.js';

export const THREEDCC_CORRUPTIONS: readonly Corruption[] = [
  nearFocus,
  farFocus,
  fog3d,
  flash,
  xyMotion,
  zMotion,
  lowLight,
  isoNoise,
  colorQuant,
];

export { farFocus, nearFocus, fog3d, flash, xyMotion, zMotion, lowLight, isoNoise, colorQuant };
