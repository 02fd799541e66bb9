/**
 * Issue 14, case 9: problems found before any model runs, not after the embedding work: an --out that is a
 * file, cue-conflict file names without their categories, class names given twice (an error unless allowed, and
 * then recorded), non-UTF-8 file names (said so, not "file not found"), a damaged built benchmark (rebuilt, not
 * "up to date"), and YAML merge keys (they work; a key holding anchors is named with the fix).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { damagedFiles } from '../src/benchmarks/build-integrity.js';
import type { EmojiShiftManifest } from '../src/benchmarks/emoji-shift/build.js';
import { duplicateClassnames } from '../src/data/dataset-checks.js';
import { parseSuiteYaml } from '../src/suite/load-suite.js';
import { runCli, type CliResult, writeTestImage } from './helpers/cli.js';
import { sharedEmojiShift } from './helpers/emoji-shift.js';
import { fixtureDir } from './helpers/fixtures.js';

let work = '';
let data = '';
const MODEL = fixtureDir('tiny-clip');

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-early-'));
  data = path.join(work, 'data');
  for (let i = 0; i < 4; i++) await writeTestImage(path.join(data, i % 2 ? 'dog' : 'cat', `img${i}.png`), i + 1, 48, 40);
});

after(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

function failsWith(res: CliResult, expected: string | RegExp): void {
  assert.equal(res.code, 1, `expected exit code 1, got ${res.code}\n${res.stderr}`);
  assert.doesNotMatch(res.stderr, /unexpected error/);
  if (typeof expected === 'string') assert.ok(res.stderr.includes(expected), `expected\n  ${expected}\nin\n  ${res.stderr}`);
  else assert.match(res.stderr, expected);
}

async function suiteFile(name: string, body: string): Promise<string> {
  const file = path.join(work, `${name}.yaml`);
  await fs.writeFile(file, `name: ${name}\nstore: ${JSON.stringify(path.join(work, `store-${name}`))}\nout: ${JSON.stringify(path.join(work, `out-${name}`))}\nmodels:\n  - path: ${JSON.stringify(MODEL)}\n${body}`);
  return file;
}

/** True when the store holds no embeddings: nothing was inferred. */
function noEmbeddings(store: string): boolean {
  return !existsSync(path.join(store, 'embeddings'));
}

test('an --out that is a file stops eval and run before any model runs, saying it is a file', async () => {
  const file = path.join(work, 'a-file');
  await fs.writeFile(file, 'not a folder\n');
  const store = path.join(work, 'store-outfile');
  failsWith(await runCli(['eval', 'zeroshot', '--model', MODEL, '--data', data, '--out', file, '--store', store, '--quiet']), `holoclip: --out ${file} is a file, not a folder; choose another --out`);
  failsWith(await runCli(['eval', 'zeroshot', '--model', MODEL, '--data', data, '--out', path.join(file, 'sub'), '--store', store, '--quiet']), `holoclip: --out ${path.join(file, 'sub')} cannot be created: ${file} is a file, not a folder; choose another --out`);
  const suite = await suiteFile('outfile', `datasets:\n  d: ${JSON.stringify(data)}\ntasks:\n  - type: zeroshot\n    datasets: [d]\n`);
  failsWith(await runCli(['run', suite, '--out', file, '--quiet']), `holoclip: --out ${file} is a file, not a folder`);
  assert.ok(noEmbeddings(store) && noEmbeddings(path.join(work, 'store-outfile')));
});

test('cue-conflict file names that do not give shape and texture stop a suite before any embedding', async () => {
  const cue = path.join(work, 'cue');
  await writeTestImage(path.join(cue, 'cat', 'cat1-dog2.png'), 1, 48, 40);
  await writeTestImage(path.join(cue, 'dog', 'stimulus.png'), 2, 48, 40);
  await writeTestImage(path.join(cue, 'dog', 'dog_final.png'), 3, 48, 40);
  const suite = await suiteFile('cue', `datasets:\n  d: ${JSON.stringify(data)}\n  cue: ${JSON.stringify(cue)}\ntasks:\n  - type: zeroshot\n    datasets: [d]\n  - type: shape-bias\n    dataset: cue\n`);
  failsWith(
    await runCli(['run', suite, '--quiet']),
    `datasets.cue: cue-conflict folder ${cue}: 2 of 3 file names are not of the form <shape><N>-<texture><M>.png (e.g. airplane1-bicycle2.png): dog/dog_final.png, dog/stimulus.png; rename them`,
  );
  assert.ok(noEmbeddings(path.join(work, 'store-cue')), 'no model ran');
  // eval shape-bias: the same check, before the model is opened.
  const store = path.join(work, 'store-cue-eval');
  failsWith(await runCli(['eval', 'shape-bias', '--model', MODEL, '--data', cue, '--out', path.join(work, 'out-cue-eval'), '--store', store, '--quiet']), 'file names are not of the form <shape><N>-<texture><M>.png');
  assert.ok(noEmbeddings(store), 'no model ran');
});

test('duplicate class names are an error naming both classes and the file, unless allowed (then recorded)', async () => {
  const names = path.join(work, 'dup-names.txt');
  await fs.writeFile(names, 'cat\nCat \n');
  const store = path.join(work, 'store-dup-eval');
  const args = ['eval', 'zeroshot', '--model', MODEL, '--data', data, '--classnames', names, '--out', path.join(work, 'out-dup'), '--store', store, '--quiet'];
  failsWith(await runCli(args), `holoclip: 1 class name is given twice in ${names}: class 0 "cat" and class 1 "Cat". The later class can never be predicted`);
  assert.ok(noEmbeddings(store), 'no model ran');
  const allowed = await runCli([...args, '--allow-duplicate-classes']);
  assert.equal(allowed.code, 0, allowed.stderr);
  const result = JSON.parse(await fs.readFile(path.join(work, 'out-dup', 'result.json'), 'utf8')) as { dataset: { duplicate_classes?: unknown } };
  assert.deepEqual(result.dataset.duplicate_classes, [{ name: 'cat', labels: [0, 1] }]);

  // In a suite: the dataset entry's allow_duplicate_classes.
  const body = (allow: string) => `datasets:\n  d: { path: ${JSON.stringify(data)}, classnames: ${JSON.stringify(names)}${allow} }\ntasks:\n  - type: zeroshot\n    datasets: [d]\n`;
  failsWith(await runCli(['run', await suiteFile('dup', body(''))]), `datasets.d: 1 class name is given twice in ${names}: class 0 "cat" and class 1 "Cat". The later class can never be predicted (its prompts read as the earlier one's; names are compared ignoring case and spacing, as CLIP's tokenizer lower-cases); rename one of them, or pass allow_duplicate_classes: true (datasets.d) to keep them`);
  assert.ok(noEmbeddings(path.join(work, 'store-dup')), 'no model ran');
  const ok = await runCli(['run', await suiteFile('dup-allowed', body(', allow_duplicate_classes: true')), '--quiet']);
  assert.equal(ok.code, 0, ok.stderr);
});

test('duplicateClassnames: compared ignoring case and spacing; every repeat listed with its labels', () => {
  assert.deepEqual(duplicateClassnames(['cat', 'dog', 'sea  lion', 'Cat', 'Sea lion', 'cat']), [
    { name: 'cat', labels: [0, 3, 5] },
    { name: 'sea  lion', labels: [2, 4] },
  ]);
  assert.deepEqual(duplicateClassnames(['a', 'b']), []);
});

test('a non-UTF-8 file name is an error that says so and names the folder, not "file not found"', async () => {
  const bad = path.join(work, 'latin1');
  await writeTestImage(path.join(bad, 'dog', 'ok.png'), 1, 48, 40);
  await fs.mkdir(path.join(bad, 'cat'), { recursive: true });
  const name = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('.png')]);
  const dirBytes = Buffer.from(path.join(bad, 'cat') + path.sep);
  await fs.copyFile(path.join(bad, 'dog', 'ok.png'), Buffer.concat([dirBytes, name]));
  const store = path.join(work, 'store-latin1');
  const res = await runCli(['eval', 'zeroshot', '--model', MODEL, '--data', bad, '--out', path.join(work, 'out-latin1'), '--store', store, '--quiet']);
  failsWith(res, `holoclip: ${path.join(bad, 'cat')} holds 1 file name that is not valid UTF-8 ("caf\\xe9.png"); holoclip reads UTF-8 names only: rename it, e.g. convmv -f latin1 -t utf-8 -r --notest ${path.join(bad, 'cat')}`);
  assert.doesNotMatch(res.stderr, /not found/);
  assert.ok(noEmbeddings(store), 'no model ran');
});

test('YAML merge keys (<<) work, x- keys hold anchors, and an anchor under another key is named with the fix', async () => {
  const merged = await suiteFile(
    'merge',
    `x-common: &common { type: zeroshot, datasets: [d] }\nx-data: &data { classnames: ${JSON.stringify(path.join(work, 'cat-dog.txt'))} }\ndatasets:\n  d: { <<: *data, path: ${JSON.stringify(data)} }\ntasks:\n  - <<: *common\n    id: single\n  - <<: *common\n    id: pair\n    prompts: [pair]\nprompts:\n  pair: ["a photo of a {c}.", "an emoji of a {c}."]\n`,
  );
  await fs.writeFile(path.join(work, 'cat-dog.txt'), 'cat\ndog\n');
  const res = await runCli(['suite', 'check', merged]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /tasks {7}single \(zeroshot\), pair \(zeroshot\)/);
  const raw = parseSuiteYaml(await fs.readFile(merged, 'utf8'), merged) as { tasks: unknown[]; datasets: Record<string, unknown> };
  assert.deepEqual(raw.tasks[1], { type: 'zeroshot', datasets: ['d'], id: 'pair', prompts: ['pair'] });
  assert.deepEqual(raw.datasets.d, { classnames: path.join(work, 'cat-dog.txt'), path: data });
  assert.equal('x-common' in (raw as Record<string, unknown>), false);

  const unknown = await suiteFile('merge-unknown', `base: &base { type: zeroshot, datasets: [d] }\ndatasets:\n  d: ${JSON.stringify(data)}\ntasks:\n  - <<: *base\n`);
  const bad = await runCli(['suite', 'check', unknown]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, `holoclip: ${unknown}: 1 problem; nothing was run:\n  - (top level): unknown key "base" (a key that only holds YAML anchors for \`<<\` merges must start with "x-", e.g. "x-base"; such keys are ignored)\n`);
});

test('a built benchmark with an image deleted, one replaced and one added is rebuilt, not reported up to date', async () => {
  const shared = await sharedEmojiShift();
  const bench = path.join(work, 'emoji-shift');
  await fs.cp(shared, bench, { recursive: true });
  const manifest = JSON.parse(await fs.readFile(path.join(bench, 'manifest.json'), 'utf8')) as EmojiShiftManifest;
  const images = Object.keys(manifest.files_sha256).filter((f) => f.startsWith('domains/noto/')).sort();
  const [deleted, replaced, donor] = images;
  await fs.rm(path.join(bench, deleted));
  await fs.copyFile(path.join(bench, donor), path.join(bench, replaced));
  assert.deepEqual(await damagedFiles(bench, manifest.files_sha256), [deleted, replaced].sort());
  // An added image changes a split; a depth map or a hidden file next to the images does not.
  const added = `${path.posix.dirname(donor)}/extra.png`;
  await fs.copyFile(path.join(bench, donor), path.join(bench, added));
  await fs.writeFile(path.join(bench, `${donor}.depth.npy`), 'not an image');
  await fs.writeFile(path.join(bench, path.posix.dirname(donor), '.DS_Store'), '');
  const expected = [added, deleted, replaced].sort();
  assert.deepEqual(await damagedFiles(bench, manifest.files_sha256), expected);
  const res = await runCli(['bench', 'build', 'emoji-shift', '--out', bench, '--quiet']);
  assert.equal(res.code, 0, res.stderr);
  assert.doesNotMatch(res.stdout, /up to date/);
  assert.match(res.stdout, new RegExp(`^built emoji-shift .* \\(the previous build had 3 damaged files: ${expected.join(', ')}\\)`));
  assert.match(res.stderr, /does not match its manifest\.json \(3 files missing, changed or added/);
  assert.deepEqual(await damagedFiles(bench, manifest.files_sha256), [], 'the rebuilt folder matches the manifest');
  const again = await runCli(['bench', 'build', 'emoji-shift', '--out', bench, '--quiet']);
  assert.match(again.stdout, /is up to date/);
});
