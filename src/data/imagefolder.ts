import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import { compareCodePoints } from '../store/canonical-json.js';
import { readClassnames } from './classnames.js';
import { rejectNonUtf8Names } from './file-names.js';
import { IMAGE_EXTENSIONS, isHiddenName, isImageFileName } from './image-extensions.js';
import { ItemListBuilder } from './item-list.js';
import type { Dataset, SkippedFiles } from './types.js';

const MAX_EXAMPLES = 5;
const READDIR_CONCURRENCY = 16;

/**
 * An ImageFolder dataset: `<root>/<class>/**\/<image>`, like `torchvision.datasets.ImageFolder`.
 * Labels are positions in the code-point-sorted list of class folder names. Inside a class folder,
 * images are found recursively (symlinked folders followed; a link back to an enclosing folder is not) in torchvision's order:
 * folders sorted by path, then files sorted by name within each folder. Hidden entries (leading
 * `.`, e.g. macOS `._x.jpg`) and non-image files are skipped and counted. Nothing is opened.
 */
export async function openImageFolder(root: string, classnamesFile?: string): Promise<Dataset> {
  const skipped = new SkipCounter();
  const top = await readdirOrFail(root);
  const classFolders: string[] = [];
  let topLevelImages = 0;
  for (const entry of top) {
    if (isHiddenName(entry.name)) {
      skipped.hidden(entry.name);
    } else if (await isDirectoryEntry(root, entry)) {
      classFolders.push(entry.name);
    } else {
      if (isImageFileName(entry.name)) topLevelImages++;
      skipped.nonImage(entry.name);
    }
  }
  if (classFolders.length === 0) {
    const found = topLevelImages > 0 ? ` (it holds ${topLevelImages} image files directly)` : '';
    throw new HoloclipError(`data folder ${root} has no class sub-folders${found}; expected ${root}/<class name>/<images>, or give a .jsonl manifest`);
  }
  classFolders.sort(compareCodePoints);

  let classnames = classFolders;
  let classnamesSource = 'folder names';
  if (classnamesFile !== undefined) {
    classnames = await readClassnames(classnamesFile);
    classnamesSource = classnamesFile;
    if (classnames.length !== classFolders.length) {
      throw new HoloclipError(`classnames file ${classnamesFile} has ${classnames.length} names but data folder ${root} has ${classFolders.length} class folders`);
    }
  }

  const list = new ItemListBuilder();
  await appendFolders(list, root, classFolders.map((rel, label) => ({ rel, label })), skipped);
  const items = list.finish();
  if (items.length === 0) {
    throw new HoloclipError(`empty dataset: data folder ${root} has ${classFolders.length} class folders but no image files (${IMAGE_EXTENSIONS.join(' ')})`);
  }
  return {
    kind: 'imagefolder',
    root,
    source: root,
    classnames,
    classnamesSource,
    items,
    skipped: skipped.result(),
  };
}

/** How many images lie under one folder of `root` (`''` = the root itself), at any depth, as {@link appendFolders} would list them. */
export async function countImageFiles(root: string, className: string, skipped: SkipCounter): Promise<number> {
  let n = 0;
  for (const f of await listImageFolders(root, className, skipped)) n += f.files.length;
  return n;
}

/** A folder of `root` (`rel`, POSIX; `''` = the root itself) whose images, at any depth, get `label` (and any-of `labels`). */
export interface LabelledFolder {
  readonly rel: string;
  readonly label: number;
  readonly labels?: readonly number[];
}

/**
 * Appends the images under each folder, folder after folder, in torchvision order within each, to `list`: id
 * `<rel>/<sub/dirs>/<file>` and path `path.join(root, ...id.split('/'))`. Up to READDIR_CONCURRENCY folders are read
 * at once, ahead of the one being appended, and each folder's images are appended as soon as the folders before it
 * are: what the listing holds at a time is those folders' file names, not the whole dataset's (for 100,000 images
 * that was some 25 MB of heap).
 */
export async function appendFolders(list: ItemListBuilder, root: string, folders: readonly LabelledFolder[], skipped: SkipCounter): Promise<void> {
  type Read = { found: Array<{ rel: string; files: string[] }>; own: SkipCounter };
  const reading = new Map<number, Promise<Read>>();
  const startReading = (k: number): void => {
    const own = new SkipCounter();
    const read = listImageFolders(root, folders[k].rel, own).then((found) => ({ found, own }));
    read.catch(() => {}); // awaited in order below; a folder after a failing one must not be an unhandled rejection
    reading.set(k, read);
  };
  for (let k = 0; k < Math.min(READDIR_CONCURRENCY, folders.length); k++) startReading(k);
  for (let k = 0; k < folders.length; k++) {
    const { found, own } = await (reading.get(k) as Promise<Read>);
    reading.delete(k);
    if (k + READDIR_CONCURRENCY < folders.length) startReading(k + READDIR_CONCURRENCY);
    skipped.add(own);
    const { label, labels } = folders[k];
    for (const f of found) {
      const idPrefix = f.rel === '' ? '' : `${f.rel}/`;
      const dir = path.join(root, ...f.rel.split('/'));
      // path.join(dir, name) for a plain file name: dir + separator + name ('.' alone is dropped, a root keeps its one separator).
      const pathPrefix = dir === '.' ? '' : dir.endsWith(path.sep) ? dir : dir + path.sep;
      for (const name of f.files) list.push(labels === undefined ? { id: idPrefix + name, path: pathPrefix + name, label } : { id: idPrefix + name, path: pathPrefix + name, label, labels });
    }
  }
}

/** The folders under `<root>/<className>` holding images, in torchvision order, each with its image names sorted. */
async function listImageFolders(root: string, className: string, skipped: SkipCounter): Promise<Array<{ rel: string; files: string[] }>> {
  // Collect every non-hidden folder (relative POSIX path), then sort like sorted(os.walk(...)).
  const folders: Array<{ rel: string; files: string[] }> = [];
  const walk = async (rel: string, ancestors: ReadonlySet<string>): Promise<void> => {
    const abs = path.join(root, ...rel.split('/'));
    const real = await realpath(abs);
    if (ancestors.has(real)) return; // a symlink back to an enclosing folder: stop the loop
    const inside = new Set(ancestors).add(real);
    const files: string[] = [];
    folders.push({ rel, files });
    for (const entry of await readdirOrFail(abs)) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (isHiddenName(entry.name)) skipped.hidden(childRel);
      else if (await isDirectoryEntry(abs, entry)) await walk(childRel, inside);
      else if (isImageFileName(entry.name)) files.push(entry.name);
      else skipped.nonImage(childRel);
    }
  };
  await walk(className, new Set());
  folders.sort((a, b) => compareCodePoints(a.rel, b.rel));
  for (const f of folders) f.files.sort(compareCodePoints);
  return folders;
}

export async function readdirOrFail(dir: string): Promise<Dirent[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new HoloclipError(`cannot list data folder ${dir}: ${(err as Error).message}`, { cause: err });
  }
  await rejectNonUtf8Names(dir, entries.map((e) => e.name));
  return entries;
}

/** Directory, or symlink to one (followed, like os.walk(followlinks=True)); broken links count as files. */
export async function isDirectoryEntry(parent: string, entry: Dirent): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return (await stat(path.join(parent, entry.name))).isDirectory();
  } catch {
    return false;
  }
}

/** Counts skipped hidden and non-image entries, keeping a few examples for messages. */
export class SkipCounter {
  private readonly counts = { hidden: 0, nonImage: 0 };
  private readonly examples: string[] = [];

  hidden(rel: string): void {
    this.counts.hidden++;
    this.example(rel);
  }

  nonImage(rel: string): void {
    this.counts.nonImage++;
    this.example(rel);
  }

  add(other: SkipCounter): void {
    this.counts.hidden += other.counts.hidden;
    this.counts.nonImage += other.counts.nonImage;
    for (const e of other.examples) this.example(e);
  }

  result(): SkippedFiles {
    return { ...this.counts, examples: [...this.examples] };
  }

  private example(rel: string): void {
    if (this.examples.length < MAX_EXAMPLES) this.examples.push(rel);
  }
}
