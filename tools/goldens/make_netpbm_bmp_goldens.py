#!/usr/bin/python3
"""Goldens for the PGM/PPM/BMP decoder (src/image/netpbm-bmp.ts).

Run from the repository root with Debian 12's Python and python3-pil (Pillow 9.4.0):

    /usr/bin/python3 tools/goldens/make_netpbm_bmp_goldens.py [--out test/golden/preprocess/netpbm-bmp]

Writes small images (Pillow's own writer where it has one, hand-built files for the variants Pillow does not
write: top-down BMP, 32-bit BI_RGB BMP, PGM/PPM with maxval < 255; plain P1-P3 and binary P4 Netpbm with comments,
16-bit PGM/PPM; RLE8/RLE4 BMPs with every escape, 1/4/16-bit and BI_BITFIELDS BMPs, OS/2 headers, short palettes)
and, for each, `<name>.rgb` = the uint8 RGB pixels of `Image.open(f).convert('RGB')` (interleaved, row-major).
`--unsupported` prints what Pillow does with the variants holoclip refuses. Reruns write byte-identical files.
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


def plain(magic, w, h, maxval, samples, per_line=7):
    head = magic + b'\n# plain file\n%d %d\n' % (w, h) + (b'%d\n' % maxval if maxval is not None else b'')
    lines = []
    vals = [str(int(v)).encode() for v in samples]
    for i in range(0, len(vals), per_line):
        lines.append(b' '.join(vals[i:i + per_line]))
    # a comment at a line end and one on its own line (Pillow removes each up to its line end)
    lines.insert(1, b'# note')
    lines[2] += b' # trailing'
    return head + b'\n'.join(lines) + b'\n'


def bmp_file(w, h, bits, compression, pixel_data, palette=b'', header_size=40, colors=0, masks=b'', top_down=False):
    if header_size == 12:
        info = struct.pack('<IHHHH', 12, w, h, 1, bits)
    else:
        info = struct.pack('<IiiHHIIiiII', header_size, w, -h if top_down else h, 1, bits, compression, len(pixel_data), 2835, 2835, colors, 0)
        if header_size > 40:
            extra = masks if len(masks) else b''
            info += extra + b'\0' * (header_size - 40 - len(extra))
            masks = b''
    off = 14 + len(info) + len(masks) + len(palette)
    head = struct.pack('<2sIHHI', b'BM', off + len(pixel_data), 0, 0, off)
    return head + info + masks + palette + pixel_data


def bgrx_palette(colors):
    return b''.join(bytes((b, g, r, 0)) for r, g, b in colors)


def pack_rows(rows, bits, w):
    out = b''
    for row in rows:
        if bits == 1:
            b = bytearray((w + 7) // 8)
            for x, v in enumerate(row):
                b[x // 8] |= (v & 1) << (7 - x % 8)
        elif bits == 4:
            b = bytearray((w + 1) // 2)
            for x, v in enumerate(row):
                b[x // 2] |= (v & 15) << (4 if x % 2 == 0 else 0)
        else:
            b = bytearray(row)
        b += b'\0' * ((-len(b)) % 4)
        out += bytes(b)
    return out


def extended(files):
    """Plain and 16-bit Netpbm, RLE and other BMP variants (hand-built: Pillow writes none of them)."""
    rng = np.random.RandomState(11)
    bits = rng.randint(0, 2, size=(5, 11))
    files['p1-plain.pgm'] = b'P1\n# bitmap\n11 5\n' + b'\n'.join(b''.join(b'%d' % v for v in row[:6]) + b' ' + b' '.join(b'%d' % v for v in row[6:]) for row in bits) + b'\n'
    p4 = bytearray()
    for row in bits:
        b = bytearray(2)
        for x, v in enumerate(row):
            b[x // 8] |= int(v) << (7 - x % 8)
        p4 += b
    files['p4-bitmap.ppm'] = b'P4\n11 5\n' + bytes(p4)
    files['p2-plain.pgm'] = plain(b'P2', 6, 4, 255, pattern(6, 4, 12, 1).ravel())
    files['p2-plain-maxval1000.pgm'] = plain(b'P2', 5, 3, 1000, rng.randint(0, 1001, size=15))
    files['p3-plain.ppm'] = plain(b'P3', 4, 3, 255, pattern(4, 3, 13).ravel())
    files['p3-plain-maxval7.ppm'] = plain(b'P3', 5, 2, 7, rng.randint(0, 8, size=30))
    g16 = rng.randint(0, 65536, size=(4, 7)).astype('>u2')
    g16[0, :3] = [0, 200, 255]
    files['grey16.pgm'] = b'P5\n7 4\n65535\n' + g16.tobytes()
    g12 = rng.randint(0, 4096, size=(3, 5)).astype('>u2')
    files['grey-maxval4095.pgm'] = b'P5\n5 3\n4095\n' + g12.tobytes()
    c16 = rng.randint(0, 65536, size=(3, 4, 3)).astype('>u2')
    files['rgb16.ppm'] = b'P6\n4 3\n65535\n' + c16.tobytes()
    c10 = rng.randint(0, 1024, size=(2, 5, 3)).astype('>u2')
    files['rgb-maxval1023.ppm'] = b'P6 5 2 1023\n' + c10.tobytes()

    pal = [(int(a), int(b), int(c)) for a, b, c in rng.randint(0, 256, size=(16, 3))]
    # RLE8, 9x6, bottom-up: encoded runs, a run past the row end (clipped), absolute runs of odd and even length
    # (padded to an even file offset), end of line, a delta escape, end of bitmap.
    rle8 = bytes([
        3, 1, 0, 3, 5, 6, 7, 0, 3, 2,   # row 0: run of 3, absolute 3 (+ a pad byte to an even offset), run of 3
        0, 0,                           # end of line
        20, 4,                          # row 1: run clipped to the row (9)
        0, 4, 8, 9, 10, 11, 0, 0,       # row 2: absolute 4, end of line
        2, 12, 0, 2, 0, 0, 3, 1,        # row 3: 2 pixels, delta (2 skipped bytes, then right 3 up 1)
        9, 13, 0, 0, 9, 14, 0, 1,       # a run clipped to the row, end of line, last row, end of bitmap
    ])
    files['rle8.bmp'] = bmp_file(9, 6, 8, 1, rle8, bgrx_palette(pal), colors=16)
    rle4 = bytes([
        5, 0x12, 0, 3, 0x34, 0x50,      # row 0: run of 5 alternating, absolute 3 (odd: Pillow reads 1 byte = 2 pixels)
        0, 0,
        8, 0xab, 0, 0,                  # row 1
        3, 0xcd, 0, 4, 0x89, 0xef, 1, 0x23,   # row 2
        0, 1,
    ])
    files['rle4.bmp'] = bmp_file(8, 3, 4, 2, rle4, bgrx_palette(pal), colors=16)
    files['rle8-topdown.bmp'] = bmp_file(4, 2, 8, 1, bytes([4, 2, 0, 0, 2, 3, 2, 5]), bgrx_palette(pal[:8]), colors=8, top_down=True)
    idx = rng.randint(0, 16, size=(5, 7))
    files['pal4.bmp'] = bmp_file(7, 5, 4, 0, pack_rows(idx[::-1], 4, 7), bgrx_palette(pal), colors=16)
    idx1 = rng.randint(0, 2, size=(4, 13))
    files['pal1.bmp'] = bmp_file(13, 4, 1, 0, pack_rows(idx1[::-1], 1, 13), bgrx_palette(pal[:2]), colors=2)
    # 5 stored colours; indices up to 9 read Pillow's default palette ramp past them
    idx8 = rng.randint(0, 10, size=(3, 6))
    files['pal8-short.bmp'] = bmp_file(6, 3, 8, 0, pack_rows(idx8[::-1], 8, 6), bgrx_palette(pal[:5]), colors=5)
    px16 = rng.randint(0, 65536, size=(3, 5)).astype('<u2')
    rows16 = b''.join(px16[y].tobytes() + b'\0' * ((-10) % 4) for y in range(2, -1, -1))
    files['rgb555.bmp'] = bmp_file(5, 3, 16, 0, rows16)
    files['rgb565-bitfields.bmp'] = bmp_file(5, 3, 16, 3, rows16, masks=struct.pack('<III', 0xF800, 0x7E0, 0x1F))
    px32 = rng.randint(0, 256, size=(3, 4, 4)).astype(np.uint8)
    rows32 = b''.join(px32[y].tobytes() for y in range(2, -1, -1))
    files['xbgr-bitfields.bmp'] = bmp_file(4, 3, 32, 3, rows32, masks=struct.pack('<III', 0xFF000000, 0xFF0000, 0xFF00))
    files['rgba-v4.bmp'] = bmp_file(4, 3, 32, 3, rows32, header_size=108, masks=struct.pack('<IIII', 0xFF, 0xFF00, 0xFF0000, 0xFF000000))
    rgb = pattern(5, 3, 14)
    rows24 = b''.join(rgb[y, :, ::-1].tobytes() + b'\0' * ((-15) % 4) for y in range(2, -1, -1))
    files['os2v1.bmp'] = bmp_file(5, 3, 24, 0, rows24, header_size=12)
    files['os2v2-64.bmp'] = bmp_file(5, 3, 24, 0, rows24, header_size=64)


UNSUPPORTED = {
    'rle-bw.bmp': lambda: bmp_file(4, 1, 8, 1, bytes([4, 1, 0, 1]), bgrx_palette([(0, 0, 0), (255, 255, 255)]), colors=2),
    'grey4.bmp': lambda: bmp_file(4, 1, 4, 0, bytes([0x12, 0x34, 0, 0]), bgrx_palette([(i, i, i) for i in range(16)]), colors=16),
    'hdr52.bmp': lambda: bmp_file(1, 1, 24, 0, b'\0' * 4, header_size=52),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default='test/golden/preprocess/netpbm-bmp')
    ap.add_argument('--unsupported', action='store_true')
    args = ap.parse_args()
    if args.unsupported:
        import io
        for name, make in UNSUPPORTED.items():
            try:
                with Image.open(io.BytesIO(make())) as im:
                    print(name, im.mode, im.size, np.asarray(im.convert('RGB')).ravel()[:12].tolist())
            except Exception as e:  # noqa: BLE001
                print(name, type(e).__name__, e)
        return
    out = Path(args.out)
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
    extended(files)
    for name, data in files.items():
        (out / name).write_bytes(data)
    for f in sorted(out.iterdir()):
        if f.suffix in ('.ppm', '.pgm', '.bmp'):
            with Image.open(f) as im:
                (out / (f.name + '.rgb')).write_bytes(np.asarray(im.convert('RGB'), dtype=np.uint8).tobytes())
                print(f.name, im.format, im.mode, im.size)


if __name__ == '__main__':
    main()
