import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import { compareCodePoints } from '../store/canonical-json.js';
import { mapLimit } from '../util/concurrency.js';
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

  const perClass = await mapLimit(classFolders, READDIR_CONCURRENCY, async (name) => {
    const classSkipped = new SkipCounter();
    return { files: await listImageFiles(root, name, classSkipped), classSkipped };
  });
  const list = new ItemListBuilder();
  perClass.forEach(({ files, classSkipped }, label) => {
    skipped.add(classSkipped);
    for (const f of files) list.push({ id: f.id, path: f.path, label });
  });
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

/**
 * Image ids (`<folder>/<sub/dirs>/<file>`, POSIX, relative to `root`) under one folder of `root`
 * (`''` = the root itself), in torchvision order.
 */
export async function listImages(root: string, className: string, skipped: SkipCounter): Promise<string[]> {
  return (await listImageFiles(root, className, skipped)).map((f) => f.id);
}

/** One listed image: its id (as {@link listImages}) and its path, `path.join(root, ...id.split('/'))`. */
export interface ListedImage {
  readonly id: string;
  readonly path: string;
}

/**
 * {@link listImages} with each image's path. The ids and paths of a folder's files share the folder's prefix and the
 * file's name (V8 keeps a concatenation as two references): a path built by `path.join` per image is a chain of some
 * ten string pieces, about 500 bytes, which for 100,000 images was 50 MB of the listing.
 */
export async function listImageFiles(root: string, className: string, skipped: SkipCounter): Promise<ListedImage[]> {
  const out: ListedImage[] = [];
  for (const f of await listImageFolders(root, className, skipped)) {
    const idPrefix = f.rel === '' ? '' : `${f.rel}/`;
    const dir = path.join(root, ...f.rel.split('/'));
    // path.join(dir, name) for a plain file name: dir + separator + name ('.' alone is dropped, a root keeps its one separator).
    const pathPrefix = dir === '.' ? '' : dir.endsWith(path.sep) ? dir : dir + path.sep;
    for (const name of f.files) out.push({ id: idPrefix + name, path: pathPrefix + name });
  }
  return out;
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
