/** `holoclip score retrieval`: image->text and text->image recall@K of a similarity matrix. */
import { retrievalRecall } from '../metrics/retrieval.js';
import { absPath, need, scoreEnvelope, type ScoreMetricDefinition } from './definition.js';
import { readLabels, readMatrix, requireSameLength } from './inputs.js';

export interface RetrievalInputs {
  similarity?: string;
  textImage?: string;
  k?: number[];
}

export const scoreRetrieval: ScoreMetricDefinition<RetrievalInputs> = {
  name: 'retrieval',
  description: 'image->text and text->image recall@K of an images x texts similarity matrix',
  options: [
    { flags: '--similarity <file>', description: 'retrieval: similarity matrix images x texts (.npy)' },
    { flags: '--text-image <file>', description: 'retrieval: image index of each text (.npy or one per line)' },
    { flags: '--k <list>', description: 'retrieval: K values', value: 'positive-int-list' },
  ],
  async run(inputs) {
    const metric = 'retrieval';
    const sim = await readMatrix(need(inputs.similarity, '--similarity FILE (images x texts)', metric), 'similarity');
    const textImage = await readLabels(need(inputs.textImage, '--text-image FILE', metric), sim.rows, 'text-to-image indices');
    requireSameLength({ length: sim.cols }, textImage, `${sim.cols} similarity columns (texts) vs ${textImage.length} text-to-image indices`);
    return scoreEnvelope(metric, retrievalRecall(sim.data, sim.rows, sim.cols, textImage, inputs.k ?? [1, 5, 10]), {
      recall: 'image->text: hit@K if any caption of the image is in its top K; text->image: hit@K if its image is in its top K (CLIP paper)',
    }, { similarity: absPath(inputs.similarity), text_image: absPath(inputs.textImage) });
  },
};
