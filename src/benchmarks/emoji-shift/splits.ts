/** The splits of a built emoji-shift folder that suites can name (`emoji-shift/<split>`). */
import type { BenchmarkSplit } from '../types.js';

const STYLES = ['noto', 'twemoji', 'fluent-flat', 'fluent-3d', 'silhouette', 'openmoji'] as const;
const TEST_STYLES = ['fluent-3d', 'silhouette', 'openmoji'] as const;

export const EMOJI_SHIFT_SPLITS: Readonly<Record<string, BenchmarkSplit>> = {
  ...Object.fromEntries(STYLES.map((s) => [s, { path: `domains/${s}`, role: 'labelled', classnames: true }])),
  train: { path: 'train.jsonl', role: 'labelled', classnames: true },
  test: { path: 'test.jsonl', role: 'labelled', classnames: true },
  ...Object.fromEntries(TEST_STYLES.map((s) => [`test-${s}`, { path: `test-${s}.jsonl`, role: 'labelled', classnames: true }])),
  'near-ood': { path: 'near-ood', role: 'unlabelled', classnames: false },
  'far-ood': { path: 'far-ood', role: 'unlabelled', classnames: false },
  'cue-conflict': { path: 'cue-conflict', role: 'cue-conflict', classnames: false },
  retrieval: { path: 'retrieval/captions.jsonl', role: 'captions', classnames: false },
};
