// Bundles the compiled CLI (dist/, from tsc) into dist/bundle/ with esbuild, so that start-up reads a few files
// instead of ~180 modules (node 20 has no compile cache). Run by `npm run build`, `prepare` and `pretest` after tsc.
//
// - ESM, platform node, code splitting: every `import()` in holoclip stays a separate chunk loaded on first use, so
//   a command loads the same code as from dist/ (the lazily imported commands, tasks, report, refdata ...).
// - commander, zod and yaml (what start-up needs) are bundled; every other package is left external and imported
//   from node_modules at run time as before (onnxruntime-node, sharp, transformers.js, vega: native binaries, wasm,
//   files located beside their modules).
// - The worker threads' modules are entries of their own (decode-worker.js, calibration-rows-worker.js,
//   matrix-passes-worker.js), beside the chunks, where util/module-worker.ts looks for them (`./<name>.js` next to
//   the caller's module).
// - All outputs sit at dist/bundle/*.js, the same depth as dist/<area>/*.js, so the module-relative paths in
//   util/version.ts (../../package.json) and models/catalog.ts (../../tools/...) resolve to the same files.
// - dist/bundle/meta.json is esbuild's metafile: which dist/ modules and packages each output holds
//   (test/cli-startup.test.ts reads it to check what a command loads).
//
//   node tools/build/bundle.mjs        (after `tsc -p tsconfig.json`)
import { build } from 'esbuild';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = path.join(root, 'dist');
const outdir = path.join(dist, 'bundle');

/** The packages bundled into the start-up path (pure JavaScript, no files read beside their modules). */
export const BUNDLED_PACKAGES = ['commander', 'zod', 'yaml'];

const ENTRIES = {
  main: 'cli/main.js',
  'decode-worker': 'pipeline/decode-worker.js',
  'calibration-rows-worker': 'score/calibration-rows-worker.js',
  'matrix-passes-worker': 'score/matrix-passes-worker.js',
};

for (const rel of Object.values(ENTRIES)) {
  if (!existsSync(path.join(dist, rel))) {
    process.stderr.write(`bundle: dist/${rel} is missing; run \`tsc -p tsconfig.json\` first (npm run build does both)\n`);
    process.exit(1);
  }
}

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]
  .filter((name) => !BUNDLED_PACKAGES.includes(name))
  .flatMap((name) => [name, `${name}/*`]);

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, rel]) => [name, path.join('dist', rel)])),
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  sourcemap: 'linked',
  minify: process.env.BUNDLE_MINIFY !== '0',
  keepNames: true,
  metafile: true,
  logLevel: 'warning',
  legalComments: 'inline',
  // yaml and commander are CommonJS: their require() of node builtins needs a require in an ES module.
  banner: { js: "import { createRequire as __holoclipCreateRequire } from 'node:module';\nconst require = __holoclipCreateRequire(import.meta.url);" },
  write: true,
});

writeFileSync(path.join(outdir, 'meta.json'), `${JSON.stringify(result.metafile)}\n`);
const outputs = Object.keys(result.metafile.outputs).filter((o) => o.endsWith('.js'));
process.stdout.write(`bundle: ${outputs.length} files in dist/bundle (from ${Object.keys(result.metafile.inputs).length} modules)\n`);
