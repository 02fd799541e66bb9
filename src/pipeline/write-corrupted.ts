/**
 * `holoclip corrupt --out DIR`: corrupted copies of a dataset in the ImageNet-C folder layout,
 * `<corruption>/<severity>/<relative path of the image>` (for an ImageFolder: `<class>/<file>`),
 * for use by other tools. Files are written atomically and existing ones are kept, so an
 * interrupted run resumes.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadSharp } from '../util/heavy-modules.js';
import { corrupt, encodePng, finishCorrupted, loadForCorruption } from '../corruptions/apply.js';
import { IMAGENET_C_JPEG_QUALITY } from '../corruptions/protocol.js';
import { findCorruption, type CorruptionSpec } from '../corruptions/registry.js';
import type { Dataset } from '../data/index.js';
import { readItemBytes, TarHandles } from '../data/item-bytes.js';
import { loadAlignedDepth } from '../depth/alignment.js';
import { errorMessage, HoloclipError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import { sha256 } from '../store/hash.js';
import { forEachLimit } from '../util/concurrency.js';
import { confinedPath } from '../util/paths.js';
import type { ProgressSink } from '../util/progress.js';

export type CorruptedFormat = 'png' | 'jpeg';

export interface WriteCorruptedOptions {
  readonly dataset: Dataset;
  readonly specs: readonly CorruptionSpec[];
  readonly out: string;
  /**
   * png (lossless) or jpeg (quality 85, as the published ImageNet-C files). With jpeg, the specs' protocol must
   * say JPEG quality 85 (the file is that round trip); with png, the PNG holds the protocol's pixels
   * (after its JPEG round trip, if it has one).
   */
  readonly format: CorruptedFormat;
  /** Depth map per item index, for 3D corruptions. */
  readonly depthPaths?: ReadonlyMap<number, string>;
  readonly progress: ProgressSink;
  readonly concurrency?: number;
}

export interface WriteCorruptedResult {
  written: number;
  kept: number;
  failures: Array<{ id: string; error: string }>;
}

/**
 * `<out>/<corruption>/<severity>/<item id, extension replaced>`; an item id that would leave `out` (`..`, absolute,
 * NUL: a hostile tar member name) is a HoloclipError naming the item.
 */
export function corruptedPath(out: string, spec: CorruptionSpec, itemId: string, format: CorruptedFormat): string {
  const rel = itemId.replace(/\.[^./]+$/, '') + (format === 'png' ? '.png' : '.jpg');
  const what = `item "${itemId}"`;
  return confinedPath(confinedPath(out, path.join(spec.name, String(spec.severity)), `corruption "${spec.name}"`), rel, what);
}

export async function writeCorrupted(options: WriteCorruptedOptions): Promise<WriteCorruptedResult> {
  const { dataset, specs, out, format, progress } = options;
  for (const spec of specs) {
    if (format === 'jpeg' && spec.protocol.jpegQuality !== IMAGENET_C_JPEG_QUALITY) {
      throw new HoloclipError(`internal: JPEG files are written at quality ${IMAGENET_C_JPEG_QUALITY}; the corruption protocol says ${spec.protocol.jpegQuality ?? 'no JPEG'}`);
    }
  }
  const geometries = new Set(specs.map((s) => s.protocol.geometry));
  if (geometries.size > 1) throw new HoloclipError(`internal: one geometry per writeCorrupted call, got ${[...geometries].join(', ')}`);
  // Every output path first: an item whose id would leave `out` stops the run before anything is written.
  const targetsAt = Array.from(dataset.items, (item) => specs.map((spec) => ({ spec, file: corruptedPath(out, spec, item.id, format) })));
  const result: WriteCorruptedResult = { written: 0, kept: 0, failures: [] };
  progress.start('corrupting', dataset.items.length * specs.length, 'img');
  let done = 0;
  // Tar members (WebDataset shards) are read in place; plain files as usual.
  const tars = new TarHandles();
  await forEachLimit(dataset.items, options.concurrency ?? 2, async (item, at) => {
    const targets = targetsAt[at];
    const missing = [];
    for (const t of targets) {
      if (await fs.access(t.file).then(() => true, () => false)) result.kept++;
      else missing.push(t);
    }
    if (missing.length > 0) {
      try {
        const { bytes } = await readItemBytes(item, tars);
        const key = sha256(bytes);
        const { image, geometry } = await loadForCorruption(bytes, item.path, specs[0].protocol.geometry);
        const depthPath = options.depthPaths?.get(item.index);
        const depth = depthPath && missing.some((t) => findCorruption(t.spec.name)?.needsDepth) ? (await loadAlignedDepth(depthPath, geometry)).map : undefined;
        for (const t of missing) {
          const corrupted = corrupt(image, t.spec, key, depth);
          // A JPEG file is the protocol's round trip itself (libjpeg-turbo, as PIL): decoded, it gives the pixels
          // finishCorrupted gives.
          const encoded =
            format === 'png'
              ? await encodePng(finishCorrupted(corrupted, t.spec.protocol), 6)
              : await (await loadSharp())(Buffer.from(corrupted.data.buffer, corrupted.data.byteOffset, corrupted.data.length), { raw: { width: corrupted.width, height: corrupted.height, channels: 3 } })
                  .jpeg({ quality: IMAGENET_C_JPEG_QUALITY })
                  .toBuffer();
          await writeFileAtomic(t.file, encoded);
          result.written++;
        }
      } catch (err) {
        result.failures.push({ id: item.id, error: errorMessage(err) });
      }
    }
    done += targets.length;
    progress.update(done);
  });
  await tars.close();
  progress.finish();
  return result;
}
