import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fillTemplate, loadTemplates } from '../src/head/templates.js';

test('default, literal, txt, json array and json object templates', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holoclip-tpl-'));
  assert.deepEqual((await loadTemplates(undefined)).templates, ['a photo of a {c}.']);
  assert.deepEqual((await loadTemplates('a sketch of a {c}.')).templates, ['a sketch of a {c}.']);
  await writeFile(path.join(dir, 't.txt'), 'a {c}.\n\n  a big {c}.  \n');
  assert.deepEqual((await loadTemplates(path.join(dir, 't.txt'))).templates, ['a {c}.', 'a big {c}.']);
  await writeFile(path.join(dir, 'a.json'), JSON.stringify(['x {c}', 'y {c}']));
  assert.deepEqual((await loadTemplates(path.join(dir, 'a.json'))).templates, ['x {c}', 'y {c}']);
  await writeFile(path.join(dir, 'o.json'), JSON.stringify({ cars: ['a {c} car'], imagenet1k: ['itap of a {c}.'] }));
  const set = await loadTemplates(path.join(dir, 'o.json'), 'imagenet1k');
  assert.deepEqual(set.templates, ['itap of a {c}.']);
  assert.match(set.source, /o\.json#imagenet1k$/);
  await assert.rejects(loadTemplates(path.join(dir, 'o.json')), /--templates-key/);
  await assert.rejects(loadTemplates(path.join(dir, 'o.json'), 'nope'), /no array under key "nope"/);
  await writeFile(path.join(dir, 'bad.txt'), 'no placeholder\n');
  await assert.rejects(loadTemplates(path.join(dir, 'bad.txt')), /no \{c\} placeholder/);
  await assert.rejects(loadTemplates(path.join(dir, 'missing.txt')), /not a readable file/);
  assert.equal(fillTemplate('a {c} of a {c}.', 'dog'), 'a dog of a dog.');
});

test('CLIP_benchmark template file loads with a key', async () => {
  const shared = path.resolve('..', 'shared', 'refdata', 'clip_benchmark', 'en_zeroshot_classification_templates.json');
  try {
    await import('node:fs').then((fs) => fs.promises.access(shared));
  } catch {
    return; // shared data not present in this checkout
  }
  const set = await loadTemplates(shared, 'imagenet1k');
  assert.equal(set.templates.length, 80);
});
