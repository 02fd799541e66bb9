/**
 * The registry of small public reference files holoclip uses (class names, prompt templates, label
 * mappings, annotations, published result tables). Each resource is pinned to a repository commit and
 * to the sha256 and size of its bytes; `holoclip data fetch` downloads it from the canonical raw URL and
 * refuses anything else. The numbers were computed from verified copies of the files; nothing here reads
 * them at run time.
 *
 * Resource names are the file's relative path inside the data directory (`<dataDir>/<name>`), e.g.
 * `clip_benchmark/en_classnames.json`.
 */
import { HoloclipError } from '../errors.js';

export interface RefResource {
  /** Relative path under the data directory, e.g. `imagenetx/filename_label.csv`. */
  name: string;
  /** Where the file is downloaded from (for a derived resource: the file it is derived from). */
  url: string;
  /** sha256 (hex) of the file's exact bytes. */
  sha256: string;
  /** Size of the file in bytes. */
  bytes: number;
  description: string;
  /** Repository (owner/name), full commit and path inside that repository of the file (or of its source). */
  source: { repo: string; commit: string; path: string };
  /** Present when the file is not published as is: how it is computed from `url`. */
  derived?: string;
}

const CLIP_BENCHMARK = { repo: 'LAION-AI/CLIP_benchmark', commit: '48de38c1689fa6d8b4dd53e3370c669c3bb18117' };
const IMAGENET_TESTBED = { repo: 'modestyachts/imagenet-testbed', commit: '0170eec658d664289d9f61de8f90f967f49abca0' };
const IMAGENETX = { repo: 'facebookresearch/imagenetx', commit: '6403d41a5cc435543a63060e336bc2452e3ad223' };
const MODEL_VS_HUMAN = { repo: 'bethgelab/model-vs-human', commit: '79ed7cd1d9ac3a114e71b6638f0a98bdd627316c' };
const IMAGENET_D = { repo: 'chenshuang-zhang/imagenet_d', commit: 'd8bb2dfdc91dc56ce8d39ae639b1f9cc1a663aac' };
const OPEN_CLIP = { repo: 'mlfoundations/open_clip', commit: '89fb801f1e6087880e951fc8354b8a2077b79c6d' };

/** `https://raw.githubusercontent.com/<owner>/<repo>/<commit>/<path>`. */
export function rawGithubUrl(repo: string, commit: string, repoPath: string): string {
  return `https://raw.githubusercontent.com/${repo}/${commit}/${repoPath.split('/').map(encodeURIComponent).join('/')}`;
}

function res(
  name: string,
  from: { repo: string; commit: string },
  repoPath: string,
  bytes: number,
  sha256: string,
  description: string,
  derived?: string,
): RefResource {
  const r: RefResource = { name, url: rawGithubUrl(from.repo, from.commit, repoPath), sha256, bytes, description, source: { ...from, path: repoPath } };
  if (derived !== undefined) r.derived = derived;
  return r;
}

/** How `cue_conflict/human_categories_wnids.json` is computed (implemented in derive.ts). */
export const HUMAN_CATEGORIES_DERIVATION =
  'the 16 "<category>_indices" lists of ImageNet-1k class indices in class HumanCategories of modelvshuman/helper/human_categories.py, ' +
  'in file order (alphabetical), written as JSON like Python json.dumps(d, indent=1): 1-space indent, no trailing newline';

export const RESOURCES: readonly RefResource[] = Object.freeze([
  // --- LAION-AI/CLIP_benchmark -------------------------------------------------------------------
  res('clip_benchmark/en_classnames.json', CLIP_BENCHMARK, 'clip_benchmark/datasets/en_classnames.json', 39429,
    '73d279021a4bc88059884d01fae66c35ec33793ede8bc9ae54c46632625c4993',
    'English class names per dataset (imagenet1k, cifar10, ...) used for zero-shot prompts'),
  res('clip_benchmark/en_zeroshot_classification_templates.json', CLIP_BENCHMARK, 'clip_benchmark/datasets/en_zeroshot_classification_templates.json', 8905,
    'b78cc883ce1d6aefd304f180046ee25e778d627e099222fbcc57f01657c53c31',
    'English zero-shot prompt templates per dataset (the 80 OpenAI ImageNet templates under imagenet1k)'),
  res('clip_benchmark/benchmark.csv', CLIP_BENCHMARK, 'benchmark/benchmark.csv', 68985,
    'cef25509b06d23e38a407c85257f88fc729bbe7c12046230b28f7970a84997c4',
    'published CLIP_benchmark results (model x dataset x metric)'),
  // --- modestyachts/imagenet-testbed -------------------------------------------------------------
  res('imagenet_testbed/robustness_top1s.csv', IMAGENET_TESTBED, 'robustness_top1s.csv', 869425,
    '6b32665be2eef1594d6d296fcb07d33fed0dd4ecacacff463841d7cb08e835f7',
    'top-1 accuracy of ~200 ImageNet models on ImageNet and its distribution shifts (effective-robustness baselines)'),
  res('imagenet_testbed/objectnet_to_imagenet_1k.json', IMAGENET_TESTBED, 'src/eval_settings/objectnet_metadata/objectnet_to_imagenet_1k.json', 4347,
    '9a6e167524548a653a8ec7f149d9f0880346f6d0218136f41ae57c37c8deac97',
    'ObjectNet class name -> "; "-separated ImageNet-1k class names (113 overlapping classes); ' +
      'path taken from src/eval_settings/objectnet.py (METADATA folder), the file itself is not in the searchable index'),
  res('imagenet_testbed/folder_to_objectnet_label.json', IMAGENET_TESTBED, 'src/eval_settings/objectnet_metadata/folder_to_objectnet_label.json', 9038,
    'ccef32f7421b23619fd55bdbd58f3dc2f323d18e169e37bce94326a601de90db',
    'ObjectNet image folder name -> ObjectNet class name; path taken from src/eval_settings/objectnet.py'),
  res('imagenet_testbed/imagenet_to_labels.json', IMAGENET_TESTBED, 'src/eval_settings/objectnet_metadata/imagenet_to_labels.json', 34567,
    '658839aa091264dadff4436d7787b0e424edf00a2ec07761383a2c4cf7a85d14',
    'ImageNet-1k class index -> class name as used by the ObjectNet mapping; path taken from src/eval_settings/objectnet.py'),
  res('imagenet_testbed/model_types.py', IMAGENET_TESTBED, 'plotting/model_types.py', 13051,
    '3777a62b151ab6c00226947c52a75497b558199d56b14949e64d864911cc8bf4',
    'training type of every testbed model (model_types_map / nat_model_types_map); the effective-robustness line is fit on ' +
      'the STANDARD models (plotting/eff_robust_inspect_plot.py)'),
  res('imagenet_testbed/imagenet_r.py', IMAGENET_TESTBED, 'src/eval_settings/imagenet_r.py', 1949,
    '8e2ff532dde39ee464a85d59c98d6f0ba75561266fb44bd6e34e7d42a6f1faa7',
    'class_sublist: the ImageNet-1k indices of the 200 ImageNet-R classes'),
  res('imagenet_testbed/imagenet_a.py', IMAGENET_TESTBED, 'src/eval_settings/imagenet_a.py', 1953,
    '4cd817e190c5e2810ee341de27f52da47eec193237b69e483cd77e777f0f196b',
    'class_sublist: the ImageNet-1k indices of the 200 ImageNet-A classes'),
  // --- chenshuang-zhang/imagenet_d -------------------------------------------------------------
  res('imagenet_d/imgnet_d_dir2imgnet_d_id.txt', IMAGENET_D, 'preprocessing/imgnet_d_dir2imgnet_d_id.txt', 3617,
    'fcef5df658260cb34a8ddec16b20f0885d0c094003a13a8b1165030e476d5224',
    'JSON: ImageNet-D category folder -> [label id, raw class name]; the fixed 113-class head of evaluate_vlm.py'),
  // --- facebookresearch/imagenetx ----------------------------------------------------------------
  res('imagenetx/imagenet_x_train_multi_factor.jsonl', IMAGENETX, 'imagenet_x/annotations/imagenet_x_train_multi_factor.jsonl', 3831446,
    '219eb8ee090bbca93ce4dec3c004655a4cef2ab27cd99ef46622807e9f14220d',
    'ImageNet-X factor annotations of ImageNet train images, every active factor per image'),
  res('imagenetx/imagenet_x_train_top_factor.jsonl', IMAGENETX, 'imagenet_x/annotations/imagenet_x_train_top_factor.jsonl', 3831446,
    'b8089f8249ec354b7fd468e2c260a05b6deed7b75117d137b76a534b581e6756',
    'ImageNet-X factor annotations of ImageNet train images, the top factor per image'),
  res('imagenetx/filename_label.csv', IMAGENETX, 'imagenet_x/annotations/filename_label.csv', 1644516,
    'e279a4972518474b373b02b06a35ad21c3572626715eea574d5f7d55302a92bf',
    'ImageNet validation file name -> class index'),
  res('imagenetx/imagenet_labels.txt', IMAGENETX, 'imagenet_x/annotations/imagenet_labels.txt', 20469,
    '1d322cd0385b977ea9f8fa6a7088a8d01d8ad101117e1ec534fcb88debfc4854',
    '"wnid,name" per ImageNet-1k class in index order; path taken from imagenet_x/evaluate.py (annotations package), ' +
      'the file itself is not in the searchable index'),
  res('imagenetx/imagenet_1k_classes_to_100_metaclasses.csv', IMAGENETX, 'imagenet_x/annotations/imagenet_1k_classes_to_100_metaclasses.csv', 21032,
    'a973495d1cbe6c73f994fa7083e454602d6d0dc831ff0257598a02a23aa633c4',
    'ImageNet-1k class (wnid) -> metaclass name and id'),
  res('imagenetx/prototypical_paths.csv', IMAGENETX, 'imagenet_x/annotations/prototypical_paths.csv', 87010,
    '3f693c9e056560d9d7bd2242909ae549325e78b763aedb59e5f0c9afdb8a9ea3',
    'validation images marked prototypical (filtered out of the ImageNet-X analyses by default)'),
  res('imagenetx/pred_DINO.csv', IMAGENETX, 'model_predictions/base/DINO.csv', 2381387,
    'e46713518b13144daebaadd63a67a0466cb9efc91370b1408c8cb8f38c7bdef4',
    'published DINO predictions on ImageNet val (file_name, predicted_class, predicted_probability)'),
  res('imagenetx/pred_ResNet50.csv', IMAGENETX, 'model_predictions/base/ResNet50.csv', 2381983,
    '313b702ffb5c7dc3a97b1d5caf23c7190d1633039ba0cf5c0399c256e7a35f15',
    'published ResNet-50 predictions on ImageNet val (file_name, predicted_class, predicted_probability)'),
  res('imagenetx/pred_SimCLR.csv', IMAGENETX, 'model_predictions/base/SimCLR.csv', 2358863,
    'f028b8beb17de3d643e82ff6bdce324a485b05fa5cf9f4cbf1a569c2f993cd19',
    'published SimCLR predictions on ImageNet val (file_name, predicted_class, predicted_probability)'),
  res('imagenetx/pred_ViT.csv', IMAGENETX, 'model_predictions/base/ViT.csv', 2382599,
    'a9487bc285348f298c389057d039da7a626337a68f9e91f083267dad16e256e4',
    'published ViT predictions on ImageNet val (file_name, predicted_class, predicted_probability)'),
  // --- bethgelab/model-vs-human (cue-conflict / shape bias) ----------------------------------------
  res('cue_conflict/human_categories_wnids.json', MODEL_VS_HUMAN, 'modelvshuman/helper/human_categories.py', 1790,
    '30043189f08df32d21c8513838a6d5c7a37bb0aa753e2c660cbb15036bff8541',
    'the 16 shape-bias categories -> their ImageNet-1k class indices ({"airplane_indices": [404], ...}); derived, see `derived`',
    HUMAN_CATEGORIES_DERIVATION),
  res('cue_conflict/imagenet_categories_wnid_names.txt', MODEL_VS_HUMAN, 'modelvshuman/helper/categories.txt', 31675,
    'acf75ef0abe89694b19056e0796401068b459c457baa30335f240c7692857355',
    '"<wnid> <synonyms>" per ImageNet-1k class in index order; path inferred from IMAGENET_CATEGORIES_FILE in ' +
      'modelvshuman/helper/wordnet_functions.py and NOT confirmed (the file is not in the searchable index); the sha256 check guards it'),
  // --- mlfoundations/open_clip ---------------------------------------------------------------------
  res('open_clip/openclip_results.csv', OPEN_CLIP, 'docs/openclip_results.csv', 38830,
    '6b3f9313e2e24691b31ab69b534b2553165be1a975dd149ee9b4a7facb384d21',
    'published OpenCLIP zero-shot results of every pretrained model on the CLIP_benchmark datasets'),
  res('open_clip/openclip_classification_results.csv', OPEN_CLIP, 'docs/openclip_classification_results.csv', 36265,
    '9cc4f1ca941d99004819310175f19b6f9031c1590d96650ae72a42f7daba93ac',
    'published OpenCLIP zero-shot classification results'),
  res('open_clip/openclip_retrieval_results.csv', OPEN_CLIP, 'docs/openclip_retrieval_results.csv', 22758,
    '8510a387b20b1d0aba44143afeab737a5d0bdfbb8762bd6c5a24ca220bd3bbd1',
    'published OpenCLIP image-text retrieval results'),
  res('open_clip/model_profile.csv', OPEN_CLIP, 'docs/model_profile.csv', 6167,
    '6f0975464d02d31a4c7cfca79a100c47c0d01cf47222f4fa5b9bec5609677285',
    'OpenCLIP model profiles (parameters, GFLOPs, image size per architecture)'),
].map((r) => Object.freeze({ ...r, source: Object.freeze(r.source) })));

const BY_NAME: ReadonlyMap<string, RefResource> = new Map(RESOURCES.map((r) => [r.name, r]));

/** The registered resource called `name`, or undefined. */
export function findResource(name: string): RefResource | undefined {
  return BY_NAME.get(normalizeName(name));
}

/** The registered resource called `name`; a HoloclipError naming close matches otherwise. */
export function getResource(name: string): RefResource {
  const r = findResource(name);
  if (r) return r;
  const close = closeResourceNames(name);
  const hint = close.length > 0 ? `did you mean ${close.join(', ')}?` : `known resources: ${RESOURCES.map((x) => x.name).join(', ')}`;
  throw new HoloclipError(`unknown reference resource "${name}": ${hint} (holoclip data list shows them all)`);
}

/** Up to `max` registered names close to `name` (same file name, substring, or small edit distance). */
export function closeResourceNames(name: string, max = 4): string[] {
  const q = normalizeName(name).toLowerCase();
  const qBase = q.split('/').pop() ?? q;
  const scored = RESOURCES.map((r) => {
    const n = r.name.toLowerCase();
    const base = n.split('/').pop() ?? n;
    let score: number;
    if (base === qBase) score = 0;
    else if (n.includes(q) || (qBase.length >= 3 && base.includes(qBase))) score = 1;
    else score = 2 + Math.min(editDistance(q, n), editDistance(qBase, base));
    return { name: r.name, score };
  });
  const limit = 2 + Math.max(3, Math.floor(qBase.length / 3));
  return scored
    .filter((s) => s.score <= limit)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}

function normalizeName(name: string): string {
  return name.replace(/\\/g, '/').replace(/^\.?\/+/, '');
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
