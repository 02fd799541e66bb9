/**
 * A run's results.json, results.csv, units.json and report are one set (src/suite/output-set.ts): a
 * process SIGKILLed after each step of writing a new set over an old one leaves either a set whose
 * manifest matches every file, or no manifest (verifyOutputSet says the set is unfinished); never the
 * manifest of one run next to another run's files. A rerun writes a whole set again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { OUTPUT_SET_FILE, verifyOutputSet } from '../src/suite/output-set.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { withTempDir } from './helpers/temp-dir.js';

const CHILD = path.join(REPO_ROOT, 'test', 'helpers', 'write-outputs-child.ts');
const STEPS = ['unmark', 'results.json', 'results.csv', 'units.json', 'report/index.html', 'manifest'];

function write(outDir: string, name: string, killAt: string): number | null {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, outDir, name, killAt], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (killAt === 'none') assert.equal(r.status, 0, r.stderr);
  else assert.equal(r.signal, 'SIGKILL', `killed after ${killAt}: ${r.stderr}`);
  return r.status;
}

/** The suite name each output file belongs to. */
async function owners(outDir: string): Promise<Record<string, string>> {
  const json = JSON.parse(await fs.readFile(path.join(outDir, 'results.json'), 'utf8')) as { suite: { name: string } };
  const html = await fs.readFile(path.join(outDir, 'report', 'index.html'), 'utf8');
  const embedded = /<script[^>]*id="holoclip-results"[^>]*>([\s\S]*?)<\/script>/.exec(html);
  assert.ok(embedded, 'the report embeds its results');
  return { results: json.suite.name, report: (JSON.parse(embedded[1]) as { suite: { name: string } }).suite.name };
}

test('output set: killed after any step of writing over an old set, the folder is a verified set or flagged unfinished; a rerun completes it', async () => {
  await withTempDir(async (dir) => {
    const old = path.join(dir, 'old');
    write(old, 'old', 'none');
    for (const step of STEPS) {
      const out = path.join(dir, step.replace('/', '-'));
      await fs.cp(old, out, { recursive: true });
      assert.deepEqual(Object.keys((await verifyOutputSet(out)).files).sort(), ['report/index.html', 'results.csv', 'results.json', 'units.json']);
      write(out, 'new', step);
      const verified = await verifyOutputSet(out).then(
        () => true,
        (err: Error) => {
          assert.match(err.message, new RegExp(`${OUTPUT_SET_FILE} is missing.*rerun`), err.message);
          return false;
        },
      );
      const o = await owners(out);
      if (verified) {
        // A verified set is one run's, whole.
        assert.equal(step, 'manifest', `only a finished write verifies (killed after ${step})`);
        assert.deepEqual(o, { results: 'new', report: 'new' });
      } else {
        assert.notEqual(step, 'manifest');
      }
      // The next run removes the leftovers and writes a whole set.
      write(out, 'next', 'none');
      await verifyOutputSet(out);
      assert.deepEqual(await owners(out), { results: 'next', report: 'next' });
      assert.deepEqual((await fs.readdir(out)).filter((n) => n.includes('.tmp-')), []);
    }
  });
});

test('output set: an edited or mixed-in file fails verification, naming the file', async () => {
  await withTempDir(async (dir) => {
    write(dir, 'a', 'none');
    const csv = path.join(dir, 'results.csv');
    await fs.appendFile(csv, 'x\n');
    await assert.rejects(verifyOutputSet(dir), (err: Error) => err.message.includes(csv) && /sha256 differs/.test(err.message));
  });
});
