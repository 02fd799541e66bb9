/** Unreadable inputs must become ImageReadError(file, short reason) in both modes, never a raw sharp error. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { HoloclipError, ImageReadError } from '../src/errors.js';
import { createPreprocessor, type ImagePreprocessor } from '../src/image/index.js';
import { CLIP_SMALL, tempModels, type TempModels } from './helpers/image-fixtures.js';

let models: TempModels;
let preprocessors: ImagePreprocessor[];
let noRgbConversion: ImagePreprocessor[];

before(async () => {
  models = await tempModels();
  const dir = await models.add('clip', CLIP_SMALL);
  preprocessors = [await createPreprocessor(dir, 'fast'), await createPreprocessor(dir, 'reference')];
  const dir2 = await models.add('no-rgb', { ...CLIP_SMALL, do_convert_rgb: false });
  noRgbConversion = [await createPreprocessor(dir2, 'fast'), await createPreprocessor(dir2, 'reference')];
});
after(() => models.cleanup());

async function corruptInputs(): Promise<Record<string, Buffer>> {
  const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#336699' } }).jpeg().toBuffer();
  const png = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#996633' } }).png().toBuffer();
  const webp = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#669933' } }).webp().toBuffer();
  return {
    'empty.jpg': Buffer.alloc(0),
    'notes.txt.jpg': Buffer.from('this is not an image, just some text\n'),
    'random.bin': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)),
    'truncated-half.jpg': jpeg.subarray(0, Math.floor(jpeg.length / 2)),
    'truncated-header.jpg': jpeg.subarray(0, 20),
    'truncated-half.png': png.subarray(0, Math.floor(png.length / 2)),
    'truncated-header.png': png.subarray(0, 40),
    'truncated.webp': webp.subarray(0, Math.floor(webp.length * 0.6)),
  };
}

test('corrupt, truncated and non-image buffers give ImageReadError naming the file', async () => {
  const inputs = await corruptInputs();
  for (const p of preprocessors) {
    for (const [name, buf] of Object.entries(inputs)) {
      const file = `/data/images/${name}`;
      await assert.rejects(
        p.process(buf, file),
        (err: unknown) => {
          assert.ok(err instanceof ImageReadError, `${p.mode} ${name}: ${String(err)}`);
          assert.equal(err.file, file);
          assert.ok(err.message.startsWith(`cannot read image ${file}: `), err.message);
          assert.ok(!err.message.includes('\n'), `single line: ${JSON.stringify(err.message)}`);
          assert.ok(err.message.length < 300, err.message);
          return true;
        },
        `${p.mode} ${name}`,
      );
    }
  }
});

test('reasons are short and specific', async () => {
  const inputs = await corruptInputs();
  const [fast] = preprocessors;
  const reason = async (name: string) => {
    try {
      await fast.process(inputs[name], name);
    } catch (err) {
      return (err as Error).message.slice(`cannot read image ${name}: `.length);
    }
    return 'no error';
  };
  assert.equal(await reason('empty.jpg'), 'empty file (0 bytes)');
  assert.equal(await reason('notes.txt.jpg'), 'not a supported image format');
  assert.match(await reason('truncated-half.jpg'), /^corrupt or truncated image/);
  assert.match(await reason('truncated-half.png'), /^corrupt or truncated image/);
});

test('do_convert_rgb=false: RGB works, other channel counts are a clear per-image error in both modes', async () => {
  const rgb = await sharp({ create: { width: 90, height: 80, channels: 3, background: '#123456' } }).png().toBuffer();
  const grey = await sharp({ create: { width: 90, height: 80, channels: 3, background: '#777777' } }).toColourspace('b-w').png().toBuffer();
  const [fastOut, refOut] = await Promise.all(noRgbConversion.map((p) => p.process(rgb, 'rgb.png')));
  assert.deepEqual(fastOut, refOut);
  for (const p of noRgbConversion) {
    await assert.rejects(p.process(grey, 'grey.png'), (err: unknown) => err instanceof ImageReadError && /grey\.png.*1 channel.*do_convert_rgb/.test(err.message));
  }
});

test('ImageReadError is a HoloclipError', async () => {
  await assert.rejects(preprocessors[0].process(Buffer.from('x'), 'x.png'), HoloclipError);
});
