#!/usr/bin/env node
// Entry point for `npx holoclip`. Runs the compiled CLI (built by `npm ci` / `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  process.stderr.write('holoclip: the compiled CLI (dist/) is missing; run `npm run build` in the holoclip folder\n');
  process.exit(1);
}
const { main } = await import(compiled.href);
process.exitCode = await main(process.argv);
