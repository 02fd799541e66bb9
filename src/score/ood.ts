/** `holoclip score ood`: OOD detection (AUROC, FPR@95TPR, ...) from given scores or from two logit matrices. */
import { HoloclipError } from '../errors.js';
import { OOD_SCORE_INPUTS, oodMetrics, oodScoresOf, type OodConvention, type OodScoreName } from '../metrics/ood.js';
import { absPath, need, scoreEnvelope, type ScoreMetricDefinition } from './definition.js';
import { readMatrix, readVector, type Matrix } from './inputs.js';
import { logitsOption } from './logits-labels.js';

export interface OodInputs {
  logits?: string;
  idScores?: string;
  oodScores?: string;
  oodLogits?: string;
  score?: OodScoreName;
  convention?: OodConvention;
}

export const scoreOod: ScoreMetricDefinition<OodInputs> = {
  name: 'ood',
  description: 'separation of in-distribution from OOD samples by a score (AUROC, FPR at 95% TPR, ...)',
  options: [
    logitsOption,
    { flags: '--id-scores <file>', description: 'ood: in-distribution scores, higher = more ID (.npy or one per line)' },
    { flags: '--ood-scores <file>', description: 'ood: OOD scores' },
    { flags: '--ood-logits <file>', description: 'ood: OOD logits, scored with --score like --logits' },
    { flags: '--score <name>', description: 'ood: score computed from the given matrices (maxlogit, energy, mcm: give raw cosines, as MCM does; msp and the -scaled variants: give logit-scaled logits)', choices: Object.keys(OOD_SCORE_INPUTS) },
    { flags: '--convention <c>', description: 'ood: positive class', choices: ['id-positive', 'ood-positive'], default: 'id-positive' },
  ],
  async run(inputs) {
    const metric = 'ood';
    const convention = inputs.convention ?? 'id-positive';
    let id: Float64Array;
    let ood: Float64Array;
    let scoreNote: string;
    if (inputs.idScores || inputs.oodScores) {
      id = await readVector(need(inputs.idScores, '--id-scores FILE', metric), 'ID scores');
      ood = await readVector(need(inputs.oodScores, '--ood-scores FILE', metric), 'OOD scores');
      scoreNote = 'scores given (higher = more in-distribution)';
    } else {
      const score = need(inputs.score, `--score ${Object.keys(OOD_SCORE_INPUTS).join('|')} (with --logits and --ood-logits), or --id-scores and --ood-scores`, metric);
      const idM = await readMatrix(need(inputs.logits, '--logits FILE (ID)', metric), 'ID logits');
      const oodM = await readMatrix(need(inputs.oodLogits, '--ood-logits FILE', metric), 'OOD logits');
      if (idM.cols !== oodM.cols) throw new HoloclipError(`ID logits have ${idM.cols} classes but OOD logits ${oodM.cols}`);
      const of = (m: Matrix) => oodScoresOf(score, m.data, m.rows, m.cols);
      id = of(idM);
      ood = of(oodM);
      scoreNote =
        `${score} (T = 1) of the given matrices as given; holoclip computes ${score} on ` +
        (OOD_SCORE_INPUTS[score] === 'cosines' ? 'raw cosine similarities (MCM\'s convention)' : 'logit-scaled logits');
    }
    const metrics = oodMetrics(id, ood, convention);
    return scoreEnvelope(metric, metrics, { scores: scoreNote, positive_class: convention, fpr_at_95_tpr: metrics.convention_note }, {
      id_scores: absPath(inputs.idScores), ood_scores: absPath(inputs.oodScores), logits: absPath(inputs.logits), ood_logits: absPath(inputs.oodLogits),
    });
  },
};
