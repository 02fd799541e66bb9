#!/bin/sh
":" //; export GLIBC_TUNABLES="${GLIBC_TUNABLES-glibc.malloc.mmap_threshold=8388608:glibc.malloc.trim_threshold=67108864}"; exec node "$0" "$@"
// The two lines above are both shell and JavaScript. Run as a program (`npx holoclip`, `holoclip`), /bin/sh reads
// the second line: it sets glibc's malloc tunables unless GLIBC_TUNABLES is already set (an empty value turns them
// off) and replaces itself with node on this file, in the same process. To node the line is a string and a comment.
// The tunables keep buffers under 8 MiB (a decoded image, libvips' regions) in malloc's heap instead of a fresh
// mmap each time, and let 64 MiB of free heap stay before it is returned: decoding and preprocessing an image takes
// about a fifth less CPU (docs/performance.md "Malloc tunables"). `node bin/holoclip.js` skips them; the figures are
// the same either way. src/util/allocator-env.ts holds the same value for the Slurm and Kubernetes job scripts.
// Entry point for `npx holoclip`. Runs the bundled CLI (dist/bundle/main.js: a few files to read instead of ~180
// modules, see docs/architecture.md "The bundle"), both built by `npm run build` (tsc, then tools/build/bundle.mjs).
// The compiled modules (dist/cli/main.js) run instead when there is no bundle, when tsc ran after the bundle was
// built (the bundle would be stale), or with HOLOCLIP_NO_BUNDLE=1.
import { statSync } from 'node:fs';

const bundle = new URL('../dist/bundle/main.js', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);
const bundleTime = process.env.HOLOCLIP_NO_BUNDLE === '1' ? undefined : statSync(bundle, { throwIfNoEntry: false })?.mtimeMs;
const compiledTime = statSync(compiled, { throwIfNoEntry: false })?.mtimeMs;
if (bundleTime === undefined && compiledTime === undefined) {
  process.stderr.write('holoclip: the compiled CLI (dist/) is missing; run `npm run build` in the holoclip folder\n');
  process.exit(1);
}
const entry = bundleTime !== undefined && (compiledTime === undefined || bundleTime >= compiledTime) ? bundle : compiled;
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
