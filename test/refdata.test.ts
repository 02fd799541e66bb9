import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import {
  RESOURCES,
  closeResourceNames,
  dataDir,
  deriveHumanCategoriesJson,
  fetchResources,
  getResource,
  listResources,
  resourceFile,
  resourcePath,
  sha256File,
  verifyResource,
  type RefResource,
} from '../src/refdata/index.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { SHARED_REFDATA, buildRefdataMirror } from './helpers/refdata-mirror.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-refdata-');
const NO_SHARED = !existsSync(SHARED_REFDATA) && 'no ../shared/refdata';
const HUMAN = 'cue_conflict/human_categories_wnids.json';

/** Run `fn` with HOLOCLIP_OFFLINE set to `value` (or unset), restoring it afterwards. */
async function withOfflineEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const before = process.env.HOLOCLIP_OFFLINE;
  if (value === undefined) delete process.env.HOLOCLIP_OFFLINE;
  else process.env.HOLOCLIP_OFFLINE = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.HOLOCLIP_OFFLINE;
    else process.env.HOLOCLIP_OFFLINE = before;
  }
}

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)).split(path.sep).join('/')).sort();
}

/** A local HTTP server answering GET /<name> from `routes` (a body, or a status code). */
async function withServer(routes: Map<string, Buffer | number>, fn: (base: string, hits: Map<string, number>) => Promise<void>): Promise<void> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const key = decodeURIComponent((req.url ?? '/').slice(1));
    hits.set(key, (hits.get(key) ?? 0) + 1);
    const body = routes.get(key);
    if (body === undefined || typeof body === 'number') {
      res.writeHead(typeof body === 'number' ? body : 404).end('no');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}`, hits);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const urlFor = (base: string) => (r: RefResource) => `${base}/${r.name}`;

/** A human_categories.py-like source holding the lists of `json`, wrapped as in model-vs-human. */
function fakeHumanCategoriesPy(json: Record<string, number[]>): string {
  const lines = ['class HumanCategories(object):', "    knife =    ['n03041632']", ''];
  for (const [k, v] of Object.entries(json)) {
    const rows: string[] = [];
    for (let i = 0; i < v.length; i += 13) rows.push(v.slice(i, i + 13).join(', '));
    lines.push(`    ${k} = [${rows.join(',\n                    ')}]${k.startsWith('elephant') ? ' ' : ''}`);
  }
  lines.push('', '    def get_imagenet_indices_for_category(self, category):', '        return getattr(self, category+"_indices")', '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------

test('refdata registry: names, URLs, hashes and sources are well formed and the required files are there', () => {
  const names = RESOURCES.map((r) => r.name);
  assert.equal(new Set(names).size, names.length, 'names are unique');
  for (const r of RESOURCES) {
    assert.match(r.name, /^[a-z_]+\/[A-Za-z0-9_.-]+$/, r.name);
    assert.match(r.sha256, /^[0-9a-f]{64}$/, r.name);
    assert.ok(Number.isInteger(r.bytes) && r.bytes > 0, r.name);
    assert.match(r.source.commit, /^[0-9a-f]{40}$/, r.name);
    assert.equal(r.url, `https://raw.githubusercontent.com/${r.source.repo}/${r.source.commit}/${r.source.path}`);
    assert.ok(r.description.length > 10, r.name);
  }
  for (const n of [
    'clip_benchmark/en_classnames.json', 'clip_benchmark/en_zeroshot_classification_templates.json', 'imagenet_testbed/robustness_top1s.csv',
    'imagenet_testbed/objectnet_to_imagenet_1k.json', 'imagenet_testbed/folder_to_objectnet_label.json', 'imagenet_testbed/imagenet_to_labels.json',
    'imagenetx/imagenet_x_train_multi_factor.jsonl', 'imagenetx/imagenet_x_train_top_factor.jsonl', 'imagenetx/filename_label.csv',
    'imagenetx/imagenet_labels.txt', 'imagenetx/imagenet_1k_classes_to_100_metaclasses.csv', 'imagenetx/prototypical_paths.csv',
    'imagenetx/pred_DINO.csv', 'imagenetx/pred_ResNet50.csv', 'imagenetx/pred_SimCLR.csv', 'imagenetx/pred_ViT.csv', HUMAN,
    'cue_conflict/imagenet_categories_wnid_names.txt', 'open_clip/openclip_results.csv', 'open_clip/openclip_classification_results.csv',
    'open_clip/openclip_retrieval_results.csv', 'open_clip/model_profile.csv',
  ]) {
    assert.ok(names.includes(n), `${n} is registered`);
  }
  assert.ok(getResource(HUMAN).derived, 'the derived resource says how it is derived');
  assert.equal(RESOURCES.filter((r) => r.derived !== undefined).length, 1);
});

test('refdata registry: unknown names are a clear error listing close names', async () => {
  assert.throws(() => getResource('en_classnames.json'), (err: unknown) => err instanceof HoloclipError && /unknown reference resource "en_classnames.json".*clip_benchmark\/en_classnames\.json/.test(err.message));
  assert.deepEqual(closeResourceNames('imagenetx/pred_vit.csv').slice(0, 1), ['imagenetx/pred_ViT.csv']);
  assert.ok(closeResourceNames('open_clip/openclip_result.csv').includes('open_clip/openclip_results.csv'));
  assert.throws(() => getResource('zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'), /unknown reference resource.*holoclip data list/);
  await assert.rejects(fetchResources(['clip_benchmark/en_classnames.json', 'nope.json'], { dataDir: os.tmpdir(), offline: true }), /unknown reference resource "nope.json"/);
});

test('refdata store: dataDir takes the flag, then HOLOCLIP_DATA_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
  const saved = { d: process.env.HOLOCLIP_DATA_DIR, x: process.env.XDG_CACHE_HOME };
  try {
    process.env.HOLOCLIP_DATA_DIR = '/env/data';
    process.env.XDG_CACHE_HOME = '/xdg';
    assert.equal(dataDir('/flag/dir'), '/flag/dir');
    assert.equal(dataDir('rel'), path.resolve('rel'));
    assert.equal(dataDir(), '/env/data');
    delete process.env.HOLOCLIP_DATA_DIR;
    assert.equal(dataDir(), path.join('/xdg', 'holoclip', 'data'));
    delete process.env.XDG_CACHE_HOME;
    assert.equal(dataDir(), path.join(os.homedir(), '.cache', 'holoclip', 'data'));
  } finally {
    for (const [k, v] of [['HOLOCLIP_DATA_DIR', saved.d], ['XDG_CACHE_HOME', saved.x]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test('refdata: every registered shared file matches its registry size and sha256', { skip: NO_SHARED }, async () => {
  for (const r of RESOURCES) {
    const file = path.join(SHARED_REFDATA, ...r.name.split('/'));
    assert.equal((await readFile(file)).length, r.bytes, `${r.name} size`);
    assert.equal(await sha256File(file), r.sha256, `${r.name} sha256`);
  }
});

test('refdata: listResources on the mirror shows every resource verified; resourcePath returns it offline', { skip: NO_SHARED }, async () => {
  const mirror = await buildRefdataMirror();
  assert.ok(mirror);
  const checks = await listResources(mirror);
  assert.equal(checks.length, RESOURCES.length);
  for (const c of checks) assert.deepEqual([c.name, c.status, c.present], [c.name, 'verified', true]);
  const p = await withOfflineEnv('1', () => resourcePath('imagenetx/filename_label.csv', { dataDir: mirror }));
  assert.equal(p, path.join(mirror, 'imagenetx', 'filename_label.csv'));
});

test('refdata: HOLOCLIP_OFFLINE=1 with an empty data dir is an error naming the resource, the path and the URL', () =>
  withTempDir(async (dir) => {
    const r = getResource('imagenet_testbed/objectnet_to_imagenet_1k.json');
    const expected = path.join(dir, 'imagenet_testbed', 'objectnet_to_imagenet_1k.json');
    assert.equal(resourceFile(r.name, dir), expected);
    const err = await withOfflineEnv('1', () => resourcePath(r.name, { dataDir: dir }).then(() => null, (e: unknown) => e));
    assert.ok(err instanceof HoloclipError, String(err));
    assert.ok(!err.message.includes('\n'), 'one line');
    for (const part of [r.name, expected, r.url, 'HOLOCLIP_OFFLINE=1']) assert.ok(err.message.includes(part), `message has ${part}: ${err.message}`);
    // the option says the same without the variable; the derived file explains its derivation
    await assert.rejects(resourcePath(HUMAN, { dataDir: dir, offline: true }), (e: unknown) => e instanceof HoloclipError && e.message.includes('derived from') && e.message.includes(getResource(HUMAN).url) && e.message.includes(path.join(dir, 'cue_conflict', 'human_categories_wnids.json')));
    const checks = await listResources(dir);
    assert.ok(checks.every((c) => c.status === 'missing' && !c.present));
    assert.deepEqual(await readdir(dir), [], 'nothing written');
  }));

test('refdata: a file with one byte changed is a bad hash, and offline an error; a wrong size is caught too', () =>
  withTempDir(async (dir) => {
    const mirror = await buildRefdataMirror();
    const r = getResource('imagenet_testbed/objectnet_to_imagenet_1k.json');
    const file = resourceFile(r.name, dir);
    await mkdir(path.dirname(file), { recursive: true });
    const bytes = mirror ? await readFile(resourceFile(r.name, mirror)) : Buffer.alloc(r.bytes, 0x20);
    bytes[100] ^= 0x01;
    await writeFile(file, bytes);
    const check = await verifyResource(r.name, dir);
    assert.equal(check.status, 'bad-hash');
    assert.equal(check.present, true);
    assert.match(check.problem ?? '', /sha256 [0-9a-f]{64}, expected/);
    const listed = (await listResources(dir)).find((c) => c.name === r.name);
    assert.equal(listed?.status, 'bad-hash');
    await assert.rejects(withOfflineEnv('1', () => resourcePath(r.name, { dataDir: dir })), (e: unknown) => e instanceof HoloclipError && e.message.includes('not the expected file') && e.message.includes(file) && e.message.includes(r.url));
    await writeFile(file, bytes.subarray(1));
    assert.match((await verifyResource(r.name, dir)).problem ?? '', /size 4346 bytes, expected 4347/);
  }));

test('refdata fetch: downloads from a local server, writes atomically, verifies, and skips what is present', { skip: NO_SHARED }, () =>
  withTempDir(async (dir) => {
    const mirror = await buildRefdataMirror();
    assert.ok(mirror);
    const names = ['clip_benchmark/en_zeroshot_classification_templates.json', 'imagenetx/prototypical_paths.csv', 'open_clip/model_profile.csv'];
    const routes = new Map<string, Buffer | number>();
    for (const n of names) routes.set(n, await readFile(resourceFile(n, mirror)));
    await withServer(routes, async (base, hits) => {
      const events: string[] = [];
      const results = await withOfflineEnv(undefined, () => fetchResources(names, { dataDir: dir, urlFor: urlFor(base) }, (e) => events.push(`${e.type} ${e.name}`)));
      assert.deepEqual(results.map((r) => r.outcome), ['downloaded', 'downloaded', 'downloaded']);
      assert.deepEqual(events.filter((e) => e.startsWith('downloaded')).length, 3);
      assert.deepEqual(await allFiles(dir), [...names].sort(), 'only the final files, no temp files');
      for (const n of names) assert.equal((await verifyResource(n, dir)).status, 'verified');
      // second run: nothing downloaded
      const again = await fetchResources(names, { dataDir: dir, urlFor: urlFor(base) });
      assert.deepEqual(again.map((r) => r.outcome), ['present', 'present', 'present']);
      for (const n of names) assert.equal(hits.get(n), 1);
      // resourcePath repairs a corrupted file online
      const f = resourceFile(names[0], dir);
      await writeFile(f, 'garbage');
      assert.equal(await resourcePath(names[0], { dataDir: dir, offline: false, urlFor: urlFor(base) }), f);
      assert.equal((await verifyResource(names[0], dir)).status, 'verified');
      assert.equal(hits.get(names[0]), 2);
    });
  }));

test('refdata fetch: wrong bytes, too many bytes or an HTTP error leave no file behind', { skip: NO_SHARED }, () =>
  withTempDir(async (dir) => {
    const mirror = await buildRefdataMirror();
    assert.ok(mirror);
    const wrong = 'imagenet_testbed/objectnet_to_imagenet_1k.json';
    const big = 'open_clip/model_profile.csv';
    const gone = 'imagenetx/imagenet_labels.txt';
    const bad = Buffer.from(await readFile(resourceFile(wrong, mirror)));
    bad[7] ^= 0x20;
    const routes = new Map<string, Buffer | number>([[wrong, bad], [big, Buffer.concat([await readFile(resourceFile(big, mirror)), Buffer.from('x')])], [gone, 404]]);
    await withServer(routes, async (base) => {
      const results = await fetchResources([wrong, big, gone], { dataDir: dir, offline: false, urlFor: urlFor(base) });
      assert.deepEqual(results.map((r) => r.outcome), ['failed', 'failed', 'failed']);
      assert.match(results[0].error ?? '', /has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}; nothing was written/);
      assert.match(results[1].error ?? '', /more than the expected 6167 bytes/);
      assert.match(results[2].error ?? '', /HTTP 404/);
      assert.deepEqual(await allFiles(dir), [], 'no file, no temp file');
      await assert.rejects(resourcePath(wrong, { dataDir: dir, offline: false, urlFor: urlFor(base) }), /nothing was written/);
      assert.deepEqual(await allFiles(dir), []);
    });
    // an unreachable server is a one-line error too
    const refused = await fetchResources([wrong], { dataDir: dir, offline: false, urlFor: () => 'http://127.0.0.1:1/x', timeoutMs: 5000 });
    assert.match(refused[0].error ?? '', /cannot download .* from http:\/\/127\.0\.0\.1:1\/x: /);
  }));

test('refdata derive: human_categories_wnids.json is computed from human_categories.py and verified', { skip: NO_SHARED }, () =>
  withTempDir(async (dir) => {
    const mirror = await buildRefdataMirror();
    assert.ok(mirror);
    const json = JSON.parse(await readFile(resourceFile(HUMAN, mirror), 'utf8')) as Record<string, number[]>;
    const py = fakeHumanCategoriesPy(json);
    assert.deepEqual(deriveHumanCategoriesJson(Buffer.from(py)), await readFile(resourceFile(HUMAN, mirror)));
    assert.throws(() => deriveHumanCategoriesJson(Buffer.from('x_indices = [1]\n')), /expected 16/);
    await withServer(new Map([[HUMAN, Buffer.from(py)]]), async (base) => {
      const [res] = await fetchResources([HUMAN], { dataDir: dir, offline: false, urlFor: urlFor(base) });
      assert.equal(res.outcome, 'downloaded', res.error);
      assert.equal((await verifyResource(HUMAN, dir)).status, 'verified');
    });
  }));

// --- CLI: the built holoclip ------------------------------------------------------------------------

function runDataCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, { env });
}

test('refdata CLI: data list on the mirror shows every resource verified; data path prints the path', { skip: NO_SHARED }, async () => {
  const mirror = await buildRefdataMirror();
  assert.ok(mirror);
  const list = await runDataCli(['data', 'list', '--data-dir', mirror]);
  assert.equal(list.code, 0, list.stderr);
  for (const r of RESOURCES) {
    const line = list.stdout.split('\n').find((l) => l.startsWith(`${r.name} `));
    assert.ok(line, `${r.name} listed`);
    assert.match(line, /\s✓\s/, line);
    assert.ok(line.endsWith(resourceFile(r.name, mirror)), line);
  }
  assert.match(list.stdout, new RegExp(`${RESOURCES.length} of ${RESOURCES.length} resources present and verified`));
  const p = await runDataCli(['data', 'path', 'imagenetx/imagenet_labels.txt', '--data-dir', mirror, '--offline']);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(p.stdout, `${resourceFile('imagenetx/imagenet_labels.txt', mirror)}\n`);
});

test('refdata CLI: list of an empty dir, offline path and fetch errors, bad hash in the table', () =>
  withTempDir(async (dir) => {
    const list = await runDataCli(['data', 'list'], { HOLOCLIP_DATA_DIR: dir });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^0 of ${RESOURCES.length} resources present and verified$`, 'm'));
    assert.match(list.stdout, /clip_benchmark\/en_classnames\.json\s+38\.5 KiB\s+missing\s/);
    const r = getResource('open_clip/model_profile.csv');
    await mkdir(path.join(dir, 'open_clip'));
    await writeFile(resourceFile(r.name, dir), 'x');
    const bad = await runDataCli(['data', 'list', '--data-dir', dir]);
    assert.match(bad.stdout, /open_clip\/model_profile\.csv\s+6\.0 KiB\s+bad hash\s/);
    assert.match(bad.stdout, /bad hash: open_clip\/model_profile\.csv: size 1 bytes, expected 6167/);
    const path1 = await runDataCli(['data', 'path', 'imagenetx/pred_ViT.csv', '--data-dir', dir], { HOLOCLIP_OFFLINE: '1' });
    assert.equal(path1.code, 1);
    assert.match(path1.stderr, /^holoclip: reference file imagenetx\/pred_ViT\.csv is missing .*raw\.githubusercontent\.com\/facebookresearch\/imagenetx\/6403d41a5cc435543a63060e336bc2452e3ad223\/model_predictions\/base\/ViT\.csv/);
    const fetch1 = await runDataCli(['data', 'fetch', 'open_clip/model_profile.csv', '--data-dir', dir], { HOLOCLIP_OFFLINE: '1' });
    assert.equal(fetch1.code, 1);
    assert.match(fetch1.stderr, /FAILED\s+open_clip\/model_profile\.csv: /);
    assert.match(fetch1.stdout, /0 of 1 resources present and verified .*1 failed/);
    const unknown = await runDataCli(['data', 'fetch', 'model_profile.csv', '--data-dir', dir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown reference resource "model_profile.csv": did you mean open_clip\/model_profile\.csv/);
    const help = await runDataCli(['data', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /HOLOCLIP_OFFLINE=1/);
  }));

test('refdata mirror: files are copies in a temp dir, not in the repository', { skip: NO_SHARED }, async () => {
  const mirror = await buildRefdataMirror();
  assert.ok(mirror);
  assert.ok(!path.resolve(mirror).startsWith(REPO_ROOT + path.sep));
  assert.equal(await buildRefdataMirror(), mirror, 'built once per process');
  for (const r of RESOURCES) assert.ok(existsSync(resourceFile(r.name, mirror)), r.name);
});
