#!/usr/bin/python3
"""Goldens for the PGM/PPM/BMP decoder (src/image/netpbm-bmp.ts).

Run from the repository root with Debian 12's Python and python3-pil (Pillow 9.4.0):

    /usr/bin/python3 tools/goldens/make_netpbm_bmp_goldens.py [--out test/golden/preprocess/netpbm-bmp]

Writes small images (Pillow's own writer where it has one, hand-built headers for the variants Pillow does not
write: top-down BMP, 32-bit BI_RGB BMP, PGM/PPM with maxval < 255) and, for each, `<name>.rgb` = the uint8 RGB
pixels of `Image.open(f).convert('RGB')` (interleaved, row-major). Reruns write byte-identical files.
"""
import argparse
import struct
from pathlib import Path

import numpy as np
from PIL import Image


def pattern(w, h, seed, channels=3):
    rng = np.random.RandomState(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([(xx * 37 + yy * 11 + 17 * c) % 256 for c in range(channels)], axis=-1)
    noise = rng.randint(0, 64, size=(h, w, channels))
    return ((base + noise) % 256).astype(np.uint8)


def bmp(pixels_rgb, bpp, top_down):
    h, w, _ = pixels_rgb.shape
    bgr = pixels_rgb[:, :, ::-1]
    if bpp == 32:
        bgr = np.concatenate([bgr, np.full((h, w, 1), 0x7F, np.uint8)], axis=-1)
    row_bytes = w * (bpp // 8)
    stride = (row_bytes + 3) // 4 * 4
    rows = [bgr[y].tobytes() + b'\0' * (stride - row_bytes) for y in range(h)]
    if not top_down:
        rows.reverse()
    data = b''.join(rows)
    info = struct.pack('<IiiHHIIiiII', 40, w, -h if top_down else h, 1, bpp, 0, len(data), 2835, 2835, 0, 0)
    head = struct.pack('<2sIHHI', b'BM', 14 + 40 + len(data), 0, 0, 14 + 40)
    return head + info + data


def netpbm(pixels, maxval, comment):
    h, w, c = pixels.shape
    magic = b'P6' if c == 3 else b'P5'
    return magic + b'\n' + comment + b'%d %d\n%d\n' % (w, h, maxval) + pixels.tobytes()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default='test/golden/preprocess/netpbm-bmp')
    out = Path(ap.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    rgb = pattern(13, 9, 1)
    grey = pattern(11, 7, 2, 1)
    Image.fromarray(rgb).save(out / 'rgb.ppm')
    Image.fromarray(grey[:, :, 0]).save(out / 'grey.pgm')
    Image.fromarray(rgb).save(out / 'rgb24.bmp')  # Pillow: 24-bit, bottom-up
    Image.fromarray(pattern(10, 6, 3)).convert('P', palette=Image.ADAPTIVE, colors=37).save(out / 'palette8.bmp')
    Image.fromarray(grey[:, :, 0]).save(out / 'grey8.bmp')  # 8-bit, grey palette
    files['topdown24.bmp'] = bmp(pattern(7, 5, 4), 24, True)
    files['rgb32.bmp'] = bmp(pattern(6, 4, 5), 32, False)
    files['topdown32.bmp'] = bmp(pattern(5, 3, 6), 32, True)
    files['maxval100.ppm'] = netpbm((pattern(9, 4, 7).astype(np.uint16) * 100 // 255).astype(np.uint8), 100, b'# a comment\n')
    files['maxval15.pgm'] = netpbm((pattern(8, 5, 8, 1) // 17).astype(np.uint8), 15, b'')
    for name, data in files.items():
        (out / name).write_bytes(data)
    for f in sorted(out.iterdir()):
        if f.suffix in ('.ppm', '.pgm', '.bmp'):
            with Image.open(f) as im:
                (out / (f.name + '.rgb')).write_bytes(np.asarray(im.convert('RGB'), dtype=np.uint8).tobytes())
                print(f.name, im.format, im.mode, im.size)


if __name__ == '__main__':
    main()
