/**
 * A contact sheet: one image corrupted by every corruption at every severity, on one PNG (rows:
 * corruptions; columns: clean, severity 1..5), so a person can check the corruptions by eye.
 */
import { createHash } from 'node:crypto';
import type { OverlayOptions } from 'sharp';
import { loadSharp } from '../util/heavy-modules.js';
import { corruptAsMade, encodePng, loadForCorruption } from './apply.js';
import { HoloclipError } from '../errors.js';
import type { CorruptionSpec } from './registry.js';
import type { DepthMap } from './types.js';

const LABEL_WIDTH = 150;
const HEADER_HEIGHT = 28;

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function textSvg(width: number, height: number, text: string, anchor: 'start' | 'middle'): Buffer {
  const x = anchor === 'start' ? 8 : width / 2;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><text x="${x}" y="${height / 2 + 5}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="14" text-anchor="${anchor}" fill="#222">${escapeXml(text)}</text></svg>`,
  );
}

export interface ContactSheetOptions {
  /** Tile size in pixels (the 224 px corrupted image is scaled to it). */
  readonly tile?: number;
  /** Depth map aligned with the 224 crop, for 3D corruptions (rows that need one are skipped without it). */
  readonly depth?: DepthMap;
}

/** Renders the sheet for the corruptions in `specs` (grouped by name, severities as columns). Returns PNG bytes. */
export async function contactSheet(imageBytes: Buffer, file: string, specs: readonly CorruptionSpec[], options: ContactSheetOptions = {}): Promise<{ png: Buffer; rows: string[]; skipped: string[] }> {
  const sharp = await loadSharp();
  const tile = options.tile ?? 160;
  if (specs.length === 0) throw new HoloclipError('contact sheet: no corruption given');
  // The specs of one sheet share one protocol (they come from one --corruption value).
  const { image } = await loadForCorruption(imageBytes, file, specs[0].protocol.geometry);
  const imageKey = createHash('sha256').update(imageBytes).digest('hex');
  const names: string[] = [];
  for (const s of specs) if (!names.includes(s.name)) names.push(s.name);
  const severities = [...new Set(specs.map((s) => s.severity))].sort((a, b) => a - b);
  const skipped: string[] = [];
  const rows: string[] = [];
  const composites: OverlayOptions[] = [];
  const toTile = async (png: Buffer) => sharp(png).resize(tile, tile).png().toBuffer();
  const cleanTile = await toTile(await encodePng(image));
  for (const name of names) {
    const row = rows.length;
    const rowSpecs = severities.map((sev) => specs.find((s) => s.name === name && s.severity === sev));
    let tiles: Array<Buffer | null>;
    try {
      tiles = await Promise.all(rowSpecs.map(async (spec) => (spec ? toTile(await encodePng(corruptAsMade(image, spec, imageKey, options.depth))) : null)));
    } catch (err) {
      skipped.push(`${name}: ${(err as Error).message}`);
      continue;
    }
    rows.push(name);
    const top = HEADER_HEIGHT + row * (tile + 4);
    composites.push({ input: textSvg(LABEL_WIDTH, tile, name, 'start'), left: 0, top });
    composites.push({ input: cleanTile, left: LABEL_WIDTH, top });
    tiles.forEach((t, i) => {
      if (t) composites.push({ input: t, left: LABEL_WIDTH + (i + 1) * (tile + 4), top });
    });
  }
  const width = LABEL_WIDTH + (severities.length + 1) * (tile + 4);
  const height = HEADER_HEIGHT + Math.max(1, rows.length) * (tile + 4);
  ['clean', ...severities.map((s) => `severity ${s}`)].forEach((label, i) => {
    composites.push({ input: textSvg(tile, HEADER_HEIGHT, label, 'middle'), left: LABEL_WIDTH + i * (tile + 4), top: 0 });
  });
  const png = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite(composites)
    .png({ compressionLevel: 9 })
    .toBuffer();
  return { png, rows, skipped };
}
