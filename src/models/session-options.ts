/**
 * The onnxruntime session options of every session holoclip creates (image and text towers, classifiers, dense
 * encoders, depth models; the benchmark's bare session compares against the same threads).
 *
 * Threads do not spin-wait for work between operators (`allow_spinning` 0, both pools). onnxruntime's default lets
 * idle pool threads spin, which is slightly faster on an otherwise idle machine but takes the cores that holoclip's
 * own decode workers need while the model runs, and those of any other process on a shared node: on the 2-core
 * development machine under other load, the embedding stage of ViT-B/32 went from 6.0-6.9 to 8.4-9.7 images/s
 * (alternating runs, docs/performance.md). Spinning changes no number, only where the CPU time goes.
 */
export function onnxSessionOptions(threads: number): {
  intraOpNumThreads: number;
  interOpNumThreads: number;
  graphOptimizationLevel: 'all';
  executionMode: 'sequential';
  extra: { session: { intra_op: { allow_spinning: '0' }; inter_op: { allow_spinning: '0' } } };
} {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}
