/** The OOD scores `eval ood` computes (option values, shared by the definition and the run). */
import type { OodScoreName } from '../../metrics/ood.js';

/** Every score, in report order; the first four are the default. */
export const OOD_SCORES = ['msp', 'maxlogit', 'energy', 'mcm', 'maxlogit-scaled', 'energy-scaled'] as const satisfies readonly OodScoreName[];
export const DEFAULT_OOD_SCORES = ['msp', 'maxlogit', 'energy', 'mcm'] as const satisfies readonly OodScoreName[];
