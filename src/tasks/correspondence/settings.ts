/** The settings of the correspondence task (its options, defaults applied), shared by both protocols' runs. */
import type { DensePrecision } from '../../store/dense-store.js';

export interface CorrespondenceSettings {
  readonly dataset: string;
  readonly thresholds: readonly number[];
  readonly image_size: number;
  readonly use_bbox: boolean;
  readonly precision: DensePrecision;
  /** Geometric pairs (navi, scannet-pairs): matches kept per pair, and the matching grid's scale. */
  readonly num_corr: number;
  readonly scale_factor: number;
}
