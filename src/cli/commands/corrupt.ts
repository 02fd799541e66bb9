/** `holoclip corrupt`: write corrupted copies of a dataset (ImageNet-C layout), a contact sheet, or list the corruptions. */
import { type Command, Option } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { contactSheet } from '../../corruptions/contact-sheet.js';
import { findDepthMap } from '../../depth/maps.js';
import { loadAlignedDepth } from '../../depth/alignment.js';
import { completeWithDepthModel, findDepthMaps, missingDepthError } from '../../depth/sources.js';
import { FileHashIndex } from '../../store/hash.js';
import { loadForCorruption } from '../../corruptions/apply.js';
import { CORRUPTIONS, findCorruption, parseCorruptions } from '../../corruptions/registry.js';
import { CORRUPTION_GEOMETRIES, IMAGENET_C_JPEG_QUALITY, type CorruptionGeometry } from '../../corruptions/protocol.js';
import { writeCorrupted, type CorruptedFormat } from '../../pipeline/write-corrupted.js';
import { openDataset, openImageList, type Dataset } from '../../data/index.js';
import { itemListOf } from '../../data/item-list.js';
import { HoloclipError } from '../../errors.js';
import { writeFileAtomic } from '../../store/atomic.js';
import { COMMAND_LIST } from '../command-list.js';
import { FORCE_UNLOCK_HELP, lockOutputFolder, nonNegativeInt, onInterrupt, positiveInt } from '../common-options.js';
import { createProgressDisplay } from '../progress-display.js';

interface Flags {
  data?: string;
  corruption?: string;
  out?: string;
  seed: number;
  format: CorruptedFormat;
  geometry: CorruptionGeometry;
  depthDir?: string;
  depthModel?: string;
  store: string;
  contactSheet?: string;
  image?: string;
  tile: number;
  list?: boolean;
  quiet?: boolean;
  forceUnlock?: boolean;
}

function listCorruptions(): string {
  const lines = ['name                 benchmark         family    random  depth  deviation from the reference'];
  for (const c of CORRUPTIONS) {
    lines.push(`${c.name.padEnd(20)} ${c.benchmark.padEnd(17)} ${c.family.padEnd(9)} ${(c.random ? 'yes' : 'no').padEnd(7)} ${(c.needsDepth ? 'yes' : 'no').padEnd(6)} ${c.deviation ?? '-'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs `fn` with the store's hash index (for the depth-map cache) and saves it afterwards. */
async function withDepthStore<T>(storeDir: string, fn: (store: { root: string; hashIndex: FileHashIndex }) => Promise<T>): Promise<T> {
  const root = path.resolve(storeDir);
  await fs.mkdir(root, { recursive: true });
  const hashIndex = await FileHashIndex.open(root);
  try {
    return await fn({ root, hashIndex });
  } finally {
    await hashIndex.save();
  }
}

/** An ImageFolder / manifest, or (when it has no class folders) any folder of images. */
async function openAnyDataset(p: string): Promise<Dataset> {
  try {
    return await openDataset({ path: p });
  } catch (err) {
    if ((await fs.stat(p).catch(() => null))?.isDirectory()) return openImageList(p);
    throw err;
  }
}

export function registerCorrupt(program: Command): void {
  program
    .command('corrupt')
    .description(COMMAND_LIST.corrupt.description)
    .option('--data <path>', 'dataset: ImageFolder, .jsonl manifest or a folder of images')
    .option('--corruption <spec>', 'NAME:SEVERITY, NAME (severities 1-5), imagenet-c, imagenet-c-extra, 3dcc or all, comma-separated', 'all')
    .option('--out <dir>', 'output folder for the corrupted copies')
    .option('--seed <n>', 'global seed of the random corruptions (the same as eval --corruption-seed)', nonNegativeInt, 0)
    .addOption(new Option('--format <f>', 'png (lossless) or jpeg (quality 85, like the published ImageNet-C files)').choices(['png', 'jpeg']).default('png'))
    .addOption(
      new Option('--geometry <g>', 'imagenet-c (Pillow decode, PIL bilinear Resize(256), CenterCrop(224), as make_imagenet_c.py), imagenet-c-lanczos3 (holoclip\'s earlier sharp resize) or none (the image\'s own size, as imagecorruptions)')
        .choices([...CORRUPTION_GEOMETRIES])
        .default('imagenet-c'),
    )
    .option('--depth-dir <dir>', '3D corruptions: folder holding each image\'s depth map at its relative path (default: <image>.depth.npy/.png next to it)')
    .option('--depth-model <dir>', '3D corruptions: a depth-estimation model folder for images without a depth map (maps cached in --store)')
    .option('--store <dir>', 'where estimated depth maps are cached', '.holoclip')
    .option('--contact-sheet <file.png>', 'write one PNG with every selected corruption x severity applied to one image (--image, or the first image of --data)')
    .option('--image <file>', 'the image of the contact sheet')
    .option('--tile <px>', 'contact sheet tile size (the 224 px images are scaled to it)', positiveInt, 160)
    .option('--list', 'list the corruptions, their families and their deviations from the reference implementations')
    .option('--quiet', 'no progress output')
    .option('--force-unlock', FORCE_UNLOCK_HELP)
    .addHelpText(
      'after',
      `
With --geometry imagenet-c (the default), every image is decoded as Pillow decodes it, resized (shortest
edge 256, PIL bilinear) and centre-cropped to 224 x 224 before it is corrupted, as ImageNet-C was made;
--format jpeg then saves quality-85 JPEGs, as the published files were saved (eval's --corruption-jpeg on). Random corruptions are seeded per image from (seed, sha256 of the file, corruption,
severity): the same image gets the same pixels in every run and process, here and in eval --corruption.

Examples:
  holoclip corrupt --list
  holoclip corrupt --data ~/data/imagenet/val --corruption imagenet-c --out ~/data/imagenet-c-holoclip
  holoclip corrupt --data val --corruption all --contact-sheet sheet.png
  holoclip corrupt --data rgbd --corruption 3dcc --depth-dir rgbd-depth --out rgbd-3dcc`,
    )
    .action(async (flags: Flags) => {
      if (flags.list) {
        process.stdout.write(listCorruptions());
        return;
      }
      if (!flags.contactSheet && !flags.out) throw new HoloclipError('give --out DIR (corrupted copies), --contact-sheet FILE.png, or --list');
      const specs = parseCorruptions(flags.corruption ?? 'all', flags.seed, { geometry: flags.geometry, jpegQuality: flags.format === 'jpeg' ? IMAGENET_C_JPEG_QUALITY : null });
      const progress = createProgressDisplay(process.stderr, flags.quiet === true);
      onInterrupt(() => {
        progress.finish();
        process.stderr.write('\nholoclip: interrupted; finished files are kept, rerun the same command to continue\n');
      });

      if (flags.contactSheet) {
        let file = flags.image;
        let dataset: Dataset | null = null;
        if (!file) {
          if (!flags.data) throw new HoloclipError('--contact-sheet needs --image FILE or --data PATH (its first image is used)');
          dataset = await openAnyDataset(flags.data);
          file = dataset.items.length > 0 ? dataset.items.get(0).path : undefined;
          if (!file) throw new HoloclipError(`${flags.data} holds no images`);
        }
        const bytes = await fs.readFile(file).catch((err: NodeJS.ErrnoException) => {
          throw new HoloclipError(`cannot read ${file}: ${err.message}`);
        });
        let depth;
        if (specs.some((s) => findCorruption(s.name)?.needsDepth)) {
          let depthFile = await findDepthMap(file, { depthDir: flags.depthDir, datasetRoot: dataset?.root ?? path.dirname(file) });
          if (!depthFile && flags.depthModel) {
            const one: Dataset = { kind: 'images', root: path.dirname(file), source: file, classnames: [], classnamesSource: 'none', items: itemListOf([{ id: path.basename(file), path: path.resolve(file), label: -1 }]), skipped: { hidden: 0, nonImage: 0, examples: [] } };
            const found = { paths: new Map<number, string>(), missing: [...one.items] };
            depthFile = (await withDepthStore(flags.store, (store) => completeWithDepthModel(found, flags.depthModel as string, store, progress))).paths.get(0) ?? null;
          }
          if (depthFile) {
            // Aligned with the pixels the corruption sees (the geometry decides the decoded size and the crop).
            const { geometry } = await loadForCorruption(bytes, file, flags.geometry);
            depth = (await loadAlignedDepth(depthFile, geometry)).map;
          }
        }
        const sheet = await contactSheet(bytes, file, specs, { depth, tile: flags.tile });
        await writeFileAtomic(flags.contactSheet, sheet.png);
        process.stdout.write(`contact sheet          ${path.resolve(flags.contactSheet)}: ${file}, ${sheet.rows.length} corruptions x ${new Set(specs.map((s) => s.severity)).size} severities\n`);
        for (const s of sheet.skipped) process.stdout.write(`skipped                ${s}\n`);
        if (!flags.out) return;
      }

      if (!flags.data) throw new HoloclipError('--out needs --data PATH');
      const lock = await lockOutputFolder(path.resolve(flags.out as string), flags);
      const dataset = await openAnyDataset(flags.data);
      let depthPaths = new Map<number, string>();
      const needDepth = specs.find((s) => findCorruption(s.name)?.needsDepth);
      if (needDepth) {
        const found = await findDepthMaps(dataset, flags.depthDir);
        if (found.missing.length > 0 && !flags.depthModel) throw missingDepthError(needDepth.name, found.missing, dataset.items.length);
        depthPaths = flags.depthModel ? (await withDepthStore(flags.store, (store) => completeWithDepthModel(found, flags.depthModel as string, store, progress))).paths : found.paths;
      }
      const out = path.resolve(flags.out as string);
      const t0 = performance.now();
      const res = await writeCorrupted({ dataset, specs, out, format: flags.format, depthPaths, progress });
      process.stdout.write(
        [
          `dataset                ${dataset.source}: ${dataset.items.length} images`,
          `corruptions            ${new Set(specs.map((s) => s.name)).size} (${specs.length} corruption x severity)`,
          `written                ${res.written} files, ${res.kept} already there`,
          ...(res.failures.length > 0 ? [`FAILED                 ${res.failures.length} images (first: ${res.failures[0].id}: ${res.failures[0].error})`] : []),
          `time                   ${((performance.now() - t0) / 1000).toFixed(1)} s`,
          `out                    ${out}/<corruption>/<severity>/...`,
        ].join('\n') + '\n',
      );
      lock.release();
      if (res.failures.length > 0) process.exitCode = 1;
    });
}
