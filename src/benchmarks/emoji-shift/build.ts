/**
 * `buildEmojiShift`: the emoji-shift mini benchmark, rendered from emoji art in npm packages.
 *
 * Style is the distribution shift: noto, twemoji and fluent-flat are the training domains; fluent-3d,
 * silhouette (Fluent high contrast) and openmoji (black line art) are the test domains, like ImageNet
 * versus ImageNet-R / -Sketch. The output folder:
 *
 *   manifest.json            benchmark, version, seed, image_size, classes, styles, splits, packages, files_sha256
 *   classnames.txt           prompt names in label order (label i = line i)
 *   classes.json             the classes in label order
 *   domains/<style>/<NNN_slug>/<k>.png   one ImageFolder per style (8 images per class in training styles, 4 in test styles)
 *   near-ood/<k>.png         other object emoji in the test styles (unlabelled)
 *   far-ood/<k>.png          flags, symbols and procedural textures (unlabelled)
 *   cue-conflict/<shape>/<shape><i>-<texture><j>.png   silhouette of one class filled with tiles of another
 *   retrieval/images/<k>.png, retrieval/captions.jsonl
 *   train.jsonl, test-<style>.jsonl, test.jsonl (all test styles)   {"path", "label"} manifests
 *   ATTRIBUTION.txt          the licences of the art the images were made from
 *
 * The build is deterministic: the same seed and package versions give the same bytes. It is written
 * into a temp folder next to the output and renamed into place, manifest.json included, so a reader
 * never sees a half-built benchmark; a finished one with the same version, seed and packages is reused.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../../errors.js';
import { describeFsError } from '../../util/fs-errors.js';
import { isDeadLeftover, isErrno, OLD_MARKER, moveAside, TEMP_MARKER, tempPathFor } from '../../store/atomic.js';
import { damagedFiles, describeDamage } from '../build-integrity.js';
import { confinedPath } from '../../util/paths.js';
import { mapLimit } from '../../util/concurrency.js';
import { silentProgress, type ProgressSink } from '../../util/progress.js';
import classesJson from './classes.json' with { type: 'json' };
import oodJson from './ood.json' with { type: 'json' };
import { cueConflict, encodePng, placeSprite, premultiply, prepareSprite, proceduralTexture, rngFor, TEXTURE_KINDS, type Canvas, type PreparedSprite } from './render.js';
import {
  artPackageVersions,
  EmojiSources,
  farStyles,
  STYLE_DESCRIPTIONS,
  STYLES,
  TEST_STYLES,
  TRAIN_STYLES,
  type Style,
} from './sources.js';
import { EMOJI_SHIFT_VERSION } from '../versions.js';

export { EMOJI_SHIFT_VERSION };
export const EMOJI_SHIFT_DEFAULT_SEED = 0;

export const IMAGE_SIZE = 96;
export const IMAGES_PER_CLASS = { train: 8, test: 4 } as const;
export const RETRIEVAL_IMAGES_PER_CLASS = 2;
/** Near-OOD emoji are drawn in this many of the three test styles each. */
export const NEAR_OOD_STYLES_PER_EMOJI = 2;
/** Far-OOD flags and symbols get this many images each, in distinct styles where possible. */
export const FAR_OOD_IMAGES_PER_EMOJI = 2;
export const FAR_OOD_TEXTURES = 80;
export const CUE_CONFLICT_PER_SHAPE = 10;
/** The 16 cue-conflict categories (class names; single words, as the stimulus file names need). */
export const CUE_CONFLICT_CLASSES = [
  'airplane', 'bicycle', 'car', 'cat', 'chair', 'dog', 'elephant', 'giraffe',
  'guitar', 'hammer', 'mushroom', 'sailboat', 'scissors', 'snail', 'teapot', 'umbrella',
] as const;
/** Shape categories (by position in CUE_CONFLICT_CLASSES) whose last stimulus uses their own texture. */
const CUE_CONFLICT_SAME = new Set([0, 4, 8, 12]);

export interface EmojiShiftClass {
  codepoint: string;
  name: string;
  cldr_name: string;
  category: string;
  imagenet_index: number | null;
  keywords: string[];
}

export interface EmojiShiftSplit {
  path: string;
  images: number;
  kind: 'imagefolder' | 'unlabelled' | 'cue-conflict' | 'captions' | 'jsonl';
}

export interface EmojiShiftManifest {
  benchmark: 'emoji-shift';
  version: string;
  seed: number;
  image_size: number;
  classes: number;
  styles: { train: Style[]; test: Style[] };
  splits: Record<string, EmojiShiftSplit>;
  packages: Record<string, string>;
  /** sha256 of classes.json and ood.json as committed: a change to the class list invalidates built copies. */
  config_sha256: string;
  files_sha256: Record<string, string>;
}

export interface BuildEmojiShiftOptions {
  out: string;
  seed?: number;
  /** Rebuild even when `out` holds an up-to-date build. */
  force?: boolean;
  progress?: ProgressSink;
  /** Source emoji rendered at once (default 8). */
  concurrency?: number;
}

export interface BuildEmojiShiftResult {
  manifest: EmojiShiftManifest;
  /** False when an up-to-date build was found and kept. */
  built: boolean;
  /** Files of the previous build that did not match its manifest (missing, changed, or not listed): why it was rebuilt. */
  damaged: string[];
  seconds: number;
  out: string;
}

export const EMOJI_SHIFT_CLASSES: readonly EmojiShiftClass[] = classesJson as EmojiShiftClass[];
const OOD = oodJson as { near: Array<{ codepoint: string; name: string }>; far: Array<{ codepoint: string; name: string; kind: 'flag' | 'symbol' }> };

/** "t-rex" -> "t_rex". */
export function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Class folder name: "<3-digit label>_<slug>", so sorted order is label order. */
export function classFolder(label: number, name: string): string {
  return `${String(label).padStart(3, '0')}_${slug(name)}`;
}

const PLURAL_NAMES = new Set(['grapes', 'books', 'jeans', 'glasses', 'scissors', 'chopsticks']);

/** "a dog", "an owl", "scissors". */
export function withArticle(name: string): string {
  if (PLURAL_NAMES.has(name)) return name;
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

function configHash(): string {
  return createHash('sha256').update(JSON.stringify(classesJson)).update('\n').update(JSON.stringify(oodJson)).digest('hex');
}

/** Licence and attribution of every art package, for whoever redistributes a built folder. */
export const ART_LICENSES: Record<string, { license: string; attribution: string }> = {
  '@iconify-json/noto': { license: 'Apache-2.0', attribution: 'Noto Emoji, Copyright Google Inc., Apache License 2.0 (https://github.com/googlefonts/noto-emoji)' },
  '@iconify-json/twemoji': {
    license: 'CC-BY-4.0',
    attribution: 'Twemoji, Copyright Twitter, Inc and other contributors, CC BY 4.0 (https://github.com/jdecked/twemoji, https://creativecommons.org/licenses/by/4.0/)',
  },
  '@iconify-json/fluent-emoji-flat': { license: 'MIT', attribution: 'Fluent Emoji (flat), Copyright (c) Microsoft Corporation, MIT License (https://github.com/microsoft/fluentui-emoji)' },
  '@iconify-json/fluent-emoji-high-contrast': {
    license: 'MIT',
    attribution: 'Fluent Emoji (high contrast), Copyright (c) Microsoft Corporation, MIT License (https://github.com/microsoft/fluentui-emoji)',
  },
  '@lobehub/fluent-emoji-3d': {
    license: 'MIT',
    attribution: 'Fluent Emoji (3D), Copyright (c) Microsoft Corporation, MIT License (https://github.com/microsoft/fluentui-emoji); packaged by LobeHub (MIT)',
  },
  openmoji: {
    license: 'CC-BY-SA-4.0',
    attribution: 'All emojis designed by OpenMoji – the open-source emoji and icon project. License: CC BY-SA 4.0 (https://openmoji.org, https://creativecommons.org/licenses/by-sa/4.0/)',
  },
};

function attribution(packages: Record<string, string>): string {
  const lines = [
    'emoji-shift images are adaptations (rasterized, trimmed, scaled, rotated, shifted, colour-jittered,',
    'flattened onto white, tiled into cue-conflict stimuli) of the emoji art in these npm packages:',
    '',
    ...Object.entries(packages).flatMap(([name, version]) => [`${name}@${version} (${ART_LICENSES[name]?.license ?? 'see the package'})`, `  ${ART_LICENSES[name]?.attribution ?? ''}`]),
    '',
    'The images made from OpenMoji (domains/openmoji and the OpenMoji images among near-ood, far-ood and',
    'retrieval) are licensed under CC BY-SA 4.0. Apple and Facebook/Meta emoji art is not used.',
    '',
  ];
  return lines.join('\n');
}

/** The build plan: every output file, as a function that renders it. Grouped by source emoji so each is rendered once. */
interface Output {
  rel: string;
  render: (sprite: PreparedSprite) => Canvas;
}

interface SourceJob {
  style: Style;
  codepoint: string;
  outputs: Output[];
}

function pickDistinct<T>(items: readonly T[], count: number, key: string): T[] {
  const rng = rngFor(key);
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(rng.nextInt(pool.length), 1)[0]);
  return out;
}

async function readManifest(file: string): Promise<EmojiShiftManifest | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as EmojiShiftManifest;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    return null; // unreadable or half-written by something else: rebuild
  }
}

function upToDate(m: EmojiShiftManifest | null, seed: number, packages: Record<string, string>): m is EmojiShiftManifest {
  return (
    m !== null &&
    m.benchmark === 'emoji-shift' &&
    m.version === EMOJI_SHIFT_VERSION &&
    m.seed === seed &&
    m.image_size === IMAGE_SIZE &&
    m.config_sha256 === configHash() &&
    JSON.stringify(m.packages) === JSON.stringify(packages)
  );
}

/**
 * Remove `<out>.holoclip-tmp-<pid>-<hex>` / `<out>.holoclip-old-<pid>-<hex>` folders left by killed builds whose process
 * is gone. A sibling of any other name (a user's `X.old-123`) is never touched.
 */
export async function removeStaleBuilds(out: string): Promise<void> {
  const dir = path.dirname(out);
  const base = path.basename(out);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!(name.startsWith(`${base}${TEMP_MARKER}`) || name.startsWith(`${base}${OLD_MARKER}`))) continue;
    if (!/^-?\d+-[0-9a-f]{12}$/.test(name.slice(base.length).replace(/^\.holoclip-(tmp|old)/, ''))) continue;
    if (!isDeadLeftover(name)) continue;
    await rm(path.join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

export async function buildEmojiShift(options: BuildEmojiShiftOptions): Promise<BuildEmojiShiftResult> {
  const t0 = performance.now();
  const out = path.resolve(options.out);
  const seed = options.seed ?? EMOJI_SHIFT_DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0) throw new HoloclipError(`emoji-shift seed must be a non-negative integer, got ${seed}`);
  const progress = options.progress ?? silentProgress;
  const packages = await artPackageVersions();

  const existing = await readManifest(path.join(out, 'manifest.json'));
  // An up-to-date manifest is not enough: every file it lists must still have its hash (an image deleted or
  // replaced changes every number computed from the split), and no other file may have appeared.
  let damaged: string[] = [];
  if (!options.force && upToDate(existing, seed, packages)) {
    damaged = await damagedFiles(out, existing.files_sha256);
    if (damaged.length === 0) return { manifest: existing, built: false, damaged, seconds: (performance.now() - t0) / 1000, out };
    progress.log(`${out} does not match its manifest.json (${describeDamage(damaged)}); rebuilding it`);
  }
  const rebuild = options.force === true || damaged.length > 0;

  // Never replace a folder that is not an emoji-shift build (the swap below deletes the old folder).
  if (existing === null || existing.benchmark !== 'emoji-shift') {
    let entries: string[] = [];
    try {
      entries = await readdir(out);
    } catch (err) {
      if (isErrno(err, 'ENOTDIR')) throw new HoloclipError(`--out ${out} is a file; expected a folder for the emoji-shift benchmark`);
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    if (entries.length > 0) {
      throw new HoloclipError(`--out ${out} is not empty and holds no emoji-shift manifest.json; choose a new folder (it is replaced on every rebuild)`);
    }
  }
  await mkdir(path.dirname(out), { recursive: true });
  await removeStaleBuilds(out);
  const tmp = tempPathFor(out);
  try {
    const manifest = await buildInto(tmp, seed, packages, progress, options.concurrency ?? 8);
    // Another process (a second shard of a suite) may have put the same build in place meanwhile:
    // keep it rather than swap a folder other processes may be reading.
    const builtByOther = async () => {
      const now = await readManifest(path.join(out, 'manifest.json'));
      return upToDate(now, seed, packages) ? now : null;
    };
    const other = rebuild ? null : await builtByOther();
    if (other) {
      await rm(tmp, { recursive: true, force: true });
      return { manifest: other, built: false, damaged, seconds: (performance.now() - t0) / 1000, out };
    }
    // Swap into place: the old build (if any) moves aside first, then goes.
    const old = await moveAside(out);
    try {
      await rename(tmp, out);
    } catch (err) {
      const raced = (isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST')) && !rebuild ? await builtByOther() : null;
      if (!raced) throw err;
      await rm(tmp, { recursive: true, force: true });
      return { manifest: raced, built: false, damaged, seconds: (performance.now() - t0) / 1000, out };
    }
    if (old) await rm(old, { recursive: true, force: true });
    return { manifest, built: true, damaged, seconds: (performance.now() - t0) / 1000, out };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (err instanceof HoloclipError) throw err;
    throw new HoloclipError(`building emoji-shift into ${out} failed: ${describeFsError(err) ?? errorMessage(err)}`, { cause: err });
  }
}

async function buildInto(
  root: string,
  seed: number,
  packages: Record<string, string>,
  progress: ProgressSink,
  concurrency: number,
): Promise<EmojiShiftManifest> {
  const sources = await EmojiSources.open();
  const classes = EMOJI_SHIFT_CLASSES;
  for (const c of classes) {
    const missing = STYLES.filter((s) => !sources.has(s, c.codepoint));
    if (missing.length > 0) {
      throw new HoloclipError(`emoji-shift class ${c.name} (${c.codepoint}) is missing from the art of ${missing.join(', ')}; the installed packages do not match classes.json`);
    }
  }
  const size = IMAGE_SIZE;
  const files: Record<string, string> = {};
  const splits: Record<string, EmojiShiftSplit> = {};
  const jobs = new Map<string, SourceJob>();
  const addOutput = (style: Style, codepoint: string, output: Output): void => {
    const key = `${style}|${codepoint}`;
    let job = jobs.get(key);
    if (!job) {
      job = { style, codepoint, outputs: [] };
      jobs.set(key, job);
    }
    job.outputs.push(output);
  };
  const placement = { scale: [0.6, 0.82] as [number, number], rotation: 10 };
  const place = (key: string, jitter: boolean) => (sprite: PreparedSprite) => placeSprite(sprite, size, rngFor(`${seed}|${key}`), { ...placement, jitter });

  // Domains: one ImageFolder per style.
  const jsonl: Record<string, string[]> = { train: [] };
  for (const style of STYLES) {
    const isTrain = TRAIN_STYLES.includes(style);
    const per = isTrain ? IMAGES_PER_CLASS.train : IMAGES_PER_CLASS.test;
    const lines = isTrain ? jsonl.train : (jsonl[`test-${style}`] = []);
    classes.forEach((c, label) => {
      for (let k = 0; k < per; k++) {
        const rel = `domains/${style}/${classFolder(label, c.name)}/${k}.png`;
        addOutput(style, c.codepoint, { rel, render: place(`domain|${style}|${c.codepoint}|${k}`, isTrain) });
        lines.push(JSON.stringify({ path: rel, label }));
      }
    });
    splits[style] = { path: `domains/${style}`, images: classes.length * per, kind: 'imagefolder' };
  }

  // Retrieval: RETRIEVAL_IMAGES_PER_CLASS images per class, each in its own seeded style.
  const captionLines: string[] = [];
  classes.forEach((c, label) => {
    const styles = pickDistinct(STYLES, RETRIEVAL_IMAGES_PER_CLASS, `${seed}|retrieval-styles|${c.codepoint}`);
    styles.forEach((style, r) => {
      const k = label * RETRIEVAL_IMAGES_PER_CLASS + r;
      const rel = `retrieval/images/${k}.png`;
      addOutput(style, c.codepoint, { rel, render: place(`retrieval|${style}|${c.codepoint}|${r}`, false) });
      const keywords = pickDistinct(c.keywords.filter((w) => w !== c.name), 3, `${seed}|retrieval-keywords|${c.codepoint}|${r}`);
      const captions = [`a ${STYLE_DESCRIPTIONS[style]} of ${withArticle(c.name)}`, `an emoji of ${withArticle(c.name)}`];
      if (keywords.length > 0) captions.push(`${c.name}: ${keywords.join(', ')}`);
      captionLines.push(JSON.stringify({ path: `images/${k}.png`, captions }));
    });
  });
  splits.retrieval = { path: 'retrieval/captions.jsonl', images: classes.length * RETRIEVAL_IMAGES_PER_CLASS, kind: 'captions' };

  // Near-OOD: other object emoji in the test styles.
  let nearCount = 0;
  OOD.near.forEach((e, j) => {
    for (let s = 0; s < NEAR_OOD_STYLES_PER_EMOJI; s++) {
      const style = TEST_STYLES[(j + s) % TEST_STYLES.length];
      if (!sources.has(style, e.codepoint)) throw new HoloclipError(`near-OOD emoji ${e.codepoint} is missing from ${style}; the installed packages do not match ood.json`);
      const rel = `near-ood/${nearCount++}.png`;
      addOutput(style, e.codepoint, { rel, render: place(`near|${style}|${e.codepoint}`, false) });
    }
  });
  splits['near-ood'] = { path: 'near-ood', images: nearCount, kind: 'unlabelled' };

  // Far-OOD: flags and symbols in any style that has them, then procedural textures.
  let farCount = 0;
  for (const e of OOD.far) {
    const available = farStyles(sources.stylesOf(e.codepoint), e.kind);
    if (available.length === 0) throw new HoloclipError(`far-OOD emoji ${e.codepoint} is in none of the styles; the installed packages do not match ood.json`);
    // Distinct styles where there are enough; a flag only twemoji has gets two augmentations of it.
    const styles = pickDistinct(available, FAR_OOD_IMAGES_PER_EMOJI, `${seed}|far-styles|${e.codepoint}`);
    while (styles.length < FAR_OOD_IMAGES_PER_EMOJI) styles.push(styles[styles.length % available.length]);
    styles.forEach((style, r) => {
      const rel = `far-ood/${farCount++}.png`;
      addOutput(style, e.codepoint, { rel, render: place(`far|${style}|${e.codepoint}|${r}`, false) });
    });
  }
  const textures: Array<{ rel: string; k: number }> = [];
  for (let t = 0; t < FAR_OOD_TEXTURES; t++) textures.push({ rel: `far-ood/${farCount++}.png`, k: t });
  splits['far-ood'] = { path: 'far-ood', images: farCount, kind: 'unlabelled' };

  // Cue-conflict: 16 shape categories x CUE_CONFLICT_PER_SHAPE stimuli.
  const cueClasses = CUE_CONFLICT_CLASSES.map((name) => {
    const c = classes.find((x) => x.name === name);
    if (!c || !/^[a-z]+$/.test(name)) throw new HoloclipError(`cue-conflict category ${name} is not a single-word emoji-shift class`);
    return c;
  });
  const cueJobs: Array<{ rel: string; shape: EmojiShiftClass; shapeStyle: Style; texture: EmojiShiftClass; textureStyle: Style; key: string }> = [];
  cueClasses.forEach((shape, s) => {
    const others = cueClasses.filter((_, t) => t !== s);
    const textures = pickDistinct(others, CUE_CONFLICT_PER_SHAPE, `${seed}|cue-textures|${shape.name}`);
    if (CUE_CONFLICT_SAME.has(s)) textures[CUE_CONFLICT_PER_SHAPE - 1] = shape;
    textures.forEach((texture, i) => {
      const shapeStyle = TRAIN_STYLES[i % TRAIN_STYLES.length];
      const j = (i + s) % TRAIN_STYLES.length;
      const textureStyle = TRAIN_STYLES[j];
      const rel = `cue-conflict/${shape.name}/${shape.name}${i + 1}-${texture.name}${j + 1}.png`;
      cueJobs.push({ rel, shape, shapeStyle, texture, textureStyle, key: `${seed}|cue|${shape.name}|${i}` });
    });
  });
  splits['cue-conflict'] = { path: 'cue-conflict', images: cueJobs.length, kind: 'cue-conflict' };

  splits.train = { path: 'train.jsonl', images: jsonl.train.length, kind: 'jsonl' };
  for (const style of TEST_STYLES) splits[`test-${style}`] = { path: `test-${style}.jsonl`, images: jsonl[`test-${style}`].length, kind: 'jsonl' };
  // All test styles in one manifest: the in-distribution set of the OOD task (near-OOD is in these styles).
  jsonl.test = TEST_STYLES.flatMap((style) => jsonl[`test-${style}`]);
  splits.test = { path: 'test.jsonl', images: jsonl.test.length, kind: 'jsonl' };

  // Render.
  const jobList = [...jobs.values()];
  const total = jobList.reduce((n, j) => n + j.outputs.length, 0) + textures.length + cueJobs.length;
  let done = 0;
  progress.start('emoji-shift', total, 'images');
  const save = async (rel: string, canvas: Canvas): Promise<void> => {
    const png = await encodePng(canvas);
    const file = confinedPath(root, rel, `benchmark file "${rel}"`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, png);
    files[rel] = createHash('sha256').update(png).digest('hex');
    progress.update(++done);
  };
  await mapLimit(jobList, concurrency, async (job) => {
    const sprite = prepareSprite(await sources.render(job.style, job.codepoint), Math.ceil(placement.scale[1] * size));
    for (const o of job.outputs) await save(o.rel, o.render(sprite));
  });
  await mapLimit(textures, concurrency, async ({ rel, k }) => {
    await save(rel, proceduralTexture(TEXTURE_KINDS[k % TEXTURE_KINDS.length], size, rngFor(`${seed}|texture|${k}`)));
  });
  const sprites = new Map<string, Promise<PreparedSprite>>();
  const sprite = (style: Style, codepoint: string): Promise<PreparedSprite> => {
    const key = `${style}|${codepoint}`;
    let p = sprites.get(key);
    if (!p) {
      p = sources.render(style, codepoint).then(premultiply);
      sprites.set(key, p);
    }
    return p;
  };
  await mapLimit(cueJobs, concurrency, async (c) => {
    const canvas = cueConflict(await sprite(c.shapeStyle, c.shape.codepoint), await sprite(c.textureStyle, c.texture.codepoint), size, rngFor(c.key));
    await save(c.rel, canvas);
  });
  progress.finish();

  // Text files.
  const text = async (rel: string, content: string): Promise<void> => {
    const file = confinedPath(root, rel, `benchmark file "${rel}"`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    files[rel] = createHash('sha256').update(content).digest('hex');
  };
  await text('ATTRIBUTION.txt', attribution(packages));
  await text('classnames.txt', `${classes.map((c) => c.name).join('\n')}\n`);
  await text('classes.json', `${JSON.stringify(classes.map((c, label) => ({ label, folder: classFolder(label, c.name), ...c })), null, 2)}\n`);
  await text('retrieval/captions.jsonl', `${captionLines.join('\n')}\n`);
  for (const [name, lines] of Object.entries(jsonl)) await text(`${name}.jsonl`, `${lines.join('\n')}\n`);

  const sortedFiles: Record<string, string> = {};
  for (const rel of Object.keys(files).sort()) sortedFiles[rel] = files[rel];
  const manifest: EmojiShiftManifest = {
    benchmark: 'emoji-shift',
    version: EMOJI_SHIFT_VERSION,
    seed,
    image_size: size,
    classes: classes.length,
    styles: { train: [...TRAIN_STYLES], test: [...TEST_STYLES] },
    splits,
    packages,
    config_sha256: configHash(),
    files_sha256: sortedFiles,
  };
  await writeFile(path.join(root, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
