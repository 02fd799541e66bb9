/**
 * Measures what the ImageNet-C protocol changes (NOTES / README figures), on a folder of photos:
 *   - geometry: mean and max |difference| (grey levels, all pixels and channels) between the 224 x 224 pixels of
 *     the reference geometry (Pillow decode, PIL bilinear Resize(256), CenterCrop(224)) and holoclip's earlier
 *     one (sharp decode, lanczos3 resize, floored crop);
 *   - JPEG: for each noise corruption and severity, mean |difference| between the corrupted pixels with and
 *     without the quality-85 round trip.
 *
 *   node --import tsx tools/corruptions/measure_protocol.ts --images DIR
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { corrupt, finishCorrupted, loadForCorruption } from '../../src/corruptions/apply.js';
import { parseCorruptions } from '../../src/corruptions/registry.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function diff(a: Uint8Array, b: Uint8Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max };
}

const dir = arg('images');
if (!dir) throw new Error('usage: measure_protocol.ts --images DIR');
const files = (await fs.readdir(dir)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
const lines: string[] = [`images: ${files.join(', ')}`, '', 'geometry, imagenet-c (PIL bilinear) vs imagenet-c-lanczos3 (sharp), clean 224 px pixels:'];
const images = [];
for (const f of files) {
  const bytes = await fs.readFile(path.join(dir, f));
  const pil = await loadForCorruption(bytes, f, 'imagenet-c');
  const old = await loadForCorruption(bytes, f, 'imagenet-c-lanczos3');
  const d = diff(pil.image.data, old.image.data);
  lines.push(`  ${f}: mean ${d.mean.toFixed(2)}, max ${d.max}`);
  images.push({ f, image: pil.image, key: f });
}
lines.push('', 'JPEG q85 round trip vs lossless, noise corruptions (mean |diff| in grey levels over the images, severities 1-5):');
for (const name of ['gaussian_noise', 'shot_noise', 'impulse_noise', 'speckle_noise']) {
  const per = parseCorruptions(name, 0, { geometry: 'imagenet-c', jpegQuality: null }).map((spec) => {
    let sum = 0;
    for (const im of images) {
      const c = corrupt(im.image, spec, im.key);
      sum += diff(c.data, finishCorrupted(c, { geometry: 'imagenet-c', jpegQuality: 85 }).data).mean;
    }
    return sum / images.length;
  });
  lines.push(`  ${name.padEnd(15)} ${per.map((v) => v.toFixed(1)).join(' / ')}`);
}
process.stdout.write(`${lines.join('\n')}\n`);
