/**
 * The benchmarks of the published tables, under one key each, with the column every source gives them
 * under and the protocol behind it. Two numbers share a key only when the protocols agree; where they do
 * not (ObjectNet: CLIP_benchmark's 113-way head vs imagenet-testbed's any-of over 125 ImageNet classes with a
 * 2-px crop) the key differs, so no line fit ever mixes them.
 */

/** Where published numbers come from: registered reference resources (src/refdata/registry.ts). */
export const OPENCLIP_RESULTS = 'open_clip/openclip_results.csv';
export const OPENCLIP_CLASSIFICATION = 'open_clip/openclip_classification_results.csv';
export const OPENCLIP_RETRIEVAL = 'open_clip/openclip_retrieval_results.csv';
export const OPENCLIP_PROFILE = 'open_clip/model_profile.csv';
export const CLIP_BENCHMARK = 'clip_benchmark/benchmark.csv';
export const TESTBED = 'imagenet_testbed/robustness_top1s.csv';
export const TESTBED_MODEL_TYPES = 'imagenet_testbed/model_types.py';

/** Every resource the published analysis reads. */
export const PUBLISHED_RESOURCES = [OPENCLIP_RESULTS, OPENCLIP_CLASSIFICATION, OPENCLIP_RETRIEVAL, OPENCLIP_PROFILE, CLIP_BENCHMARK, TESTBED, TESTBED_MODEL_TYPES] as const;

export type BenchmarkKey =
  | 'imagenet1k'
  | 'imagenetv2'
  | 'imagenet-sketch'
  | 'imagenet-r'
  | 'imagenet-a'
  | 'imagenet-o'
  | 'objectnet-113'
  | 'objectnet-testbed';

export interface BenchmarkSpec {
  readonly key: BenchmarkKey;
  readonly label: string;
  /** The column of each source that holds it (absent: the source does not report it). */
  readonly columns: { readonly openclip?: string; readonly clipBenchmark?: string; readonly testbed?: string };
  readonly protocol: string;
}

const CB = 'LAION-AI/CLIP_benchmark zero-shot classification (zeroshot_classification.py): 80 OpenAI ImageNet templates, CLIP_benchmark class names';

export const BENCHMARKS: readonly BenchmarkSpec[] = [
  {
    key: 'imagenet1k',
    label: 'ImageNet',
    columns: { openclip: 'ImageNet 1k', clipBenchmark: 'imagenet1k', testbed: 'val' },
    protocol: 'ImageNet-1k validation (50,000 images), 1000-way top-1',
  },
  {
    key: 'imagenetv2',
    label: 'ImageNet-V2',
    columns: { openclip: 'ImageNet v2', clipBenchmark: 'imagenetv2', testbed: 'imagenetv2-matched-frequency-format-val' },
    protocol: 'ImageNetV2 matched-frequency (10,000 images), 1000-way top-1',
  },
  {
    key: 'imagenet-sketch',
    label: 'ImageNet-Sketch',
    columns: { openclip: 'ImageNet Sketch', clipBenchmark: 'imagenet_sketch', testbed: 'imagenet-sketch' },
    protocol: 'ImageNet-Sketch (50,889 images), 1000-way top-1',
  },
  {
    key: 'imagenet-r',
    label: 'ImageNet-R',
    columns: { openclip: 'ImageNet-R', clipBenchmark: 'imagenet-r', testbed: 'imagenet-r' },
    protocol: 'ImageNet-R (30,000 images), top-1 over its 200 classes (head restricted to them in both sources)',
  },
  {
    key: 'imagenet-a',
    label: 'ImageNet-A',
    columns: { openclip: 'ImageNet-A', clipBenchmark: 'imagenet-a', testbed: 'imagenet-a' },
    protocol: 'ImageNet-A (7,500 images), top-1 over its 200 classes (head restricted to them in both sources)',
  },
  {
    key: 'imagenet-o',
    label: 'ImageNet-O',
    columns: { openclip: 'ImageNet-O' },
    protocol:
      "CLIP_benchmark's zero-shot top-1 on ImageNet-O's 2,000 images with a 200-way head: the folders are the ImageNet classes a ResNet-50 " +
      'assigned with high confidence to these out-of-distribution images, so this is agreement with those labels, not recognition and not an OOD-detection AUROC',
  },
  {
    key: 'objectnet-113',
    label: 'ObjectNet (CLIP_benchmark, 113-way)',
    columns: { openclip: 'ObjectNet', clipBenchmark: 'objectnet' },
    protocol: "CLIP_benchmark's ObjectNet: a 113-way head on the ObjectNet class names, no border crop (holoclip's objectnet-113)",
  },
  {
    key: 'objectnet-testbed',
    label: 'ObjectNet (imagenet-testbed)',
    columns: { testbed: 'objectnet-1.0-beta' },
    protocol: "imagenet-testbed's ObjectNet 1.0 beta: 1000-way ImageNet head scored on the 113 overlapping classes (any of 125 mapped ImageNet classes), 2-px border crop (holoclip's objectnet)",
  },
];

export function benchmarkSpec(key: BenchmarkKey): BenchmarkSpec {
  const b = BENCHMARKS.find((x) => x.key === key);
  if (b === undefined) throw new Error(`internal: unknown benchmark ${key}`);
  return b;
}

/** The in-distribution benchmark of every line, and the shifts whose ER is measured against the testbed's line. */
export const ID_BENCHMARK: BenchmarkKey = 'imagenet1k';
export const ER_SHIFTS: readonly BenchmarkKey[] = ['imagenetv2', 'imagenet-sketch', 'imagenet-r', 'imagenet-a'];
/** Benchmarks the CLIP tables give but the testbed line cannot judge (protocol differs, or no testbed column). */
export const KEPT_APART: readonly BenchmarkKey[] = ['objectnet-113', 'objectnet-testbed', 'imagenet-o'];

export const CLIP_BENCHMARK_PROTOCOL = CB;

/** open_clip's retrieval columns analysed against classification robustness. */
export const RETRIEVAL_METRICS = [
  { key: 'flickr_image_r1', column: 'Flickr image retr. R@1', label: 'Flickr30k text-to-image R@1' },
  { key: 'flickr_text_r1', column: 'Flickr text retr. R@1', label: 'Flickr30k image-to-text R@1' },
  { key: 'mscoco_image_r1', column: 'MSCOCO image retr. R@1', label: 'MSCOCO text-to-image R@1' },
  { key: 'mscoco_text_r1', column: 'MSCOCO text retr. R@1', label: 'MSCOCO image-to-text R@1' },
] as const;
export type RetrievalKey = (typeof RETRIEVAL_METRICS)[number]['key'];
