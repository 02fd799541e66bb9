/** `holoclip bench list` and `holoclip bench build <name>`: benchmarks built from packaged sources. */
import type { Command } from 'commander';
import path from 'node:path';
import { BENCHMARKS, EMOJI_SHIFT_CLASSES, findBenchmark } from '../../benchmarks/index.js';
import { HoloclipError } from '../../errors.js';
import { COMMAND_LIST } from '../command-list.js';
import { FORCE_UNLOCK_HELP, lockOutput, nonNegativeInt } from '../common-options.js';
import { createProgressDisplay } from '../progress-display.js';

const EMOJI_SHIFT_HELP = `
emoji-shift: ${EMOJI_SHIFT_CLASSES.length} object classes (animals, food, vehicles, instruments, tools, household objects)
drawn in six emoji styles from npm packages (Noto, Twemoji, Fluent flat / 3D / high contrast, OpenMoji), 96x96
RGB PNGs on white with seeded scale, rotation and offset. Style is the distribution shift, as ImageNet
versus ImageNet-R / -Sketch. The output folder holds:

  domains/<style>/           one ImageFolder per style, class folders "<NNN>_<name>" in label order;
                             training styles noto, twemoji, fluent-flat (8 images per class),
                             test styles fluent-3d, silhouette, openmoji (4 per class)
  classnames.txt             prompt names in label order: pass it as --classnames
  train.jsonl, test-<style>.jsonl   {"path", "label"} manifests of the same images
  near-ood/                  other object emoji in the test styles (unlabelled; eval ood)
  far-ood/                   flags, symbols and procedural textures (unlabelled; eval ood)
  cue-conflict/<shape>/      <shape>N-<texture>M.png: a class silhouette filled with tiles of another
                             class, 16 categories (eval shape-bias)
  retrieval/captions.jsonl   {"path", "captions"} for eval retrieval
  manifest.json              version, seed, package versions, split sizes and the sha256 of every file
  ATTRIBUTION.txt            licences of the art (OpenMoji-derived images are CC BY-SA 4.0)

The build is deterministic (same seed and package versions: same bytes) and is skipped when the
folder already holds an up-to-date build whose files all match the sha256 in its manifest.json; a
file missing, changed or added makes it rebuild.

Examples:
  holoclip bench build emoji-shift --out data/emoji-shift
  holoclip eval zeroshot --model DIR --data data/emoji-shift/domains/openmoji \\
      --classnames data/emoji-shift/classnames.txt --out runs/openmoji
  holoclip eval ood --model DIR --data data/emoji-shift/domains/fluent-3d \\
      --classnames data/emoji-shift/classnames.txt --ood near=data/emoji-shift/near-ood \\
      --ood far=data/emoji-shift/far-ood --out runs/ood
  holoclip eval shape-bias --model DIR --data data/emoji-shift/cue-conflict --out runs/shape
  holoclip eval retrieval --model DIR --data data/emoji-shift/retrieval/captions.jsonl --out runs/retrieval

emoji-correspondence: Noto emoji pairs in SPair-71k's layout (JPEGImages/, ImageAnnotation/, PairAnnotation/test/),
each target warped from its source by a seeded homography, thin-plate-spline bend, rotation, scale change or
background change at strength 0/1/2 (viewpoint_variation); keypoint matches exact.
  holoclip bench build emoji-correspondence --out data/emoji-correspondence
  holoclip eval correspondence --model DIR --data spair-71k:data/emoji-correspondence --out runs/corr`;

export function registerBench(program: Command): void {
  const bench = program.command('bench').description(COMMAND_LIST.bench.description);

  bench
    .command('list')
    .description('list the benchmarks holoclip can build')
    .action(() => {
      for (const b of BENCHMARKS) process.stdout.write(`${b.name} (version ${b.version}, default --out ${b.defaultOut})\n  ${b.description}\n`);
    });

  bench
    .command('build')
    .description('build a benchmark into a folder (skipped when that folder holds an up-to-date build)')
    .argument('<name>', `benchmark name: ${BENCHMARKS.map((b) => b.name).join(', ')}`)
    .option('--out <dir>', 'output folder (default: .holoclip/benchmarks/<name>)')
    .option('--seed <n>', 'seed of the augmentations and picks', nonNegativeInt, 0)
    .option('--force', 'rebuild even if the folder is up to date')
    .option('--quiet', 'no progress output')
    .option('--force-unlock', FORCE_UNLOCK_HELP)
    .addHelpText('after', EMOJI_SHIFT_HELP)
    .action(async (name: string, flags: { out?: string; seed: number; force?: boolean; quiet?: boolean; forceUnlock?: boolean }) => {
      const b = findBenchmark(name);
      if (!b) throw new HoloclipError(`unknown benchmark "${name}" (available: ${BENCHMARKS.map((x) => x.name).join(', ')})`);
      const out = path.resolve(flags.out ?? b.defaultOut);
      const progress = createProgressDisplay(process.stderr, flags.quiet === true);
      // The build replaces the whole folder, so its lock sits next to it: <out>.holoclip-lock.
      const lock = lockOutput(out, flags, `${out}.holoclip-lock`);
      const result = await b.build({ out, seed: flags.seed, force: flags.force, progress });
      lock.release();
      if (!result.built) {
        process.stdout.write(`${b.name} ${result.version} (seed ${result.seed}) is up to date in ${out}; use --force to rebuild\n`);
        return;
      }
      const damage = result.damaged.length > 0 ? ` (the previous build had ${result.damaged.length} damaged file${result.damaged.length === 1 ? '' : 's'}: ${result.damaged.slice(0, 3).join(', ')}${result.damaged.length > 3 ? ', ...' : ''})` : '';
      const lines = [`built ${b.name} ${result.version} (seed ${result.seed}) in ${out} in ${result.seconds.toFixed(1)} s${damage}`, ...result.summary];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
