/** `holoclip score factors`: ImageNet-X factor error ratios of predictions in imagenetx layout. */
import { HoloclipError } from '../errors.js';
import { correctnessFromPredictions, factorMetrics } from '../metrics/factors.js';
import { parsePrototypeMode, prototypeFilter } from '../tasks/factors/prototypes.js';
import { absPath, need, scoreEnvelope, type ScoreMetricDefinition } from './definition.js';

export interface FactorsInputs {
  predictions?: string;
  annotations?: string;
  prototypical?: string;
  prototypes?: string;
}

export const scoreFactors: ScoreMetricDefinition<FactorsInputs> = {
  name: 'factors',
  description: 'ImageNet-X factor error ratios of a prediction CSV',
  options: [
    { flags: '--predictions <csv>', description: 'factors: predictions in imagenetx layout (file_name,predicted_class,predicted_probability)' },
    { flags: '--annotations <jsonl>', description: 'factors: ImageNet-X annotation file' },
    { flags: '--prototypes <drop|keep>', description: 'factors: ImageNet-X\'s prototypical images: drop (default, as imagenetx load_annotations(filter_prototypes=True)) or keep' },
    { flags: '--prototypical <csv>', description: 'factors: the list of prototypical images (default: imagenetx/prototypical_paths.csv from the reference data)' },
  ],
  async run(inputs) {
    const metric = 'factors';
    const { readFactorAnnotations, readImagenetxPredictions } = await import('../formats/index.js'); // only when this metric runs
    const annotations = await readFactorAnnotations(need(inputs.annotations, '--annotations FILE.jsonl', metric));
    const predicted = await readImagenetxPredictions(need(inputs.predictions, '--predictions CSV', metric));
    const prototypes = await prototypeFilter(parsePrototypeMode(inputs.prototypes, '--prototypes'), inputs.prototypical);
    const exclude = prototypes.exclude;
    const metrics = factorMetrics(annotations, correctnessFromPredictions(annotations, predicted), { exclude });
    if (metrics.n === 0) {
      throw new HoloclipError(`the annotations in ${inputs.annotations} cover none of the ${predicted.size} predictions in ${inputs.predictions} (joined by file_name)`);
    }
    return scoreEnvelope(metric, metrics, {
      correct: 'predicted_class equals the annotated class',
      overall_accuracy: 'accuracy over the annotated images that have a prediction (imagenetx aggregate)',
      error_ratio: '(1 - accuracy on images with the factor) / (1 - overall accuracy)',
      prototypes: prototypes.mode,
      prototypical: prototypes.convention,
    }, { predictions: absPath(inputs.predictions), annotations: absPath(inputs.annotations), prototypical: prototypes.file });
  },
};
