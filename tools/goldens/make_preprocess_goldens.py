#!/usr/bin/python3
"""Goldens for Pillow-identical decoding and resizing (src/image/pil-decode.ts, src/image/pil-resample.ts).

Run from the repository root with Debian 12's Python and python3-pil (Pillow 9.4.0, libjpeg-turbo 2.1.5,
libpng 1.6.39, zlib 1.2.13, LittleCMS 2.14), python3-numpy 1.24:

    /usr/bin/python3 tools/goldens/make_preprocess_goldens.py [--out test/golden/preprocess]

Cross-check with a newer Pillow (the pip mirror's 12.3.0 gave identical bytes for every entry):

    /work/venv-pre/bin/python tools/goldens/make_preprocess_goldens.py --check test/golden/preprocess

Reference: Pillow's `Image.open(f).convert('RGB')` and `Image.resize((w, h), filter)` (python-pillow/Pillow,
src/libImaging/Resample.c, Convert.c, JpegImagePlugin.py). Nothing from Pillow is copied into holoclip.

Writes small test images this script draws itself (smooth gradients + edges + seeded noise, several sizes and
aspect ratios incl. odd sizes):
- JPEGs: 4:2:0, 4:4:4, progressive, greyscale, one with a hand-built Adobe RGB (1998) matrix/TRC ICC profile
  (Pillow ignores it; sharp would convert it to sRGB), one with EXIF orientation 6 (Pillow does not transpose;
  the `exif_transpose` entry has the ImageOps.exif_transpose pixels), CMYK with Pillow's Adobe APP14 marker and
  the same file with APP14 removed (Pillow assumes Adobe-inverted CMYK either way);
- a CMYK TIFF, a lossy and a lossless WebP, a palette GIF;
- PNGs: palette with a tRNS chunk, 4-bit palette, greyscale 1/2/4/8-bit, grey+alpha, RGBA, and 16-bit grey, grey+alpha,
  RGB, RGBA (the 16-bit and low-bit ones are written by hand with zlib, since Pillow cannot write all of them).
For each: `<name>.rgb` = the uint8 RGB pixels of `Image.open(f).convert('RGB')` (interleaved, row-major).
For resizing: `index.json` lists, for each (image, target size, filter), the sha256 of
`Image.open(f).convert('RGB' | 'L').resize((w, h), filter)`'s bytes and a few sampled values.
Reruns write byte-identical files.
"""
import argparse
import hashlib
import io
import json
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import PIL
from PIL import Image, ImageOps, features

FILTERS = {
    'nearest': Image.NEAREST,
    'box': Image.BOX,
    'bilinear': Image.BILINEAR,
    'hamming': Image.HAMMING,
    'bicubic': Image.BICUBIC,
    'lanczos': Image.LANCZOS,
}


def natural(w, h, seed, channels=3):
    """Photo-like content: smooth gradients, a few hard edges, a disc, and seeded noise (uint8 HxWxC)."""
    rng = np.random.RandomState(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    u, v = xx / max(w - 1, 1), yy / max(h - 1, 1)
    r = 40 + 170 * u + 25 * np.sin(6.0 * v + seed)
    g = 60 + 120 * v + 40 * np.cos(5.0 * u * v + 0.5 * seed)
    b = 200 - 150 * u * v + 20 * np.sin(9.0 * (u - v))
    img = np.stack([r, g, b], -1)
    img[(xx > 0.55 * w) & (yy < 0.4 * h)] = [230, 215, 60]  # a bright block with hard edges
    disc = (xx - 0.3 * w) ** 2 + (yy - 0.65 * h) ** 2 < (0.18 * min(w, h)) ** 2
    img[disc] = [25, 35, 90]
    img[(xx.astype(int) + yy.astype(int)) % max(7, w // 6) == 0] *= 0.6  # thin diagonal lines
    img += rng.normal(0, 6, img.shape)
    out = np.clip(np.round(img), 0, 255).astype(np.uint8)
    if channels == 1:
        return np.clip(np.round(out @ np.array([0.299, 0.587, 0.114])), 0, 255).astype(np.uint8)
    return out


def s15(x):
    return struct.pack('>i', int(round(x * 65536)))


def adobe_rgb_icc():
    """A minimal ICC v2 display profile for Adobe RGB (1998): D50-adapted primaries, gamma 563/256 TRCs."""
    def tag_xyz(x, y, z):
        return b'XYZ ' + b'\0' * 4 + s15(x) + s15(y) + s15(z)

    def tag_curv(gamma_u8f8):
        return b'curv' + b'\0' * 4 + struct.pack('>IH', 1, gamma_u8f8) + b'\0\0'

    def tag_desc(text):
        a = text.encode('ascii') + b'\0'
        return b'desc' + b'\0' * 4 + struct.pack('>I', len(a)) + a + struct.pack('>II', 0, 0) + struct.pack('>HB', 0, 0) + b'\0' * 67

    def tag_text(text):
        return b'text' + b'\0' * 4 + text.encode('ascii') + b'\0'

    curv = tag_curv(0x0233)
    tags = [
        (b'desc', tag_desc('holoclip test Adobe RGB (1998)')),
        (b'cprt', tag_text('No copyright, test profile')),
        (b'wtpt', tag_xyz(0.96420, 1.0, 0.82491)),
        (b'rXYZ', tag_xyz(0.60974, 0.31111, 0.01947)),
        (b'gXYZ', tag_xyz(0.20528, 0.62567, 0.06087)),
        (b'bXYZ', tag_xyz(0.14919, 0.06322, 0.74457)),
        (b'rTRC', curv),
        (b'gTRC', curv),
        (b'bTRC', curv),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b'', b''
    for sig, body in tags:
        while (offset + len(data)) % 4:
            data += b'\0'
        table += sig + struct.pack('>II', offset + len(data), len(body))
        data += body
    while len(data) % 4:
        data += b'\0'
    size = offset + len(data)
    header = (
        struct.pack('>I', size) + b'none' + struct.pack('>I', 0x02100000) + b'mntrRGB XYZ '
        + struct.pack('>6H', 2024, 1, 1, 0, 0, 0) + b'acsp' + b'APPL' + b'\0' * 4 + b'none' + b'none' + b'\0' * 8
        + struct.pack('>I', 0) + s15(0.9642) + s15(1.0) + s15(0.8249) + b'none' + b'\0' * 16 + b'\0' * 28
    )
    assert len(header) == 128
    return header + struct.pack('>I', len(tags)) + table + data


def png_bytes(width, height, color_type, bit_depth, rows, plte=None, trns=None):
    """A PNG written by hand (filter 0 on every row). rows: list of bytes objects, one per scanline."""
    def chunk(kind, body):
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body) & 0xFFFFFFFF)

    out = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, bit_depth, color_type, 0, 0, 0))
    if plte is not None:
        out += chunk(b'PLTE', plte)
    if trns is not None:
        out += chunk(b'tRNS', trns)
    out += chunk(b'IDAT', zlib.compress(b''.join(b'\0' + r for r in rows), 9))
    return out + chunk(b'IEND', b'')


def pack_bits(values, bits):
    """Pack small integers MSB first into bytes (one PNG scanline)."""
    out, acc, n = bytearray(), 0, 0
    for v in values:
        acc = (acc << bits) | int(v)
        n += bits
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def strip_app14(jpeg):
    """Remove Adobe APP14 segments from a JPEG (markers before SOS only)."""
    out, i = bytearray(jpeg[:2]), 2
    while i < len(jpeg):
        marker = jpeg[i:i + 2]
        if marker[1] == 0xDA:  # SOS: copy the rest
            out += jpeg[i:]
            break
        seg_len = struct.unpack('>H', jpeg[i + 2:i + 4])[0]
        if not (marker[1] == 0xEE and jpeg[i + 4:i + 9] == b'Adobe'):
            out += jpeg[i:i + 2 + seg_len]
        i += 2 + seg_len
    return bytes(out)


def exif_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def save(im, fmt, **kw):
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def make_images():
    """name -> encoded bytes."""
    imgs = {}
    photo = Image.fromarray(natural(97, 71, 1))
    imgs['photo-420.jpg'] = save(photo, 'JPEG', quality=90)
    imgs['photo-444.jpg'] = save(Image.fromarray(natural(64, 48, 2)), 'JPEG', quality=92, subsampling=0)
    imgs['photo-progressive.jpg'] = save(Image.fromarray(natural(45, 90, 3)), 'JPEG', quality=85, progressive=True)
    imgs['grey.jpg'] = save(Image.fromarray(natural(53, 37, 4, channels=1)), 'JPEG', quality=90)
    imgs['adobergb-icc.jpg'] = save(Image.fromarray(natural(80, 60, 5)), 'JPEG', quality=95, icc_profile=adobe_rgb_icc())
    imgs['exif-rot6.jpg'] = save(Image.fromarray(natural(60, 40, 6)), 'JPEG', quality=90, exif=exif_orientation(6))
    cmyk = Image.fromarray(natural(57, 43, 7)).convert('CMYK')
    k = natural(57, 43, 8, channels=1)
    cmyk_arr = np.asarray(cmyk).copy()
    cmyk_arr[..., 3] = (k // 3).astype(np.uint8)  # a real black channel, not only 0
    adobe = save(Image.fromarray(cmyk_arr, 'CMYK'), 'JPEG', quality=92)
    assert b'Adobe' in adobe
    imgs['cmyk-adobe.jpg'] = adobe
    imgs['cmyk-noadobe.jpg'] = strip_app14(adobe)
    imgs['cmyk.tiff'] = save(Image.fromarray(cmyk_arr, 'CMYK'), 'TIFF')
    imgs['photo-lossy.webp'] = save(Image.fromarray(natural(66, 50, 17)), 'WEBP', quality=80)
    imgs['photo-lossless.webp'] = save(Image.fromarray(natural(34, 26, 18)), 'WEBP', lossless=True)
    imgs['palette.gif'] = save(Image.fromarray(natural(44, 30, 19)).quantize(colors=32), 'GIF')

    # PNGs
    rgb = natural(41, 29, 9)
    imgs['rgb.png'] = save(Image.fromarray(rgb), 'PNG')
    pal = Image.fromarray(natural(50, 34, 10)).quantize(colors=64, method=Image.MEDIANCUT, dither=Image.NONE)
    imgs['palette-trns.png'] = save(pal, 'PNG', transparency=bytes([0, 40, 128, 255] + [200] * 60))
    idx = (np.arange(33 * 21).reshape(21, 33) * 7 // 5) % 16
    plte = bytes(int(c) for i in range(16) for c in (i * 16, 255 - i * 13, (i * 37) % 256))
    imgs['palette-4bit.png'] = png_bytes(33, 21, 3, 4, [pack_bits(r, 4) for r in idx], plte=plte)
    grey = natural(39, 27, 11, channels=1)
    imgs['grey.png'] = save(Image.fromarray(grey), 'PNG')
    for bits in (1, 2, 4):
        vals = grey.astype(int) >> (8 - bits)
        imgs[f'grey-{bits}bit.png'] = png_bytes(39, 27, 0, bits, [pack_bits(r, bits) for r in vals])
    alpha = natural(39, 27, 12, channels=1)
    imgs['grey-alpha.png'] = save(Image.fromarray(np.stack([grey, alpha], -1), 'LA'), 'PNG')
    imgs['rgba.png'] = save(Image.fromarray(np.concatenate([rgb, natural(41, 29, 13, channels=1)[..., None]], -1), 'RGBA'), 'PNG')
    rng = np.random.RandomState(14)
    g16 = (natural(31, 23, 15, channels=1).astype(np.uint32) * 257 // 3 + rng.randint(0, 256, (23, 31))).astype('>u2')
    imgs['grey16.png'] = png_bytes(31, 23, 0, 16, [r.tobytes() for r in g16])
    ga16 = np.stack([g16, (np.arange(23 * 31).reshape(23, 31) * 91 % 65536).astype('>u2')], -1).astype('>u2')
    imgs['grey-alpha16.png'] = png_bytes(31, 23, 4, 16, [r.tobytes() for r in ga16])
    rgb16 = (natural(31, 23, 16).astype(np.uint32) * 257 + rng.randint(-128, 128, (23, 31, 3))).clip(0, 65535).astype('>u2')
    imgs['rgb16.png'] = png_bytes(31, 23, 2, 16, [r.tobytes() for r in rgb16])
    rgba16 = np.concatenate([rgb16, ga16[..., 1:]], -1).astype('>u2')
    imgs['rgba16.png'] = png_bytes(31, 23, 6, 16, [r.tobytes() for r in rgba16])
    return imgs


# (image, (width, height), filters); the L cases resize the 'L' conversion of a greyscale image.
RESIZES = [
    ('photo-420.jpg', (224, 224), None),
    ('photo-420.jpg', (68, 50), None),
    ('photo-420.jpg', (31, 71), None),
    ('photo-420.jpg', (97, 20), None),
    ('photo-444.jpg', (301, 226), None),
    ('photo-444.jpg', (33, 24), None),
    ('photo-progressive.jpg', (224, 448), None),
    ('photo-progressive.jpg', (13, 27), None),
    ('adobergb-icc.jpg', (37, 29), None),
    ('grey.jpg', (75, 52), None),
    ('grey.jpg', (17, 12), None),
    ('rgb.png', (1, 1), ('bicubic', 'bilinear', 'nearest')),
    ('rgb.png', (400, 3), ('bicubic', 'bilinear')),
]


def sha(b):
    return hashlib.sha256(b).hexdigest()


def decode_rgb(data):
    return Image.open(io.BytesIO(data)).convert('RGB')


def build(imgs):
    """(files, index): files = name -> bytes to write."""
    files = dict(imgs)
    decodes = []
    for name, data in imgs.items():
        im = Image.open(io.BytesIO(data))
        rgb = im.convert('RGB')
        files[name + '.rgb'] = rgb.tobytes()
        decodes.append({'file': name, 'mode': im.mode, 'width': rgb.width, 'height': rgb.height, 'sha256': sha(rgb.tobytes())})
    transposed = ImageOps.exif_transpose(Image.open(io.BytesIO(imgs['exif-rot6.jpg']))).convert('RGB')
    files['exif-rot6.jpg.transposed.rgb'] = transposed.tobytes()
    resizes = []
    for name, (w, h), filters in RESIZES:
        base = decode_rgb(imgs[name])
        if name.startswith('grey'):
            base = base.convert('L')
        for f in filters or FILTERS:
            out = base.resize((w, h), FILTERS[f]).tobytes()
            samples = [[i, out[i]] for i in sorted({0, len(out) // 3, len(out) // 2, len(out) - 1})]
            resizes.append({'file': name, 'channels': len(base.getbands()), 'width': w, 'height': h, 'filter': f, 'sha256': sha(out), 'samples': samples})
    index = {
        'generator': 'tools/goldens/make_preprocess_goldens.py',
        'pillow': PIL.__version__,
        'libjpeg_turbo': features.version('libjpeg_turbo') if 'libjpeg_turbo' in features.features else features.version('jpg'),
        'decodes': decodes,
        'exif_transpose': {'file': 'exif-rot6.jpg', 'width': transposed.width, 'height': transposed.height, 'sha256': sha(transposed.tobytes())},
        'resizes': resizes,
    }
    return files, index


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default='test/golden/preprocess')
    ap.add_argument('--check', help='compare this Pillow against the goldens in DIR instead of writing')
    args = ap.parse_args()
    if args.check:
        d = Path(args.check)
        index = json.loads((d / 'index.json').read_text())
        imgs = {e['file']: (d / e['file']).read_bytes() for e in index['decodes']}
        _, mine = build(imgs)
        bad = 0
        for key in ('decodes', 'resizes'):
            for a, b in zip(index[key], mine[key]):
                if a['sha256'] != b['sha256']:
                    bad += 1
                    print('DIFFERENT', key, a)
        if index['exif_transpose']['sha256'] != mine['exif_transpose']['sha256']:
            bad += 1
            print('DIFFERENT exif_transpose')
        print(f'Pillow {PIL.__version__}: {bad} differences from the goldens made with Pillow {index["pillow"]}')
        sys.exit(1 if bad else 0)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    files, index = build(make_images())
    for name, data in files.items():
        (out / name).write_bytes(data)
    (out / 'index.json').write_text(json.dumps(index, indent=1) + '\n')
    total = sum(len(v) for v in files.values())
    print(f'wrote {len(files)} files ({total} bytes) + index.json to {out} with Pillow {PIL.__version__}')


if __name__ == '__main__':
    main()
