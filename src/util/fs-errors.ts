/**
 * What an operating-system error on a file means and how to fix it: one table, read by the CLI edge (an error no
 * module wrapped) and by modules that wrap such errors into their own message. Every message names the file (the
 * error's `path`, and `dest` for a rename); a write site whose error carries no path (a `write` on an open handle:
 * ENOSPC) attaches it with {@link withErrorPath}.
 */

interface Cause {
  readonly what: string;
  readonly fix: string;
}

const WRITE_ELSEWHERE = 'point --out / --store at another disk';

const CAUSES: Readonly<Record<string, Cause>> = {
  ENOSPC: { what: 'the disk is full', fix: `free space on that file system, or ${WRITE_ELSEWHERE}` },
  EDQUOT: { what: 'the disk quota is exhausted', fix: `free space within the quota, or ${WRITE_ELSEWHERE}` },
  EFBIG: { what: 'the file is larger than the file system allows', fix: WRITE_ELSEWHERE },
  EROFS: { what: 'the file system is read-only', fix: `${WRITE_ELSEWHERE} (or remount it read-write)` },
  EACCES: { what: 'permission denied', fix: 'check the owner and mode of the file and of its folder (ls -ld), or choose another path' },
  EPERM: { what: 'operation not permitted', fix: 'check the owner and mode of the file and of its folder (ls -ld), or choose another path' },
  EISDIR: { what: 'it is a folder where a file is expected', fix: 'remove or rename that folder, or give the path of the file' },
  ENOTDIR: { what: 'a part of the path is a file where a folder is expected', fix: 'check the path, or choose another one' },
  ENOENT: { what: 'no such file or folder', fix: 'check the path' },
  EEXIST: { what: 'something already exists at that path', fix: 'remove it, or choose another path' },
  ENAMETOOLONG: { what: 'the path is too long', fix: 'choose a shorter path' },
  ELOOP: { what: 'too many levels of symbolic links (a link loop?)', fix: 'fix the symbolic links on that path' },
  EMFILE: { what: 'too many open files', fix: 'raise the limit (ulimit -n) or lower --batch-size' },
  ENFILE: { what: 'too many open files on the system', fix: 'raise the limit or close other programs' },
  EIO: { what: 'an input/output error (a failing disk or network file system)', fix: 'check the device (dmesg) and run again' },
  EILSEQ: { what: 'the file name is not valid in this encoding', fix: 'rename the file to UTF-8 (e.g. convmv -f latin1 -t utf8)' },
};

const VERBS: Readonly<Record<string, string>> = {
  open: 'open',
  read: 'read',
  write: 'write',
  fsync: 'write',
  close: 'write',
  mkdir: 'create the folder',
  rename: 'move',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
  scandir: 'list the folder',
  opendir: 'list the folder',
  stat: 'examine',
  lstat: 'examine',
  access: 'access',
  copyfile: 'copy',
  link: 'link',
  symlink: 'link',
  utime: 'touch',
  chmod: 'change the mode of',
};

interface ErrnoLike {
  code?: unknown;
  path?: unknown;
  dest?: unknown;
  syscall?: unknown;
}

function asErrno(err: unknown): ErrnoLike | null {
  return typeof err === 'object' && err !== null ? (err as ErrnoLike) : null;
}

/** The errno code (`ENOSPC`...) of an error from node:fs, or null. */
export function fsErrorCode(err: unknown): string | null {
  const code = asErrno(err)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : null;
}

/** True when holoclip knows what this errno means (the table above). */
export function isKnownFsError(err: unknown): boolean {
  const code = fsErrorCode(err);
  return code !== null && code in CAUSES;
}

/** Attach `file` as the error's `path` when it has none (a write on an open handle), so messages can name it. */
export function withErrorPath(err: unknown, file: string): unknown {
  const e = asErrno(err);
  if (e !== null && fsErrorCode(err) !== null && typeof e.path !== 'string') {
    try {
      e.path = file;
    } catch {
      // a frozen error object: the message then lacks the path
    }
  }
  return err;
}

/** `<CODE> <what>` for a known errno code, e.g. "the file system is read-only (EROFS)". */
export function describeFsCode(code: string): string {
  const cause = CAUSES[code];
  return cause ? `${cause.what} (${code})` : code;
}

/**
 * One line for a known errno error: `cannot <verb> <path>: <what> (<CODE>); <fix>`. Null for anything else.
 * `context` replaces the verb phrase ("cannot write the lock file X").
 */
export function describeFsError(err: unknown, context?: string): string | null {
  const code = fsErrorCode(err);
  if (code === null) return null;
  const cause = CAUSES[code];
  if (!cause) return null;
  const e = asErrno(err) as ErrnoLike;
  const file = typeof e.path === 'string' ? e.path : null;
  const dest = typeof e.dest === 'string' ? e.dest : null;
  const verb = typeof e.syscall === 'string' ? (VERBS[e.syscall] ?? e.syscall) : 'use';
  const subject = context ?? (file === null ? `${verb} a file (which one is not known; HOLOCLIP_DEBUG=1 shows where)` : dest !== null ? `${verb} ${file} to ${dest}` : `${verb} ${file}`);
  return `cannot ${subject}: ${cause.what} (${code}); ${cause.fix}`;
}
