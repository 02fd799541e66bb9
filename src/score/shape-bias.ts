/** `holoclip score shape-bias`: shape bias of cue-conflict decisions (Geirhos et al. 2019), pooled or per subject. */
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import { shapeBias } from '../metrics/shape-bias.js';
import { need, scoreEnvelope, type ScoreMetricDefinition } from './definition.js';

export interface ShapeBiasInputs {
  decisions?: string[];
  subjectPrefix?: string;
  bySubject?: boolean;
  pool?: string[];
}

export const scoreShapeBias: ScoreMetricDefinition<ShapeBiasInputs> = {
  name: 'shape-bias',
  description: 'shape bias of texture-vs-shape cue-conflict decisions',
  options: [
    { flags: '--decisions <csv...>', description: 'shape-bias: raw decision CSVs (texture-vs-shape layout), pooled' },
    { flags: '--subject-prefix <p>', description: 'shape-bias: only decisions of subjects whose name starts with p (e.g. "subject-" for humans)' },
    { flags: '--by-subject', description: 'shape-bias: also report each subject (subj column) separately' },
    { flags: '--pool <prefix>', description: 'shape-bias: report subjects starting with prefix as one group, e.g. "subject-" for the humans (repeatable)', value: 'repeatable' },
  ],
  async run(inputs) {
    const metric = 'shape-bias';
    const files = need(inputs.decisions, '--decisions CSV [CSV ...]', metric);
    const { readRawDecisions } = await import('../formats/index.js'); // only when this metric runs
    const trials = [];
    for (const f of files) trials.push(...(await readRawDecisions(f)));
    const kept = inputs.subjectPrefix ? trials.filter((t) => t.subject.startsWith(inputs.subjectPrefix as string)) : trials;
    if (kept.length === 0) throw new HoloclipError(`no decisions${inputs.subjectPrefix ? ` from subjects starting with "${inputs.subjectPrefix}"` : ''} in ${files.join(', ')}`);
    const subjects = [...new Set(kept.map((t) => t.subject))];
    const metrics: Record<string, unknown> = { ...shapeBias(kept), subjects };
    if (inputs.bySubject || (inputs.pool ?? []).length > 0) {
      // One group per subject; subjects starting with a --pool prefix form one group "<prefix>*".
      const groupOf = (subject: string) => {
        const p = (inputs.pool ?? []).find((prefix) => subject.startsWith(prefix));
        return p === undefined ? subject : `${p}*`;
      };
      const groups = new Map<string, typeof kept>();
      for (const t of kept) {
        const g = groupOf(t.subject);
        const list = groups.get(g) ?? [];
        list.push(t);
        groups.set(g, list);
      }
      const out: Record<string, { shape_bias: number; shape_decisions: number; texture_decisions: number; n_trials: number; subjects: number }> = {};
      for (const [g, list] of groups) {
        const r = shapeBias(list);
        out[g] = { shape_bias: r.shape_bias, shape_decisions: r.shape_decisions, texture_decisions: r.texture_decisions, n_trials: r.n_trials, subjects: new Set(list.map((t) => t.subject)).size };
      }
      metrics.groups = out;
    }
    return scoreEnvelope(metric, metrics, {
      shape_bias: 'shape decisions / (shape + texture decisions); trials whose shape and texture category are equal are dropped (Geirhos et al. 2019, model-vs-human)',
      pooled: `${subjects.length} subject(s) pooled in the top-level figures${metrics.groups ? '; groups: one per subject, --pool prefixes merged' : ''}`,
    }, { decisions: files.map((f) => path.resolve(f)), subject_prefix: inputs.subjectPrefix ?? null, pool: inputs.pool ?? [] });
  },
};
