import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import { readCategoryMapping, readRawDecisions } from '../src/formats/index.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-cue-');
const oneLine = (re: RegExp) => (e: unknown) => e instanceof HoloclipError && re.test(e.message) && !e.message.includes('\n');
const SHARED = path.join(REPO_ROOT, '..', 'shared', 'refdata', 'cue_conflict');

test('cue conflict: raw decisions (category = shape, texture from imagename, subject kept)', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'raw.csv');
    await writeFile(
      file,
      'subj,session,trial,rt,object_response,category,condition,imagename\n' +
        'subject-01,1,1,1.13,bird,bird,0,0001_s5n_s01_0_bird_00_bird3-bird2.png\n' +
        'subject-01,1,2,0.9,na,clock,0,0002_s5n_s01_0_clock_00_clock4-chair1.png\n',
    );
    assert.deepEqual(await readRawDecisions(file), [
      { image: '0001_s5n_s01_0_bird_00_bird3-bird2.png', shape: 'bird', texture: 'bird', decision: 'bird', subject: 'subject-01' },
      { image: '0002_s5n_s01_0_clock_00_clock4-chair1.png', shape: 'clock', texture: 'chair', decision: 'na', subject: 'subject-01' },
    ]);
    await writeFile(file, 'subj,object_response,category,imagename\nx,bird,bird,weird.png\n');
    await assert.rejects(readRawDecisions(file), oneLine(/raw decisions file .*raw\.csv line 2: cue-conflict stimulus name "weird\.png" is not of the form/));
    await writeFile(file, 'subj,object_response,imagename\nx,bird,a1-b2.png\n');
    await assert.rejects(readRawDecisions(file), oneLine(/has no column "category"/));
  }));

test('cue conflict: category mapping (<name>_indices keys, file order)', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'm.json');
    await writeFile(file, JSON.stringify({ airplane_indices: [404], comment: 'x', bear_indices: [294, 295] }));
    assert.deepEqual(await readCategoryMapping(file), [
      { name: 'airplane', indices: [404] },
      { name: 'bear', indices: [294, 295] },
    ]);
    const cases: [string, RegExp][] = [
      ['{"a": [1]}', /has no "<category>_indices" keys/],
      ['{"a_indices": []}', /a_indices must be a non-empty array of non-negative integer class indices/],
      ['{"a_indices": [1.5]}', /a_indices must be a non-empty array/],
      ['[1]', /must hold a JSON object/],
      ['{', /is not valid JSON/],
    ];
    for (const [text, re] of cases) {
      await writeFile(file, text);
      await assert.rejects(readCategoryMapping(file), oneLine(re));
    }
  }));

test('cue conflict: shared human_categories_wnids.json has the 16 categories', { skip: !existsSync(SHARED) && 'no ../shared' }, async () => {
  const cats = await readCategoryMapping(path.join(SHARED, 'human_categories_wnids.json'));
  assert.deepEqual(
    cats.map((c) => c.name),
    ['airplane', 'bear', 'bicycle', 'bird', 'boat', 'bottle', 'car', 'cat', 'chair', 'clock', 'dog', 'elephant', 'keyboard', 'knife', 'oven', 'truck'],
  );
  assert.deepEqual(cats[0].indices, [404]);
  assert.equal(cats.find((c) => c.name === 'dog')?.indices.length, 109);
});
