/**
 * Checks on an opened dataset that must fail before any model runs: class names that repeat (one of the two
 * classes could never be predicted: its text embedding is the other's), and cue-conflict stimuli whose file names
 * do not give their shape and texture categories.
 */
import { HoloclipError } from '../errors.js';
import { parseCueConflictName } from '../metrics/shape-bias.js';
import type { Dataset } from './types.js';

/** Class names that repeat, compared as a tokenizer sees them (case and runs of spaces ignored), with their labels. */
export interface DuplicateClass {
  readonly name: string;
  readonly labels: readonly number[];
}

export function duplicateClassnames(classnames: readonly string[]): DuplicateClass[] {
  const byKey = new Map<string, number[]>();
  classnames.forEach((name, label) => {
    const key = name.trim().replace(/\s+/g, ' ').toLowerCase();
    const labels = byKey.get(key);
    if (labels) labels.push(label);
    else byKey.set(key, [label]);
  });
  return [...byKey.values()].filter((labels) => labels.length > 1).map((labels) => ({ name: classnames[labels[0]], labels }));
}

/**
 * Duplicate class names are an error unless `allow` (recorded then in `dataset.duplicateClasses`). The names of a
 * named dataset type, taken as its reference gives them (CLIP_benchmark's ImageNet names repeat "missile" and
 * "sunglasses"), are kept as the reference evaluates with them, and recorded.
 */
export function checkDuplicateClasses(dataset: Dataset, options: { allow: boolean; allowOption: string; fromReference: boolean }): Dataset {
  const dups = duplicateClassnames(dataset.classnames);
  if (dups.length === 0) return dataset;
  if (!options.allow && !options.fromReference) {
    const shown = dups
      .slice(0, 3)
      .map((d) => d.labels.map((l) => `class ${l} "${dataset.classnames[l]}"`).join(' and '))
      .join('; ');
    throw new HoloclipError(
      `${dups.length} class name${dups.length === 1 ? ' is' : 's are'} given twice in ${dataset.classnamesSource === 'folder names' ? `the class folders of ${dataset.source}` : dataset.classnamesSource}: ${shown}${dups.length > 3 ? '; ...' : ''}. ` +
        `The later class can never be predicted (its prompts read as the earlier one's; names are compared ignoring case and spacing, as CLIP's tokenizer lower-cases); rename one of them, or pass ${options.allowOption} to keep them (as CLIP_benchmark's ImageNet names do; it is recorded in the results)`,
    );
  }
  return { ...dataset, duplicateClasses: dups };
}

/** Every stimulus of a cue-conflict folder must be named `<shape><N>-<texture><M>.<ext>`: checked before any model runs. */
export function checkCueConflictNames(dataset: Dataset): void {
  const bad: string[] = [];
  for (const item of dataset.items) {
    try {
      parseCueConflictName(item.id);
    } catch {
      bad.push(item.id);
    }
  }
  if (bad.length === 0) return;
  throw new HoloclipError(
    `cue-conflict folder ${dataset.source}: ${bad.length} of ${dataset.items.length} file names are not of the form <shape><N>-<texture><M>.png (e.g. airplane1-bicycle2.png): ${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ', ...' : ''}; rename them (the texture category is read from the name) or move them out of the folder`,
  );
}
