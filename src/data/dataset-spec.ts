/**
 * A dataset as a suite or a flag names it (`PATH` or `TYPE:PATH`), parsed without opening it: suite validation
 * reads only this; dataset-ref.ts opens it for a role.
 */
import { resolveUserPath } from '../util/paths.js';
import { parseTypedSpec } from './dataset-types.js';

export interface DatasetRef {
  /** A named layout (`imagenet-r`, `webdataset`, `karpathy`...), or null for an ImageFolder / .jsonl / image folder. */
  readonly type: string | null;
  /** Absolute path (`~` expanded). */
  readonly path: string;
  /** Absolute class-name file, if given. */
  readonly classnames?: string;
  /** Keep class names that repeat (recorded) instead of stopping: `allow_duplicate_classes` / `--allow-duplicate-classes`. */
  readonly allowDuplicateClasses?: boolean;
}

/** `PATH` or `TYPE:PATH` (relative to `base`, default the working directory); an explicit `type` wins. */
export function parseDatasetSpec(spec: string, options: { base?: string; type?: string; classnames?: string; allowDuplicateClasses?: boolean } = {}): DatasetRef {
  const typed = options.type ? { type: options.type, path: spec } : parseTypedSpec(spec);
  const classnames = options.classnames === undefined ? undefined : resolveUserPath(options.classnames, options.base);
  return {
    type: typed?.type ?? null,
    path: resolveUserPath(typed ? typed.path : spec, options.base),
    ...(classnames ? { classnames } : {}),
    ...(options.allowDuplicateClasses ? { allowDuplicateClasses: true } : {}),
  };
}

/** The spec as the user would write it (for messages). */
export function formatDatasetRef(ref: DatasetRef): string {
  return ref.type ? `${ref.type}:${ref.path}` : ref.path;
}
