"""Derive the parity test photos (committed under test/golden/export/photos/) from scikit-image's sample photos.

Sources (Debian's python3-skimage, /usr/lib/python3/dist-packages/skimage/data; licences as skimage's data
docstrings state them): astronaut.png (NASA, public domain), chelsea.png (CC0, Stefan van der Walt), coffee.png
(CC0, Rachel Michetti), rocket.jpg (SpaceX, public domain), hubble_deep_field.jpg (NASA, public domain).
Each is cropped and resized to a different size and aspect ratio (tall, wide, tiny -> upscaled, square,
larger than the model input) and saved as JPEG or PNG, so the parity tests exercise every branch of the
shortest-edge resize + centre crop on real content. One ImageFolder class per source photo.

    /work/venv-pre/bin/python tools/export/make_parity_photos.py [--src DIR] [--out test/golden/export/photos]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

# (class, source file, crop box (l, t, r, b) in source pixels, output size (w, h), output file)
PHOTOS: tuple[tuple[str, str, tuple[int, int, int, int], tuple[int, int], str], ...] = (
    ("astronaut", "astronaut.png", (100, 0, 400, 512), (181, 309), "tall.jpg"),
    ("astronaut", "astronaut.png", (0, 0, 512, 512), (224, 224), "square.png"),
    ("cat", "chelsea.png", (0, 0, 451, 300), (451, 300), "full.jpg"),
    ("cat", "chelsea.png", (120, 40, 320, 200), (61, 49), "tiny.png"),
    ("coffee", "coffee.png", (0, 0, 600, 400), (300, 200), "wide.jpg"),
    ("coffee", "coffee.png", (150, 0, 450, 400), (240, 320), "portrait.jpg"),
    ("rocket", "rocket.jpg", (0, 0, 640, 427), (640, 427), "full.jpg"),
    ("rocket", "rocket.jpg", (200, 0, 400, 427), (117, 250), "narrow.png"),
    ("galaxy", "hubble_deep_field.jpg", (0, 200, 1000, 550), (500, 175), "panorama.jpg"),
    ("galaxy", "hubble_deep_field.jpg", (300, 300, 700, 700), (97, 97), "small.jpg"),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", type=Path, default=Path("/usr/lib/python3/dist-packages/skimage/data"))
    ap.add_argument("--out", type=Path, default=Path("test/golden/export/photos"))
    args = ap.parse_args()
    for cls, src, box, size, name in PHOTOS:
        img = Image.open(args.src / src).convert("RGB").crop(box).resize(size, Image.Resampling.LANCZOS)
        dest = args.out / cls / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".jpg"):
            img.save(dest, quality=88)
        else:
            img.save(dest, optimize=True)
        print(f"{dest}: {img.size[0]}x{img.size[1]}, {dest.stat().st_size} bytes")


if __name__ == "__main__":
    main()
