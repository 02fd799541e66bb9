/**
 * Measures how strong ImageNet-C's frost is with the reference's frost photographs and with holoclip's
 * procedural frost textures, and the statistics of both (the figures of docs/corruptions.md, "Frost strength").
 *
 *   node --import tsx tools/frost/measure_frost.ts --photos DIR --images DIR [--crops N] [--seed S]
 *
 * --photos: a folder holding frost1.png frost2.png frost3.png frost4.jpg frost5.jpg (the five the reference's
 *   `np.random.randint(5)` picks from; hendrycks/robustness ImageNet-C/create_c/ or the imagecorruptions
 *   package's frost/ folder). They are read here only, never copied into holoclip.
 * --images: a folder of natural photos (jpg/png), brought to 224 x 224 as ImageNet-C does (shortest edge 256,
 *   centre crop 224).
 *
 * Frost strength at severity s: the mean absolute difference, in grey levels (0-255) over all pixels and
 * channels, between the frosted image clip(c0 x + c1 frost) (make_imagenet_c.py's weights, truncated to 8 bits)
 * and the clean image, averaged over the images and over N random 224 x 224 crops of the frost layer
 * (crop corners drawn as the reference draws them). Statistics of a frost layer, over the same crops: mean
 * (0-1, all channels) and per channel, contrast (mean over crops of the grey std), and the spatial spectrum
 * as the slope of log power vs log frequency (radially averaged, 4-64 cycles per 224 px, grey, mean removed)
 * and the fraction of the (non-DC) power above 28 cycles per 224 px.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { FROST_TABLE } from '../../src/corruptions/imagenet-c/weather.js';
import { FROST_TEXTURE_COUNT, frostTexture } from '../../src/corruptions/imagenet-c/frost-texture.js';
import { createRng } from '../../src/metrics/random.js';

interface Layer {
  name: string;
  width: number;
  height: number;
  data: Uint8Array; // RGB interleaved
}

const SIZE = 224;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function readRgb(file: string): Promise<Layer> {
  // cv2.imread(IMREAD_COLOR) drops alpha without compositing: removeAlpha does the same.
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { name: path.basename(file), width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

async function readImage224(file: string): Promise<Uint8Array> {
  const meta = await sharp(file).metadata();
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  const s = 256 / Math.min(w, h);
  const rw = Math.max(SIZE, Math.round(w * s));
  const rh = Math.max(SIZE, Math.round(h * s));
  const buf = await sharp(file)
    .removeAlpha()
    .resize(rw, rh, { fit: 'fill' })
    .extract({ left: Math.floor((rw - SIZE) / 2), top: Math.floor((rh - SIZE) / 2), width: SIZE, height: SIZE })
    .raw()
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

function crop(l: Layer, top: number, left: number): Uint8Array {
  const out = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) out.set(l.data.subarray(((top + y) * l.width + left) * 3, ((top + y) * l.width + left + SIZE) * 3), y * SIZE * 3);
  return out;
}

/** Naive separable DFT power spectrum of a SIZE x SIZE plane (mean removed). */
function powerSpectrum(grey: Float64Array): Float64Array {
  const n = SIZE;
  let mean = 0;
  for (const v of grey) mean += v;
  mean /= grey.length;
  const cos = new Float64Array(n * n);
  const sin = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) {
    cos[k * n + j] = Math.cos((2 * Math.PI * k * j) / n);
    sin[k * n + j] = -Math.sin((2 * Math.PI * k * j) / n);
  }
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let k = 0; k < n; k++) {
      let a = 0;
      let b = 0;
      for (let x = 0; x < n; x++) {
        const v = grey[y * n + x] - mean;
        a += v * cos[k * n + x];
        b += v * sin[k * n + x];
      }
      re[y * n + k] = a;
      im[y * n + k] = b;
    }
  }
  const p = new Float64Array(n * n);
  for (let kx = 0; kx < n; kx++) {
    for (let ky = 0; ky < n; ky++) {
      let a = 0;
      let b = 0;
      for (let y = 0; y < n; y++) {
        const c = cos[ky * n + y];
        const s = sin[ky * n + y];
        const r = re[y * n + kx];
        const i = im[y * n + kx];
        a += r * c - i * s;
        b += r * s + i * c;
      }
      p[ky * n + kx] = a * a + b * b;
    }
  }
  return p;
}

function spectrumFigures(p: Float64Array): { slope: number; high: number } {
  const n = SIZE;
  const sums = new Float64Array(n);
  const counts = new Float64Array(n);
  let total = 0;
  let high = 0;
  for (let ky = 0; ky < n; ky++) {
    for (let kx = 0; kx < n; kx++) {
      const fy = ky <= n / 2 ? ky : ky - n;
      const fx = kx <= n / 2 ? kx : kx - n;
      const f = Math.sqrt(fx * fx + fy * fy);
      if (f === 0) continue;
      total += p[ky * n + kx];
      if (f > 28) high += p[ky * n + kx];
      const r = Math.round(f);
      if (r < n) {
        sums[r] += p[ky * n + kx];
        counts[r]++;
      }
    }
  }
  const xs: number[] = [];
  const ys: number[] = [];
  for (let r = 4; r <= 64; r++) if (counts[r] > 0 && sums[r] > 0) {
    xs.push(Math.log(r));
    ys.push(Math.log(sums[r] / counts[r]));
  }
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return { slope: num / den, high: high / total };
}

interface Figures {
  name: string;
  mean: number;
  channels: [number, number, number];
  contrast: number;
  slope: number;
  high: number;
  strength: number[];
}

function measure(layer: Layer, images: Uint8Array[], crops: number, seed: number, spectrumCrops: number): Figures {
  const rng = createRng(seed);
  const strength = FROST_TABLE.map(() => 0);
  const ch = [0, 0, 0];
  let contrast = 0;
  let slope = 0;
  let high = 0;
  for (let k = 0; k < crops; k++) {
    const top = Math.floor(rng.next() * (layer.height - SIZE));
    const left = Math.floor(rng.next() * (layer.width - SIZE));
    const f = crop(layer, top, left);
    const grey = new Float64Array(SIZE * SIZE);
    for (let i = 0; i < grey.length; i++) {
      for (let c = 0; c < 3; c++) ch[c] += f[i * 3 + c] / 255;
      grey[i] = (0.299 * f[i * 3] + 0.587 * f[i * 3 + 1] + 0.114 * f[i * 3 + 2]) / 255;
    }
    let m = 0;
    for (const v of grey) m += v;
    m /= grey.length;
    let v2 = 0;
    for (const v of grey) v2 += (v - m) ** 2;
    contrast += Math.sqrt(v2 / grey.length);
    if (k < spectrumCrops) {
      const s = spectrumFigures(powerSpectrum(grey));
      slope += s.slope;
      high += s.high;
    }
    FROST_TABLE.forEach(([c0, c1], s) => {
      let sum = 0;
      for (const img of images) {
        for (let i = 0; i < img.length; i++) {
          const v = c0 * img[i] + c1 * f[i];
          const out = Math.trunc(v < 0 ? 0 : v > 255 ? 255 : v);
          sum += Math.abs(out - img[i]);
        }
      }
      strength[s] += sum / (images.length * images[0].length);
    });
  }
  const px = crops * SIZE * SIZE;
  const channels = ch.map((v) => v / px) as [number, number, number];
  return {
    name: layer.name,
    mean: (channels[0] + channels[1] + channels[2]) / 3,
    channels,
    contrast: contrast / crops,
    slope: slope / spectrumCrops,
    high: high / spectrumCrops,
    strength: strength.map((v) => v / crops),
  };
}

function row(f: Figures): string {
  const n = (v: number, d = 3) => v.toFixed(d);
  return `| ${f.name} | ${n(f.mean)} | ${f.channels.map((v) => n(v, 2)).join(' / ')} | ${n(f.contrast)} | ${n(f.slope, 2)} | ${n(f.high)} | ${f.strength.map((v) => n(v, 1)).join(' / ')} |`;
}

async function main(): Promise<void> {
  const photos = arg('photos');
  const imagesDir = arg('images');
  if (!photos || !imagesDir) throw new Error('usage: measure_frost.ts --photos DIR --images DIR [--crops N] [--seed S]');
  const crops = Number(arg('crops') ?? 24);
  const seed = Number(arg('seed') ?? 0);
  const spectrumCrops = Math.min(crops, 6);
  const imageFiles = (await fs.readdir(imagesDir)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  const images = await Promise.all(imageFiles.map((f) => readImage224(path.join(imagesDir, f))));
  const header = ['| frost layer | mean | r / g / b | contrast (grey std) | spectrum slope | power > 28 c/224 | strength sev 1-5 (grey levels) |', '|---|---|---|---|---|---|---|'];
  const photoFigures: Figures[] = [];
  for (const f of ['frost1.png', 'frost2.png', 'frost3.png', 'frost4.jpg', 'frost5.jpg']) photoFigures.push(measure(await readRgb(path.join(photos, f)), images, crops, seed, spectrumCrops));
  const texFigures: Figures[] = [];
  for (let i = 0; i < FROST_TEXTURE_COUNT; i++) {
    const t = frostTexture(i);
    texFigures.push(measure({ name: `holoclip texture ${i}`, width: t.size, height: t.size, data: t.data }, images, crops, seed, spectrumCrops));
  }
  const avg = (list: Figures[], name: string): Figures => {
    const k = list.length;
    const m = (g: (f: Figures) => number) => list.reduce((a, f) => a + g(f), 0) / k;
    return {
      name,
      mean: m((f) => f.mean),
      channels: [m((f) => f.channels[0]), m((f) => f.channels[1]), m((f) => f.channels[2])],
      contrast: m((f) => f.contrast),
      slope: m((f) => f.slope),
      high: m((f) => f.high),
      strength: FROST_TABLE.map((_, s) => m((f) => f.strength[s])),
    };
  };
  const lines = [
    `images: ${imageFiles.join(', ')} (${images.length}); ${crops} random crops per frost layer (seed ${seed}); spectrum over the first ${spectrumCrops}`,
    '',
    ...header,
    ...photoFigures.map(row),
    row(avg(photoFigures, '**photographs, mean**')),
    ...texFigures.map(row),
    row(avg(texFigures, '**holoclip textures, mean**')),
    '',
    'strength per severity: photographs min-max, holoclip textures mean, ratio textures / photographs (means)',
  ];
  const pm = avg(photoFigures, '');
  const tm = avg(texFigures, '');
  FROST_TABLE.forEach((_, s) => {
    const v = photoFigures.map((f) => f.strength[s]);
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    const t = tm.strength[s];
    lines.push(`severity ${s + 1}: photographs ${lo.toFixed(1)}-${hi.toFixed(1)} (mean ${pm.strength[s].toFixed(1)}), textures ${t.toFixed(1)} (each ${texFigures.map((f) => f.strength[s].toFixed(1)).join(', ')}), ratio ${(t / pm.strength[s]).toFixed(2)}, ${t >= lo && t <= hi ? 'within' : 'OUTSIDE'} the photographs' spread`);
  });
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
