/**
 * The decode worker's handle started without waiting (`DecodeClient.launch`, which `embedImages` uses so the worker
 * loads its modules while the model loads): batches asked for before it is ready are decoded once it is, and a
 * worker that cannot start rejects `ready` and every batch with its start error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { HoloclipError } from '../src/errors.js';
import { DecodeClient } from '../src/pipeline/decode-client.js';
import { CLIP_VIT_B32 } from './helpers/image-fixtures.js';
import { withTempDir } from './helpers/temp-dir.js';

/** A model folder (CLIP ViT-B/32 preprocessing) in `dir` and one flat-colour PNG per shape; returns the PNGs' paths. */
async function modelFolderWithImages(dir: string, shapes: ReadonlyArray<{ width: number; height: number; value: number }>): Promise<string[]> {
  await fs.writeFile(path.join(dir, 'preprocessor_config.json'), JSON.stringify(CLIP_VIT_B32));
  await fs.writeFile(path.join(dir, 'config.json'), '{}');
  const files: string[] = [];
  for (const [i, { width, height, value }] of shapes.entries()) {
    const f = path.join(dir, `img${i}.png`);
    await sharp(Buffer.alloc(width * height * 3, value), { raw: { width, height, channels: 3 } }).png().toFile(f);
    files.push(f);
  }
  return files;
}

test('launch: batches sent before the worker is ready are decoded when it is', async () => {
  await withTempDir(async (dir) => {
    const files = await modelFolderWithImages(dir, [0, 1, 2].map((i) => ({ width: 40, height: 30, value: 40 * i })));
    const client = DecodeClient.launch({ modelDir: dir, mode: 'python', concurrency: 2 });
    try {
      const batches = [client.decode(files.slice(0, 2).map((p, index) => ({ index, path: p }))), client.decode([{ index: 2, path: files[2] }])];
      const [a, b] = await Promise.all(batches);
      await client.ready;
      assert.deepEqual(a.items.map((r) => [r.index, r.ok]), [[0, true], [1, true]]);
      assert.deepEqual(b.items.map((r) => [r.index, r.ok]), [[2, true]]);
      assert.equal(b.pixels.length, 3 * 224 * 224);
    } finally {
      await client.close();
    }
  });
});

test('launch: a worker that cannot start rejects ready and the batches with its start error', async () => {
  await withTempDir(async (dir) => {
    // No preprocessor_config.json: the worker's preprocessor cannot be made.
    const client = DecodeClient.launch({ modelDir: dir, mode: 'python', concurrency: 2 });
    try {
      const batch = client.decode([{ index: 0, path: path.join(dir, 'absent.png') }]);
      const ready = await client.ready.then(() => null, (e: unknown) => e);
      assert.ok(ready instanceof HoloclipError, `ready rejected with ${String(ready)}`);
      await assert.rejects(batch, (e: unknown) => e === ready);
      await assert.rejects(client.decode([{ index: 1, path: 'x.png' }]), (e: unknown) => e === ready);
    } finally {
      await client.close();
    }
  });
});

test('decode: each image at its position in the request (a failed one leaves its row), a handed-back buffer holds the next batch', async () => {
  await withTempDir(async (dir) => {
    // Sizes that decode in different times, so with 4 in flight they finish out of order.
    const files = await modelFolderWithImages(dir, [0, 1, 2, 3].map((i) => ({ width: 400 - 90 * i, height: 300, value: 50 * i + 10 })));
    const plane = 3 * 224 * 224;
    const client = await DecodeClient.start({ modelDir: dir, mode: 'python', concurrency: 4 });
    try {
      const request = files.map((p, index) => ({ index, path: p }));
      const alone = await Promise.all(files.map((p, index) => client.decode([{ index, path: p }])));
      const first = await client.decode([request[0], { index: 9, path: path.join(dir, 'absent.png') }, ...request.slice(1)]);
      assert.deepEqual(first.items.map((r) => (r.ok ? r.row : null)), [0, null, 2, 3, 4]);
      for (let i = 0; i < 4; i++) {
        const row = i === 0 ? 0 : i + 1;
        assert.deepEqual(first.pixels.subarray(row * plane, (row + 1) * plane), alone[i].pixels, `image ${i}`);
      }
      // The buffer handed back is transferred (detached here) and holds the next, smaller batch.
      const buffer = first.pixels.buffer as ArrayBuffer;
      const second = await client.decode(request.slice(2).reverse(), buffer);
      assert.equal(buffer.byteLength, 0, 'transferred to the worker');
      assert.equal(second.pixels.buffer.byteLength, 5 * plane * 4, 'the same allocation came back');
      assert.equal(second.pixels.length, 2 * plane);
      assert.deepEqual(second.pixels.subarray(0, plane), alone[3].pixels);
      assert.deepEqual(second.pixels.subarray(plane, 2 * plane), alone[2].pixels);
    } finally {
      await client.close();
    }
  });
});
