/**
 * A problem the user can fix (bad input, missing file, wrong flag). The CLI prints
 * `holoclip: <message>` on one line and exits non-zero; no stack trace.
 * Messages should name the file involved and say what was expected / how to fix it.
 */
export class HoloclipError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HoloclipError';
  }
}

/** A single image that could not be decoded or preprocessed. Counted and reported, never fatal. */
export class ImageReadError extends HoloclipError {
  readonly file: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot read image ${file}: ${reason}`, options);
    this.name = 'ImageReadError';
    this.file = file;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
