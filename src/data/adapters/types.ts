import type { Dataset, DatasetRole } from '../types.js';

/**
 * Paths of the small public metadata files the adapters read. Each one given here is used as is;
 * one left out is fetched from the reference-data registry (`resourcePath`) under the name in
 * brackets (a path under the refdata folder).
 */
export interface ResourcePaths {
  /** The 1000 ImageNet-1k wnids in index order, `n01440764 tench, ...` per line [cue_conflict/imagenet_categories_wnid_names.txt]. */
  readonly imagenetWnids?: string;
  /** CLIP_benchmark's curated class names, JSON with key `imagenet1k` (1000 names) [clip_benchmark/en_classnames.json]. */
  readonly clipClassnames?: string;
  /** imagenet-testbed: ObjectNet label -> `; `-separated ImageNet label strings [imagenet_testbed/objectnet_to_imagenet_1k.json]. */
  readonly objectnetToImagenet?: string;
  /** imagenet-testbed: ObjectNet folder name -> ObjectNet label [imagenet_testbed/folder_to_objectnet_label.json]. */
  readonly folderToObjectnet?: string;
  /** imagenet-testbed: ImageNet index ("0".."999") -> label string [imagenet_testbed/imagenet_to_labels.json]. */
  readonly imagenetToLabels?: string;
  /** imagenet-testbed: `class_sublist`, the ImageNet-1k indices of the 200 ImageNet-R classes [imagenet_testbed/imagenet_r.py]. */
  readonly imagenetRClasses?: string;
  /** imagenet-testbed: `class_sublist`, the ImageNet-1k indices of the 200 ImageNet-A classes [imagenet_testbed/imagenet_a.py]. */
  readonly imagenetAClasses?: string;
  /** ImageNet-D: JSON, category folder -> [label id, raw class name], the 113 classes [imagenet_d/imgnet_d_dir2imgnet_d_id.txt]. */
  readonly imagenetDClasses?: string;
  /** CLIP_benchmark's zero-shot templates per dataset, JSON object [clip_benchmark/en_zeroshot_classification_templates.json]. */
  readonly clipTemplates?: string;
}

export interface AdapterOptions {
  /** Explicit metadata file paths (otherwise the refdata registry provides them). */
  readonly resources?: ResourcePaths;
  /** Passed to `resourcePath` for files not given in `resources`. */
  readonly dataDir?: string;
  /** Passed to `resourcePath`: never download, fail if a file is not already present. */
  readonly offline?: boolean;
  /** imagenet-val (flat layout): the `LOC_val_solution.csv` file; default: looked up next to the folder. */
  readonly solutionCsv?: string;
  /** karpathy: which split to read (`train`, `restval`, `val`, `test`); default `test`. */
  readonly split?: string;
  /** karpathy: the folder the JSON's image paths are relative to; default: found next to the JSON. */
  readonly imageRoot?: string;
}

/** One entry of the `--data TYPE:PATH` registry. */
export interface DatasetType {
  /** How tasks read it: labelled images or an unlabelled image set. */
  readonly role: Exclude<DatasetRole, 'captions'>;
  readonly description: string;
  /** The on-disk layout PATH must have (for help text and docs/reference/dataset-types.md). */
  readonly layout: string;
  open(root: string, options: AdapterOptions): Promise<Dataset>;
}
