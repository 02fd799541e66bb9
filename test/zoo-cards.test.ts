/**
 * The committed mini zoo (models/zoo/*) matches its model cards: every file a card lists has the
 * recorded sha256, every model loads through the normal model path, and cards carry the
 * six-factor metadata.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { sha256File } from '../src/store/hash.js';
import { openModel } from '../src/models/open-model.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const ZOO = path.join(REPO_ROOT, 'models', 'zoo');
const members = existsSync(ZOO)
  ? (await fs.readdir(ZOO, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()
  : [];

test('the zoo has at least 6 models', { skip: members.length === 0 && 'no models/zoo in this checkout' }, () => {
  assert.ok(members.length >= 6, `zoo members: ${members.join(', ')}`);
});

for (const name of members) {
  test(`zoo/${name}: files match the card's sha256 and the model loads`, async () => {
    const dir = path.join(ZOO, name);
    const card = JSON.parse(await fs.readFile(path.join(dir, 'holoclip.json'), 'utf8')) as Record<string, unknown>;
    for (const key of ['name', 'architecture', 'training_data', 'training_size', 'loss', 'fine_tuned', 'seed', 'data_sha256', 'files_sha256']) {
      assert.ok(key in card, `${name}/holoclip.json lacks "${key}"`);
    }
    const files = card.files_sha256 as Record<string, string>;
    assert.ok(Object.keys(files).length >= 3);
    for (const [rel, sha] of Object.entries(files)) {
      assert.equal(await sha256File(path.join(dir, rel)), sha, `${name}/${rel} does not match its card`);
    }
    const model = await openModel(dir, { threads: 1 });
    try {
      assert.ok(model.dir === dir);
    } finally {
      await model.dispose();
    }
  });
}
