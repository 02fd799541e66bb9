#!/usr/bin/env node
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
