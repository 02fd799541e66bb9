"""make_imagenet_c.py's geometry written out by hand (numpy + Pillow only), for make_corruption_goldens.py.

    python tools/goldens/imagenet_c_geometry.py

with a Python that has torchvision checks the hand version against torchvision's Resize(256) + CenterCrop(224)
on the golden inputs (as PNG and as JPEG files) and prints the versions it ran.
"""
import sys
from io import BytesIO

import numpy as np
from PIL import Image


def imagenet_c_geometry(img):
    """torchvision Resize(256) (PIL BILINEAR) + CenterCrop(224) on a PIL RGB image, as make_imagenet_c.py."""
    w, h = img.size
    if w <= h:
        ow, oh = 256, int(256 * h / w)
    else:
        ow, oh = int(256 * w / h), 256
    img = img.resize((ow, oh), Image.BILINEAR)
    top = int(round((oh - 224) / 2.0))
    left = int(round((ow - 224) / 2.0))
    return img.crop((left, top, left + 224, top + 224))


def geometry_inputs():
    """Photos-like test images at sizes that exercise the size and offset rounding (odd halves, portrait, landscape)."""
    rs = np.random.RandomState(2024)
    out = {}
    for name, (w, h) in {'geo-land': (301, 225), 'geo-port': (200, 333), 'geo-wide': (400, 267), 'geo-near': (257, 256)}.items():
        y, x = np.mgrid[0:h, 0:w].astype(np.float64)
        img = np.zeros((h, w, 3), np.float64)
        img[..., 0] = 128 + 100 * np.sin(2 * np.pi * x / 37.0) * np.cos(2 * np.pi * y / 23.0)
        img[..., 1] = 255 * x / (w - 1)
        img[..., 2] = 255 * ((x // 5 + y // 7) % 2)
        # a small noise patch (noise compresses badly; the goldens stay small)
        img[10:40, 10:60] += rs.normal(0, 20, size=(30, 50, 3))
        out[name] = np.uint8(np.clip(img, 0, 255))
    return out




def check_against_torchvision():
    import PIL
    import torchvision
    import torchvision.transforms as T
    n = 0
    for name, arr in geometry_inputs().items():
        for fmt in ('PNG', 'JPEG'):
            buf = BytesIO()
            Image.fromarray(arr).save(buf, fmt, **({'quality': 90} if fmt == 'JPEG' else {}))
            buf.seek(0)
            img = Image.open(buf).convert('RGB')
            ref = T.Compose([T.Resize(256), T.CenterCrop(224)])(img)
            assert np.array_equal(np.array(ref), np.array(imagenet_c_geometry(img))), f'{name} {fmt}: hand geometry != torchvision'
            n += 1
    print(f'hand geometry == torchvision Resize(256) + CenterCrop(224) on {n} images (torchvision {torchvision.__version__}, Pillow {PIL.__version__}, Python {sys.version.split()[0]})')


if __name__ == '__main__':
    check_against_torchvision()
