#!/usr/bin/python3
"""Golden images for the deterministic ImageNet-C corruptions in src/corruptions/imagenet-c/.

Run from the repository root with Debian's Python (python3-numpy, -scipy, -skimage, -opencv, -pil):

    /usr/bin/python3 tools/goldens/make_corruption_goldens.py [--out test/golden/corruptions]

Writes two synthetic test images (`input-a.png`, 224x224, the ImageNet-C size; `input-b.png`, 120x88, a
non-square size that is not a multiple of the JPEG MCU) and, for each of the eight deterministic corruptions
(brightness, contrast, saturate, pixelate, jpeg_compression, defocus_blur, zoom_blur, gaussian_blur) at the five
severities, the reference output as a lossless PNG `<input>-<corruption>-<severity>.png`, plus `index.json`.
test/corruptions-imagenet-c.test.ts decodes them with sharp and compares.

The formulas follow Hendrycks & Dietterich's make_imagenet_c.py (ImageNet-C) and its packaged form
bethgelab/imagecorruptions (written anew here, not copied):
- the float corruptions compute in float64 (zoom_blur in float32 as the reference does), clip to [0, 1],
  multiply by 255 and convert with np.uint8 (truncation), as make_imagenet_c.py's save path and
  imagecorruptions.corrupt() both do;
- pixelate is make_imagenet_c.py's: PIL BOX down to int(size * c), PIL BOX back up (imagecorruptions uses
  NEAREST for the way up);
- jpeg_compression saves with PIL at the table's quality (4:2:0, libjpeg's standard tables) and decodes with PIL;
- zoom_blur's clipped_zoom is imagecorruptions' (non-square aware); for these sizes its top-left trim and
  make_imagenet_c.py's centred trim select the same pixels.
Also the protocol around the corruptions (src/corruptions/apply.ts, protocol.ts), under `protocol/`:
- geometry: make_imagenet_c.py's `Image.open(f).convert('RGB')`, torchvision `Resize(256)` (PIL BILINEAR, the
  long side `int(256 * long / short)`) and `CenterCrop(224)` (offsets `int(round((size - 224) / 2.0))`), written
  out by hand in imagenet_c_geometry.py (Debian has no torchvision); when torchvision is importable the script also
  checks the hand version against `torchvision.transforms` on every input, and `python imagenet_c_geometry.py`
  does only that check (numpy, Pillow and torchvision: e.g. a venv with torchvision 0.28);
- jpeg85: `Image.fromarray(np.uint8(x)).save(f, quality=85, optimize=True)` decoded again with PIL, the published
  ImageNet-C files' last step, on both test images and on one corruption output.
The test images are drawn from formulas plus a fixed-seed numpy RandomState texture patch; they are stored as PNG,
so the TypeScript side needs no Python random generator. Reruns write byte-identical files.
"""
import argparse
import json
from io import BytesIO
from pathlib import Path

import cv2
import numpy as np
import PIL
import scipy
import skimage
from PIL import Image
from scipy.ndimage import zoom as scizoom
from skimage.filters import gaussian

from imagenet_c_geometry import geometry_inputs, imagenet_c_geometry

# ------------------------------------------------------------------ test images


def make_input_a():
    """224x224: colour gradients, saturated and grey shapes, a checkerboard, a grating, a noise patch."""
    h = w = 224
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3), np.float64)
    img[..., 0] = 40 + 180 * x / (w - 1)
    img[..., 1] = 30 + 160 * y / (h - 1)
    img[..., 2] = 200 - 150 * (x + y) / (w + h - 2)
    # saturated red disc, yellow disc (partly clipped channels)
    disc = (x - 60) ** 2 + (y - 60) ** 2 <= 30 ** 2
    img[disc] = (230, 20, 25)
    disc2 = (x - 170) ** 2 + (y - 150) ** 2 <= 24 ** 2
    img[disc2] = (250, 240, 10)
    # pure white and pure black rectangles, a grey ramp strip (HSV delta = 0)
    img[150:200, 20:70] = 255
    img[160:190, 30:60] = 0
    img[205:220, :, :] = np.repeat((x[205:220, :, None] * 255 / (w - 1)), 3, axis=2)
    # checkerboard (4 px), sinusoidal grating
    cb = ((x // 4 + y // 4) % 2 == 0)
    region = (y >= 100) & (y < 140) & (x >= 110) & (x < 200)
    img[region & cb] = (20, 90, 160)
    img[region & ~cb] = (200, 180, 60)
    grating = 128 + 100 * np.sin(2 * np.pi * (x + 0.5 * y) / 9.0)
    gr = (y >= 10) & (y < 60) & (x >= 120) & (x < 215)
    img[gr, 0] = grating[gr]
    img[gr, 1] = 255 - grating[gr]
    img[gr, 2] = 128
    # a small noise patch (texture)
    rs = np.random.RandomState(1234)
    img[60:92, 100:132] = rs.randint(0, 256, size=(32, 32, 3))
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def make_input_b():
    """120x88 (width x height): diagonal stripes, colour blobs, a dark corner."""
    h, w = 88, 120
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3), np.float64)
    stripes = 0.5 + 0.5 * np.sign(np.sin(2 * np.pi * (x - y) / 14.0))
    img[..., 0] = 60 + 150 * stripes
    img[..., 1] = 90 + 60 * np.cos(2 * np.pi * y / 40.0)
    img[..., 2] = 120 + 100 * np.sin(2 * np.pi * x / 55.0)
    blob = np.exp(-((x - 85) ** 2 + (y - 30) ** 2) / (2 * 12.0 ** 2))
    img[..., 1] = img[..., 1] * (1 - blob) + 250 * blob
    img[..., 0] = img[..., 0] * (1 - blob) + 10 * blob
    img[60:, :25] = (5, 8, 12)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


# ------------------------------------------------------------------ reference corruptions (deterministic ones)


def disk(radius, alias_blur=0.1, dtype=np.float32):
    if radius <= 8:
        L = np.arange(-8, 8 + 1)
        ksize = (3, 3)
    else:
        L = np.arange(-radius, radius + 1)
        ksize = (5, 5)
    X, Y = np.meshgrid(L, L)
    aliased_disk = np.array((X ** 2 + Y ** 2) <= radius ** 2, dtype=dtype)
    aliased_disk /= np.sum(aliased_disk)
    return cv2.GaussianBlur(aliased_disk, ksize=ksize, sigmaX=alias_blur)


def clipped_zoom(img, zoom_factor):
    ch0 = int(np.ceil(img.shape[0] / float(zoom_factor)))
    top0 = (img.shape[0] - ch0) // 2
    ch1 = int(np.ceil(img.shape[1] / float(zoom_factor)))
    top1 = (img.shape[1] - ch1) // 2
    return scizoom(img[top0:top0 + ch0, top1:top1 + ch1], (zoom_factor, zoom_factor, 1), order=1)


def gaussian_blur(x, severity):
    c = [1, 2, 3, 4, 6][severity - 1]
    x = gaussian(np.array(x) / 255., sigma=c, channel_axis=-1)
    return np.clip(x, 0, 1) * 255


def defocus_blur(x, severity):
    c = [(3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5)][severity - 1]
    x = np.array(x) / 255.
    kernel = disk(radius=c[0], alias_blur=c[1])
    channels = np.array([cv2.filter2D(x[:, :, d], -1, kernel) for d in range(3)]).transpose((1, 2, 0))
    return np.clip(channels, 0, 1) * 255


def zoom_blur(x, severity):
    c = [np.arange(1, 1.11, 0.01), np.arange(1, 1.16, 0.01), np.arange(1, 1.21, 0.02),
         np.arange(1, 1.26, 0.02), np.arange(1, 1.31, 0.03)][severity - 1]
    x = (np.array(x) / 255.).astype(np.float32)
    out = np.zeros_like(x)
    for zoom_factor in c:
        out += clipped_zoom(x, zoom_factor)[:x.shape[0], :x.shape[1], :]
    x = (x + out) / (len(c) + 1)
    return np.clip(x, 0, 1) * 255


def brightness(x, severity):
    c = [.1, .2, .3, .4, .5][severity - 1]
    x = np.array(x) / 255.
    x = skimage.color.rgb2hsv(x)
    x[:, :, 2] = np.clip(x[:, :, 2] + c, 0, 1)
    x = skimage.color.hsv2rgb(x)
    return np.clip(x, 0, 1) * 255


def contrast(x, severity):
    c = [0.4, .3, .2, .1, .05][severity - 1]
    x = np.array(x) / 255.
    means = np.mean(x, axis=(0, 1), keepdims=True)
    return np.clip((x - means) * c + means, 0, 1) * 255


def saturate(x, severity):
    c = [(0.3, 0), (0.1, 0), (2, 0), (5, 0.1), (20, 0.2)][severity - 1]
    x = np.array(x) / 255.
    x = skimage.color.rgb2hsv(x)
    x[:, :, 1] = np.clip(x[:, :, 1] * c[0] + c[1], 0, 1)
    x = skimage.color.hsv2rgb(x)
    return np.clip(x, 0, 1) * 255


def jpeg_compression(x, severity):
    c = [25, 18, 15, 10, 7][severity - 1]
    output = BytesIO()
    x.save(output, 'JPEG', quality=c)
    return Image.open(output)


def pixelate(x, severity):
    c = [0.6, 0.5, 0.4, 0.3, 0.25][severity - 1]
    w, h = x.size
    x = x.resize((int(w * c), int(h * c)), Image.BOX)
    return x.resize((w, h), Image.BOX)


CORRUPTIONS = {
    'brightness': brightness,
    'contrast': contrast,
    'saturate': saturate,
    'pixelate': pixelate,
    'jpeg_compression': jpeg_compression,
    'defocus_blur': defocus_blur,
    'zoom_blur': zoom_blur,
    'gaussian_blur': gaussian_blur,
}


def save_png(path, arr):
    Image.fromarray(arr).save(path, format='PNG', optimize=True)


# ------------------------------------------------------------------ protocol: geometry and JPEG q85


def jpeg_round_trip(arr, quality=85):
    buf = BytesIO()
    Image.fromarray(np.uint8(arr)).save(buf, 'JPEG', quality=quality, optimize=True)
    buf.seek(0)
    return np.array(Image.open(buf).convert('RGB'))


def write_protocol_goldens(out, inputs):
    pdir = out / 'protocol'
    pdir.mkdir(parents=True, exist_ok=True)
    index = {'geometry': [], 'jpeg85': []}
    try:
        import torchvision.transforms as T
    except ImportError:
        T = None
    for name, arr in geometry_inputs().items():
        # One PNG and one JPEG file per input: the JPEG also checks that decoding is Pillow's.
        for ext in ('png', 'jpg'):
            src = pdir / f'{name}.{ext}'
            if ext == 'png':
                save_png(src, arr)
            else:
                Image.fromarray(arr).save(src, 'JPEG', quality=90)
            with open(src, 'rb') as f:
                img = Image.open(f).convert('RGB')
            res = imagenet_c_geometry(img)
            if T is not None:
                ref = T.Compose([T.Resize(256), T.CenterCrop(224)])(img)
                assert np.array_equal(np.array(ref), np.array(res)), f'hand geometry != torchvision on {src}'
            fname = f'{name}.{ext}.imagenet-c.png'
            save_png(pdir / fname, np.array(res))
            index['geometry'].append({'input': src.name, 'width': int(arr.shape[1]), 'height': int(arr.shape[0]), 'file': fname})
    for name, arr in [('input-a', inputs['input-a']), ('input-b', inputs['input-b']), ('input-a-contrast-3', np.uint8(contrast(inputs['input-a'], 3)))]:
        if name == 'input-a-contrast-3':
            save_png(pdir / f'{name}.png', arr)
        fname = f'{name}.jpeg85.png'
        save_png(pdir / fname, jpeg_round_trip(arr))
        index['jpeg85'].append({'input': f'{name}.png' if name == 'input-a-contrast-3' else f'../{name}.png', 'file': fname})
    index['torchvision_checked'] = T is not None
    with open(pdir / 'index.json', 'w') as f:
        json.dump(index, f, indent=1)
        f.write('\n')
    return T is not None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default='test/golden/corruptions')
    args = ap.parse_args()
    out = Path(args.out)
    inputs = {'input-a': make_input_a(), 'input-b': make_input_b()}
    out.mkdir(parents=True, exist_ok=True)
    index = {
        'reference': 'make_imagenet_c.py (Hendrycks & Dietterich 2019) / imagecorruptions, see tools/goldens/make_corruption_goldens.py',
        'versions': {'numpy': np.__version__, 'scipy': scipy.__version__, 'skimage': skimage.__version__,
                     'opencv': cv2.__version__, 'pillow': PIL.__version__},
        'conversion': 'np.uint8(np.clip(x, 0, 1) * 255) (truncation) for float outputs; PIL images as decoded',
        'inputs': {},
        'goldens': [],
    }
    total = 0
    for name, arr in inputs.items():
        save_png(out / f'{name}.png', arr)
        index['inputs'][name] = {'file': f'{name}.png', 'width': int(arr.shape[1]), 'height': int(arr.shape[0])}
        for cname, fn in CORRUPTIONS.items():
            for severity in range(1, 6):
                if cname in ('pixelate', 'jpeg_compression'):
                    res = np.array(fn(Image.fromarray(arr), severity).convert('RGB'))
                else:
                    res = fn(arr, severity)
                res = np.uint8(res)
                assert res.shape == arr.shape, (cname, res.shape)
                fname = f'{name}-{cname}-{severity}.png'
                save_png(out / fname, res)
                index['goldens'].append({'input': name, 'corruption': cname, 'severity': severity, 'file': fname})
    with open(out / 'index.json', 'w') as f:
        json.dump(index, f, indent=1)
        f.write('\n')
    write_protocol_goldens(out, inputs)
    for p in list(out.iterdir()) + list((out / 'protocol').iterdir()):
        total += p.stat().st_size
    print(f'wrote {len(index["goldens"])} goldens to {out} ({total / 1e6:.2f} MB)')
    assert total < 3e6, 'goldens too large'


if __name__ == '__main__':
    main()
