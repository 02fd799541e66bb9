/** `holoclip eval calibration|ood|retrieval|shape-bias|factors`: the robustness tasks on cached embeddings. */
import { type Command, Option } from 'commander';
import { runCalibration } from '../../tasks/calibration/run.js';
import { OOD_SCORES, runOod } from '../../tasks/ood/run.js';
import { runRetrieval } from '../../tasks/retrieval/run.js';
import { runShapeBias } from '../../tasks/shape-bias/run.js';
import { runFactors } from '../../tasks/factors/run.js';
import type { OodConvention, OodScoreName } from '../../metrics/ood.js';
import { addClassifierOptions, addModelOptions, evalOptions, fraction, namedPath, nonNegativeInt, positiveInt, type ModelFlags } from '../common-options.js';
import { printTaskSummary } from '../summary.js';

interface ClassifierFlags extends ModelFlags {
  data: string;
  out: string;
  classnames?: string;
  templates?: string;
  templatesKey?: string;
}

function scoreList(value: string): OodScoreName[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(OOD_SCORES as readonly string[]).includes(n)) throw new Error(`unknown score "${n}" (choose from ${OOD_SCORES.join(', ')})`);
  }
  return names as OodScoreName[];
}

function positiveIntList(value: string): number[] {
  return value.split(',').map((s) => positiveInt(s.trim()));
}

export function registerEvalTasks(evalCmd: Command): void {
  const calibration = evalCmd
    .command('calibration')
    .description('calibration of zero-shot predictions: ECE, NLL, Brier and reliability bins on the ID set and each shifted set, before and after temperature scaling fitted on ID data')
    .requiredOption('--data <path>', 'in-distribution dataset (ImageFolder or .jsonl manifest)')
    .option('--shift <name=path>', 'a shifted dataset with the same classes (repeatable)', namedPath, [])
    .option('--calibration-data <path>', 'a separate dataset to fit the temperature on (default: a seeded split of --data)')
    .option('--calibration-fraction <f>', 'fraction of --data used to fit the temperature when no --calibration-data', fraction, 0.5)
    .option('--seed <n>', 'seed of the calibration split', nonNegativeInt, 0)
    .option('--bins <n>', 'ECE bins (equal width over (0,1])', positiveInt, 15)
    .requiredOption('--out <rundir>', 'run directory (result.json, reliability.json)');
  addModelOptions(addClassifierOptions(calibration)).action(async (flags: ClassifierFlags & { shift: Array<{ name: string; path: string }>; calibrationData?: string; calibrationFraction: number; seed: number; bins: number }) => {
    const result = await runCalibration({
      ...evalOptions(flags),
      data: flags.data,
      classnames: flags.classnames,
      templates: flags.templates,
      templatesKey: flags.templatesKey,
      shifts: flags.shift,
      calibrationData: flags.calibrationData,
      calibrationFraction: flags.calibrationFraction,
      seed: flags.seed,
      bins: flags.bins,
      out: flags.out,
    });
    printTaskSummary(result, flags.out);
  });

  const ood = evalCmd
    .command('ood')
    .description('out-of-distribution detection: MSP / MaxLogit / Energy / MCM scores of the ID set against each OOD set; AUROC, AUPR-In/Out, FPR@95TPR')
    .requiredOption('--data <path>', 'in-distribution dataset (ImageFolder or .jsonl manifest); its classes form the zero-shot head')
    .requiredOption('--ood <name=path>', 'an OOD image folder, labels not needed (repeatable)', namedPath, [])
    .option('--score <list>', `comma-separated scores (${OOD_SCORES.join(',')})`, scoreList, [...OOD_SCORES])
    .addOption(new Option('--convention <c>', 'id-positive: ID is the positive class, FPR@95TPR = OOD accepted at 95% ID recall (Hendrycks/MCM); ood-positive: OpenOOD').choices(['id-positive', 'ood-positive']).default('id-positive'))
    .requiredOption('--out <rundir>', 'run directory (result.json, ood_scores.jsonl)');
  addModelOptions(addClassifierOptions(ood)).action(async (flags: ClassifierFlags & { ood: Array<{ name: string; path: string }>; score: OodScoreName[]; convention: OodConvention }) => {
    const result = await runOod({
      ...evalOptions(flags),
      data: flags.data,
      classnames: flags.classnames,
      templates: flags.templates,
      templatesKey: flags.templatesKey,
      ood: flags.ood,
      scores: flags.score,
      convention: flags.convention,
      out: flags.out,
    });
    printTaskSummary(result, flags.out);
  });

  const retrieval = evalCmd
    .command('retrieval')
    .description('zero-shot image<->text retrieval: Recall@K both ways on a caption manifest')
    .requiredOption('--data <manifest.jsonl>', 'one {"path": ..., "captions": [...]} per line, paths relative to the manifest')
    .option('--k <list>', 'comma-separated K values', positiveIntList, [1, 5, 10])
    .requiredOption('--out <rundir>', 'run directory (result.json, similarity.npy)');
  addModelOptions(retrieval).action(async (flags: ModelFlags & { data: string; k: number[]; out: string }) => {
    const result = await runRetrieval({ ...evalOptions(flags), data: flags.data, ks: flags.k, out: flags.out });
    printTaskSummary(result, flags.out);
  });

  const shape = evalCmd
    .command('shape-bias')
    .description('shape vs texture bias on cue-conflict stimuli (<shape>/<shape>N-<texture>M.png): shape decisions / (shape + texture decisions)')
    .requiredOption('--data <dir>', 'cue-conflict stimuli: one folder per shape category (e.g. the model-vs-human / texture-vs-shape layout)')
    .option('--imagenet-classnames <file>', '1000-way mode: ImageNet class names (one per line / JSON array) for the zero-shot head')
    .option('--category-mapping <file>', '1000-way mode: JSON with "<category>_indices" lists of ImageNet indices (e.g. human_categories_wnids.json)')
    .requiredOption('--out <rundir>', 'run directory (result.json, decisions.csv)');
  addModelOptions(addClassifierOptions(shape)).action(async (flags: ClassifierFlags & { imagenetClassnames?: string; categoryMapping?: string }) => {
    const result = await runShapeBias({
      ...evalOptions(flags),
      data: flags.data,
      classnames: flags.classnames,
      templates: flags.templates,
      templatesKey: flags.templatesKey,
      imagenetClassnames: flags.imagenetClassnames,
      categoryMapping: flags.categoryMapping,
      out: flags.out,
    });
    printTaskSummary(result, flags.out);
  });

  const factors = evalCmd
    .command('factors')
    .description('ImageNet-X visual factors: per-factor accuracy and error ratio of zero-shot predictions, joined to annotations by file name')
    .requiredOption('--data <path>', 'ImageNet images (ImageFolder in ImageNet class order, or a .jsonl manifest)')
    .requiredOption('--annotations <file.jsonl>', 'ImageNet-X annotations (top-factor or multi-factor JSONL, "file_name" keys)')
    .option('--prototypical <file.csv>', 'drop the images listed in ImageNet-X\'s prototypical_paths.csv')
    .requiredOption('--out <rundir>', 'run directory (result.json, predictions.csv in the imagenetx layout)');
  addModelOptions(addClassifierOptions(factors)).action(async (flags: ClassifierFlags & { annotations: string; prototypical?: string }) => {
    const result = await runFactors({
      ...evalOptions(flags),
      data: flags.data,
      classnames: flags.classnames,
      templates: flags.templates,
      templatesKey: flags.templatesKey,
      annotations: flags.annotations,
      prototypical: flags.prototypical,
      out: flags.out,
    });
    printTaskSummary(result, flags.out);
  });
}
