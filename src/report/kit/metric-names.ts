/** Display names of metric keys in report tables and headers. */
export const METRIC_NAMES: Record<string, string> = {
  top1: 'top-1',
  top5: 'top-5',
  mean_per_class_recall: 'mean per-class recall',
  ece: 'ECE',
  nll: 'NLL',
  brier: 'Brier',
  accuracy: 'accuracy',
  auroc: 'AUROC',
  fpr_at_95_tpr: 'FPR@95',
  aupr_in: 'AUPR-In',
  aupr_out: 'AUPR-Out',
  error_ratio: 'error ratio',
  image_to_text: 'image→text',
  text_to_image: 'text→image',
  clean_top1: 'clean top-1',
  mca: 'mCA',
  mce: 'mCE',
  relative_mce: 'relative mCE',
};

export function metricName(metric: string): string {
  return METRIC_NAMES[metric] ?? metric;
}
