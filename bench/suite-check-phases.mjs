// Where `holoclip suite check SUITE` spends its wall time, phase by phase, on the built CLI (plain node, no tsx, so
// that the loader does not distort start-up). Each phase is the median of --reps fresh processes, so the phases do
// not add up to the median total exactly.
// - The bundle (dist/bundle/, what bin/holoclip.js runs): node's own start until the first line of user code, the
//   bundle's main.js (with commander), the suite command's files (zod, yaml, holoclip's validation modules), and the
//   command itself (parse, validate, inspect the model folders, plan, print).
// - --unbundled: tsc's modules (dist/cli/): node start, the three libraries validation needs (commander, zod, yaml)
//   from node_modules, holoclip's own modules, the first (cold) YAML parse, and the command itself.
//
//   npm run build && node bench/suite-check-phases.mjs [--reps N] [--unbundled] [SUITE]    (default 7, suites/demo.yaml)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({ options: { reps: { type: 'string', default: '7' }, child: { type: 'boolean', default: false }, unbundled: { type: 'boolean', default: false } }, allowPositionals: true });
const suite = positionals[0] ?? 'suites/demo.yaml';

if (values.child && !values.unbundled) {
  const marks = [['node start', performance.now()]];
  const mark = (name) => marks.push([name, performance.now()]);
  const { buildProgram } = await import(path.join(root, 'dist', 'bundle', 'main.js'));
  mark('bundle main.js (with commander)');
  const argv = ['node', 'holoclip', 'suite', 'check', suite];
  const program = await buildProgram(argv);
  mark('suite command (zod, yaml, holoclip modules)');
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true;
  await program.parseAsync(argv);
  process.stdout.write = write;
  mark('check (parse, validate, inspect models, plan, print)');
  report(marks);
} else if (values.child) {
  const marks = [['node start', performance.now()]];
  const mark = (name) => marks.push([name, performance.now()]);
  await import('commander');
  mark('commander');
  await import('zod');
  mark('zod');
  await import('yaml');
  mark('yaml');
  const { buildProgram } = await import(path.join(root, 'dist', 'cli', 'main.js'));
  const argv = ['node', 'holoclip', 'suite', 'check', suite];
  const program = await buildProgram(argv);
  const { parseSuiteYaml } = await import(path.join(root, 'dist', 'suite', 'load-suite.js'));
  mark('holoclip modules');
  parseSuiteYaml(readFileSync(suite, 'utf8'), suite);
  mark('YAML parse (cold)');
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true;
  await program.parseAsync(argv);
  process.stdout.write = write;
  mark('check (validate, inspect models, plan, print)');
  report(marks);
} else {
  const rows = [];
  for (let i = 0; i < Math.max(1, Number(values.reps)); i++) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', ...(values.unbundled ? ['--unbundled'] : []), suite], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`suite check phases failed: ${r.stderr}`);
    rows.push(JSON.parse(r.stdout));
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  console.log(`holoclip suite check ${suite} (${values.unbundled ? 'dist/cli modules' : 'bundle'}): ms per phase, median of ${rows.length} processes; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  for (const k of Object.keys(rows[0])) console.log(`  ${k.padEnd(54)} ${median(rows.map((r) => r[k])).toFixed(1).padStart(7)}`);
}

/** Prints one process's phases (ms since the previous mark) and total as a JSON line for the parent. */
function report(marks) {
  const out = {};
  let prev = 0;
  for (const [name, t] of marks) {
    out[name] = t - prev;
    prev = t;
  }
  out.total = prev;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
