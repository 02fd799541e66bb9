import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { LEGACY_CORRUPTION_PROTOCOL } from '../src/corruptions/protocol.js';
import type { CorruptionSpec } from '../src/corruptions/registry.js';
import { cleanItemKey, corruptedKey, croppedKey, itemStoreKey } from '../src/pipeline/item-key.js';

// The expected strings were computed with the code that built existing stores (before itemStoreKey
// existed: the decode worker's croppedKey -> corruptedKey composition), so a store written then keeps
// finding its rows. They must never change.
const FILE = createHash('sha256').update('holoclip item-key test image').digest('hex');
const DEPTH = createHash('sha256').update('holoclip item-key test depth').digest('hex');
const NOISE: CorruptionSpec = { name: 'gaussian_noise', severity: 3, seed: 0, protocol: LEGACY_CORRUPTION_PROTOCOL };
const FOCUS: CorruptionSpec = { name: 'near_focus', severity: 5, seed: 7, protocol: LEGACY_CORRUPTION_PROTOCOL };

test('item key: inputs of the pinned keys', () => {
  assert.equal(FILE, '540a41b3a6a351ec1f87cb811c78c94e57a4f2d448c47770793fac345536f940');
  assert.equal(DEPTH, 'bff73bfdcaa2d267f09402c0fd65bec427c1a25a5887d22a37b603d5f00de1f8');
});

test('item key: a clean, uncropped item is keyed by its file hash', () => {
  assert.equal(itemStoreKey({ fileSha256: FILE }), FILE);
  assert.equal(itemStoreKey({ fileSha256: FILE, cropBorder: 0, depthSha256: null }), FILE);
  // A depth map alone changes nothing: it only matters to a corruption.
  assert.equal(itemStoreKey({ fileSha256: FILE, depthSha256: DEPTH }), FILE);
});

test('item key: border crop', () => {
  assert.equal(itemStoreKey({ fileSha256: FILE, cropBorder: 2 }), '6b43e3205b6a52668293ea9197ef9e3eea78609a26488bf040e3b404318e10ec');
  assert.equal(itemStoreKey({ fileSha256: FILE, cropBorder: 5 }), '73041eda10cea2f7a2fb8cc9ac31fefc23f1c37aa365243606ba0e3b04b0b7d3');
  assert.equal(croppedKey(FILE, 2), '6b43e3205b6a52668293ea9197ef9e3eea78609a26488bf040e3b404318e10ec');
});

test('item key: corruption, with and without crop and depth', () => {
  assert.equal(itemStoreKey({ fileSha256: FILE, corruption: NOISE }), '0c770a6957c39099595d60f9269ee2bb29bfbfa3351f7fab115493d1e19741b4');
  assert.equal(itemStoreKey({ fileSha256: FILE, corruption: NOISE, depthSha256: null }), '0c770a6957c39099595d60f9269ee2bb29bfbfa3351f7fab115493d1e19741b4');
  assert.equal(itemStoreKey({ fileSha256: FILE, cropBorder: 2, corruption: NOISE }), '70c154551597b4923263729653c03faebb7bab5064176d99e39cf40fcffb7537');
  assert.equal(itemStoreKey({ fileSha256: FILE, corruption: FOCUS, depthSha256: DEPTH }), 'f4f1f97235585c044d57da1118ad0dded7a7835d71f00af8bf5118fed72be6ca');
  assert.equal(
    itemStoreKey({ fileSha256: FILE, cropBorder: 2, corruption: FOCUS, depthSha256: DEPTH }),
    '4703347739b171db98eb9fab108071d109aa1cc1fbe9e20e6eaaf7ececcae634',
  );
  assert.equal(corruptedKey(croppedKey(FILE, 2), NOISE, null), '70c154551597b4923263729653c03faebb7bab5064176d99e39cf40fcffb7537');
});

test('item key: the clean key (which seeds random corruptions) is the file hash or the cropped key', () => {
  assert.equal(cleanItemKey(FILE), FILE);
  assert.equal(cleanItemKey(FILE, 0), FILE);
  assert.equal(cleanItemKey(FILE, 2), '6b43e3205b6a52668293ea9197ef9e3eea78609a26488bf040e3b404318e10ec');
});
