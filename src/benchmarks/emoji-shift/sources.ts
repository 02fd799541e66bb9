/**
 * The emoji art of emoji-shift, read from npm packages (nothing is vendored into the repository):
 *
 * | style         | package                                  | art                                            |
 * |---------------|------------------------------------------|------------------------------------------------|
 * | noto          | @iconify-json/noto                       | iconify JSON: `icons[name].body` SVG fragments |
 * | twemoji       | @iconify-json/twemoji                    | iconify JSON                                   |
 * | fluent-flat   | @iconify-json/fluent-emoji-flat          | iconify JSON                                   |
 * | silhouette    | @iconify-json/fluent-emoji-high-contrast | iconify JSON, `currentColor` drawn black       |
 * | fluent-3d     | @lobehub/fluent-emoji-3d                 | `assets/<codepoints>.webp`, 256x256 RGBA        |
 * | openmoji      | openmoji                                 | `black/svg/<CODEPOINTS>.svg` line art (72x72)  |
 *
 * An emoji is named by its codepoint sequence in lowercase hex joined by "-", without the FE0F
 * variation selector (the key of the iconify `chars.json` files): "1f415", "2708". Each package's own
 * spelling (lobehub keeps FE0F, openmoji is uppercase) is mapped to that key when the package is opened.
 *
 * Metadata (CLDR annotation, tags, Unicode group and subgroup) comes from openmoji's data/openmoji.json.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Sharp } from 'sharp';
import { loadSharp } from '../../util/heavy-modules.js';
import { HoloclipError } from '../../errors.js';

export const STYLES = ['noto', 'twemoji', 'fluent-flat', 'fluent-3d', 'silhouette', 'openmoji'] as const;
export type Style = (typeof STYLES)[number];
export const TRAIN_STYLES: readonly Style[] = ['noto', 'twemoji', 'fluent-flat'];
export const TEST_STYLES: readonly Style[] = ['fluent-3d', 'silhouette', 'openmoji'];

/** How each style is described in retrieval captions ("a <description> of a dog"). */
export const STYLE_DESCRIPTIONS: Record<Style, string> = {
  noto: 'glossy cartoon emoji',
  twemoji: 'flat vector emoji',
  'fluent-flat': 'flat colourful icon',
  'fluent-3d': '3D rendered emoji',
  silhouette: 'black silhouette icon',
  openmoji: 'black line drawing',
};

export const STYLE_PACKAGES: Record<Style, string> = {
  noto: '@iconify-json/noto',
  twemoji: '@iconify-json/twemoji',
  'fluent-flat': '@iconify-json/fluent-emoji-flat',
  silhouette: '@iconify-json/fluent-emoji-high-contrast',
  'fluent-3d': '@lobehub/fluent-emoji-3d',
  openmoji: 'openmoji',
};

/** The art packages, in a fixed order (recorded with their versions in manifest.json). */
export const ART_PACKAGES: readonly string[] = [
  '@iconify-json/noto',
  '@iconify-json/twemoji',
  '@iconify-json/fluent-emoji-flat',
  '@iconify-json/fluent-emoji-high-contrast',
  '@lobehub/fluent-emoji-3d',
  'openmoji',
];

/**
 * The styles a far-OOD emoji is drawn in: flags only in colour (openmoji's black flags and the
 * high-contrast ones are mostly empty rectangles).
 */
export function farStyles(styles: readonly Style[], kind: 'flag' | 'symbol'): Style[] {
  return kind === 'flag' ? styles.filter((s) => s !== 'openmoji' && s !== 'silhouette') : [...styles];
}

/** A rendered emoji: straight (not premultiplied) RGBA, trimmed to the bounding box of its visible pixels. */
export interface Sprite {
  data: Buffer;
  width: number;
  height: number;
}

export interface EmojiMeta {
  codepoint: string;
  annotation: string;
  tags: string[];
  group: string;
  subgroup: string;
}

interface IconifyIcon {
  body: string;
  left?: number;
  top?: number;
  width?: number;
  height?: number;
  hFlip?: boolean;
  vFlip?: boolean;
  rotate?: number;
}

interface IconifyAlias extends Partial<IconifyIcon> {
  parent: string;
}

interface IconifySet {
  icons: Record<string, IconifyIcon>;
  aliases?: Record<string, IconifyAlias>;
  width?: number;
  height?: number;
  left?: number;
  top?: number;
}

/** Side, in pixels, of the square every source emoji is rendered at before it is trimmed. */
export const SOURCE_SIZE = 256;

/** "1F415-FE0F" / "2708-fe0f" -> "1f415" / "2708". */
export function normalizeCodepoint(seq: string): string {
  return seq
    .toLowerCase()
    .split('-')
    .filter((p) => p !== '' && p !== 'fe0f')
    .join('-');
}

/** The emoji character(s) of a codepoint key ("1f415" -> "🐕"). */
export function codepointToChar(codepoint: string): string {
  return String.fromCodePoint(...codepoint.split('-').map((h) => Number.parseInt(h, 16)));
}

/** Directory of an installed package, found through Node's module resolution paths from this file. */
export function packageDir(name: string): string {
  const require = createRequire(import.meta.url);
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = path.join(base, name);
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  throw new HoloclipError(`the emoji art package ${name} is not installed; run \`npm install\` in the holoclip folder`);
}

export async function packageVersion(name: string): Promise<string> {
  const pkg = JSON.parse(await readFile(path.join(packageDir(name), 'package.json'), 'utf8')) as { version?: string };
  return String(pkg.version);
}

export async function artPackageVersions(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of ART_PACKAGES) out[name] = await packageVersion(name);
  return out;
}

interface IconifyStyle {
  kind: 'iconify';
  set: IconifySet;
  chars: Record<string, string>;
  black: boolean;
}

interface FileStyle {
  kind: 'webp' | 'svg';
  files: Map<string, string>;
}

/** Opened art packages: which emoji each style has, how to render them, and the emoji metadata. */
export class EmojiSources {
  private constructor(
    private readonly styles: Record<Style, IconifyStyle | FileStyle>,
    readonly meta: Map<string, EmojiMeta>,
  ) {}

  static async open(): Promise<EmojiSources> {
    const iconify = async (pkg: string, black: boolean): Promise<IconifyStyle> => {
      const dir = packageDir(pkg);
      const set = JSON.parse(await readFile(path.join(dir, 'icons.json'), 'utf8')) as IconifySet;
      const chars = JSON.parse(await readFile(path.join(dir, 'chars.json'), 'utf8')) as Record<string, string>;
      const normalized: Record<string, string> = {};
      for (const [k, v] of Object.entries(chars)) normalized[normalizeCodepoint(k)] ??= v;
      return { kind: 'iconify', set, chars: normalized, black };
    };
    const files = async (dir: string, ext: string, kind: 'webp' | 'svg'): Promise<FileStyle> => {
      const map = new Map<string, string>();
      const names = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith(ext)).sort();
      for (const f of names) {
        const key = normalizeCodepoint(f.slice(0, -ext.length));
        if (!map.has(key)) map.set(key, path.join(dir, f));
      }
      return { kind, files: map };
    };
    const openmojiDir = packageDir('openmoji');
    const styles: Record<Style, IconifyStyle | FileStyle> = {
      noto: await iconify(STYLE_PACKAGES.noto, false),
      twemoji: await iconify(STYLE_PACKAGES.twemoji, false),
      'fluent-flat': await iconify(STYLE_PACKAGES['fluent-flat'], false),
      silhouette: await iconify(STYLE_PACKAGES.silhouette, true),
      'fluent-3d': await files(path.join(packageDir(STYLE_PACKAGES['fluent-3d']), 'assets'), '.webp', 'webp'),
      openmoji: await files(path.join(openmojiDir, 'black', 'svg'), '.svg', 'svg'),
    };
    const meta = new Map<string, EmojiMeta>();
    const rows = JSON.parse(await readFile(path.join(openmojiDir, 'data', 'openmoji.json'), 'utf8')) as Array<Record<string, string>>;
    for (const row of rows) {
      if (row.skintone) continue;
      const codepoint = normalizeCodepoint(row.hexcode);
      if (meta.has(codepoint)) continue;
      const tags = [row.tags, row.openmoji_tags]
        .flatMap((t) => (t ?? '').split(','))
        .map((t) => t.trim().toLowerCase())
        .filter((t) => t !== '');
      meta.set(codepoint, { codepoint, annotation: row.annotation, tags: [...new Set(tags)], group: row.group, subgroup: row.subgroups });
    }
    return new EmojiSources(styles, meta);
  }

  has(style: Style, codepoint: string): boolean {
    const s = this.styles[style];
    if (s.kind === 'iconify') {
      const name = s.chars[codepoint];
      return name !== undefined && this.resolveIcon(s.set, name) !== null;
    }
    return s.files.has(codepoint);
  }

  /** The styles (in STYLES order) that have `codepoint`. */
  stylesOf(codepoint: string): Style[] {
    return STYLES.filter((st) => this.has(st, codepoint));
  }

  /** Render `codepoint` in `style` at SOURCE_SIZE (WebP art: as stored, 256 px) and trim it to its visible pixels. */
  async render(style: Style, codepoint: string): Promise<Sprite> {
    const sharp = await loadSharp();
    const s = this.styles[style];
    let img: Sharp;
    if (s.kind === 'iconify') {
      const name = s.chars[codepoint];
      const icon = name === undefined ? null : this.resolveIcon(s.set, name);
      if (icon === null) throw new HoloclipError(`${STYLE_PACKAGES[style]} has no emoji ${codepoint}`);
      img = sharp(Buffer.from(iconifySvg(icon, s.set, s.black)));
    } else {
      const file = s.files.get(codepoint);
      if (file === undefined) throw new HoloclipError(`${STYLE_PACKAGES[style]} has no emoji ${codepoint}`);
      if (s.kind === 'svg') {
        img = sharp(Buffer.from(sizedSvg(await readFile(file, 'utf8'))));
      } else {
        img = sharp(await readFile(file)); // 256x256 already; trimmed and resampled like the others
      }
    }
    const { data, info } = await img.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return trimSprite({ data, width: info.width, height: info.height });
  }

  private resolveIcon(set: IconifySet, name: string): IconifyIcon | null {
    let transform: { hFlip: boolean; vFlip: boolean; rotate: number } = { hFlip: false, vFlip: false, rotate: 0 };
    let current = name;
    for (let depth = 0; depth < 8; depth++) {
      const icon = set.icons[current];
      if (icon) {
        return {
          ...icon,
          hFlip: Boolean(icon.hFlip) !== transform.hFlip,
          vFlip: Boolean(icon.vFlip) !== transform.vFlip,
          rotate: ((icon.rotate ?? 0) + transform.rotate) % 4,
        };
      }
      const alias = set.aliases?.[current];
      if (!alias) return null;
      transform = {
        hFlip: transform.hFlip !== Boolean(alias.hFlip),
        vFlip: transform.vFlip !== Boolean(alias.vFlip),
        rotate: transform.rotate + (alias.rotate ?? 0),
      };
      current = alias.parent;
    }
    return null;
  }
}

/** A standalone SVG document for an iconify icon, SOURCE_SIZE px square. */
function iconifySvg(icon: IconifyIcon, set: IconifySet, black: boolean): string {
  const left = icon.left ?? set.left ?? 0;
  const top = icon.top ?? set.top ?? 0;
  const width = icon.width ?? set.width ?? 16;
  const height = icon.height ?? set.height ?? 16;
  let body = icon.body;
  const cx = left + width / 2;
  const cy = top + height / 2;
  const transforms: string[] = [];
  if (icon.rotate) transforms.push(`rotate(${icon.rotate * 90} ${cx} ${cy})`);
  if (icon.hFlip || icon.vFlip) {
    transforms.push(`translate(${cx} ${cy}) scale(${icon.hFlip ? -1 : 1} ${icon.vFlip ? -1 : 1}) translate(${-cx} ${-cy})`);
  }
  if (transforms.length > 0) body = `<g transform="${transforms.join(' ')}">${body}</g>`;
  if (black) body = body.replaceAll('currentColor', '#000000');
  const side = Math.max(width, height);
  const vb = `${left - (side - width) / 2} ${top - (side - height) / 2} ${side} ${side}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${SOURCE_SIZE}" height="${SOURCE_SIZE}" viewBox="${vb}">${body}</svg>`;
}

/** An SVG file with its root width/height set to SOURCE_SIZE (openmoji files have only a viewBox). */
function sizedSvg(svg: string): string {
  return svg.replace(/<svg\b([^>]*)>/, (_m, attrs: string) => {
    const cleaned = attrs.replace(/\s(width|height)="[^"]*"/g, '');
    return `<svg${cleaned} width="${SOURCE_SIZE}" height="${SOURCE_SIZE}">`;
  });
}

/** Crop RGBA to the bounding box of pixels with alpha > 8; zero the colour of fully transparent pixels. */
export function trimSprite(sprite: Sprite): Sprite {
  const { data, width, height } = sprite;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[(y * width + x) * 4 + 3] > 8) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) throw new HoloclipError('an emoji rendered as an empty image');
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const out = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    data.copy(out, y * w * 4, ((y + y0) * width + x0) * 4, ((y + y0) * width + x0 + w) * 4);
  }
  for (let i = 0; i < out.length; i += 4) {
    if (out[i + 3] === 0) out[i] = out[i + 1] = out[i + 2] = 0;
  }
  return { data: out, width: w, height: h };
}
