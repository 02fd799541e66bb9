/**
 * The image-folder dataset of `npm run bench:scale`: N distinct images rendered by the emoji-shift benchmark's own
 * renderer (src/benchmarks/emoji-shift: the same art, sprite preparation and seeded placement with colour jitter),
 * at the zoo's input size. Image i shows class i mod 147 in style STYLES[(i / 147) mod 6], placed with the seed
 * key `scale|<i>`, in `<NNN_slug>/<i>.png`, so the first n images of any folder are the same bytes whatever N.
 *
 * A folder `images-<n>` is complete when `images-<n>.json` next to it (written last) names this generator's version and N; a
 * complete folder is reused, an incomplete one is rendered again from scratch. A smaller size is made from a
 * complete larger one by hard links (same bytes, no rendering).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { classFolder, EMOJI_SHIFT_CLASSES } from '../src/benchmarks/emoji-shift/build.js';
import { encodePng, placeSprite, prepareSprite, rngFor, type PreparedSprite } from '../src/benchmarks/emoji-shift/render.js';
import { EmojiSources, STYLES } from '../src/benchmarks/emoji-shift/sources.js';
import { mapLimit } from '../src/util/concurrency.js';

/** Bump when the images change (invalidates cached folders). */
export const SCALE_DATASET_VERSION = 1;
/** The zoo models' resize target (shortest edge 72, centre crop 64). */
export const SCALE_IMAGE_SIZE = 72;
const PLACEMENT = { scale: [0.6, 0.82] as [number, number], rotation: 10, jitter: true };

interface Marker {
  version: number;
  images: number;
  size: number;
  classes: number;
  /** sha256 over the sorted per-image sha256s: identical across machines with the same art packages. */
  content_sha256: string;
  distinct: number;
}

export interface ScaleDataset {
  dir: string;
  images: number;
  /** Rendered now (false: a complete cached folder was reused). */
  made: boolean;
  seconds: number;
  contentSha256: string;
}

/** Relative path of image `i`. */
export function scaleImagePath(i: number): string {
  const label = i % EMOJI_SHIFT_CLASSES.length;
  return path.join(classFolder(label, EMOJI_SHIFT_CLASSES[label].name), `${String(i).padStart(6, '0')}.png`);
}

async function readMarker(dir: string): Promise<Marker | null> {
  try {
    return JSON.parse(await fs.readFile(`${dir}.json`, 'utf8')) as Marker;
  } catch {
    return null;
  }
}

function complete(marker: Marker | null, images: number): marker is Marker {
  return marker !== null && marker.version === SCALE_DATASET_VERSION && marker.images === images && marker.size === SCALE_IMAGE_SIZE;
}

async function prepareFolder(dir: string): Promise<void> {
  await fs.rm(`${dir}.json`, { force: true });
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  for (let label = 0; label < EMOJI_SHIFT_CLASSES.length; label++) {
    await fs.mkdir(path.join(dir, classFolder(label, EMOJI_SHIFT_CLASSES[label].name)));
  }
}

/** Render `images` images into `dir` (replacing what is there). */
async function render(dir: string, images: number, log: (line: string) => void): Promise<Marker> {
  await prepareFolder(dir);
  const sources = await EmojiSources.open();
  const classes = EMOJI_SHIFT_CLASSES;
  const box = Math.ceil(PLACEMENT.scale[1] * SCALE_IMAGE_SIZE);
  const sprites = new Map<string, Promise<PreparedSprite>>();
  const sprite = (label: number, style: (typeof STYLES)[number]): Promise<PreparedSprite> => {
    const key = `${style}|${classes[label].codepoint}`;
    let p = sprites.get(key);
    if (!p) {
      p = sources.render(style, classes[label].codepoint).then((s) => prepareSprite(s, box));
      sprites.set(key, p);
    }
    return p;
  };
  const digests = new Array<string>(images);
  const seen = new Set<string>();
  let lastLog = performance.now();
  const indices = Array.from({ length: images }, (_, i) => i);
  await mapLimit(indices, 8, async (i) => {
    const label = i % classes.length;
    const style = STYLES[Math.floor(i / classes.length) % STYLES.length];
    const s = await sprite(label, style);
    // Distinct bytes for every image (the store embeds identical files once): a repeat is drawn again.
    for (let attempt = 0; ; attempt++) {
      const png = await encodePng(placeSprite(s, SCALE_IMAGE_SIZE, rngFor(`scale|${i}${attempt === 0 ? '' : `|${attempt}`}`), PLACEMENT));
      const digest = createHash('sha256').update(png).digest('hex');
      if (seen.has(digest) && attempt < 10) continue;
      seen.add(digest);
      digests[i] = digest;
      await fs.writeFile(path.join(dir, scaleImagePath(i)), png);
      break;
    }
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`  rendered ${i + 1} / ${images}`);
    }
  });
  return {
    version: SCALE_DATASET_VERSION,
    images,
    size: SCALE_IMAGE_SIZE,
    classes: classes.length,
    content_sha256: createHash('sha256').update([...digests].sort().join('\n')).digest('hex'),
    distinct: seen.size,
  };
}

/** The first `images` images of the complete folder `from`, hard-linked (copied where links fail) into `dir`. */
async function linkSubset(from: string, dir: string, images: number): Promise<Marker> {
  await prepareFolder(dir);
  const digests: string[] = [];
  await mapLimit(
    Array.from({ length: images }, (_, i) => i),
    16,
    async (i) => {
      const rel = scaleImagePath(i);
      await fs.link(path.join(from, rel), path.join(dir, rel)).catch(() => fs.copyFile(path.join(from, rel), path.join(dir, rel)));
      digests[i] = createHash('sha256').update(await fs.readFile(path.join(dir, rel))).digest('hex');
    },
  );
  return {
    version: SCALE_DATASET_VERSION,
    images,
    size: SCALE_IMAGE_SIZE,
    classes: EMOJI_SHIFT_CLASSES.length,
    content_sha256: createHash('sha256').update([...digests].sort().join('\n')).digest('hex'),
    distinct: new Set(digests).size,
  };
}

/**
 * `<cache>/images-<n>` for every n in `sizes`, reused when complete. The largest is rendered, the others are
 * hard-linked from it.
 */
export async function scaleDatasets(cache: string, sizes: readonly number[], log: (line: string) => void): Promise<Map<number, ScaleDataset>> {
  const result = new Map<number, ScaleDataset>();
  const sorted = [...new Set(sizes)].sort((a, b) => b - a);
  const largest = sorted[0];
  const dirOf = (n: number) => path.join(cache, `images-${n}`);
  for (const n of sorted) {
    const dir = dirOf(n);
    const t0 = performance.now();
    let marker = await readMarker(dir);
    let made = false;
    if (!complete(marker, n)) {
      log(n === largest ? `rendering ${n} images into ${dir} ...` : `linking the first ${n} images of ${dirOf(largest)} into ${dir} ...`);
      marker = n === largest ? await render(dir, n, log) : await linkSubset(dirOf(largest), dir, n);
      await fs.writeFile(`${dir}.json`, `${JSON.stringify(marker, null, 2)}\n`);
      made = true;
    }
    result.set(n, { dir, images: n, made, seconds: (performance.now() - t0) / 1000, contentSha256: marker.content_sha256 });
    if (marker.distinct !== n) log(`warning: ${dir} holds ${marker.distinct} distinct images of ${n}`);
  }
  return result;
}
