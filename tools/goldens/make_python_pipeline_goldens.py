#!/usr/bin/env python3
"""Goldens for `--preprocess python` (src/image/python-preprocessor.ts): the whole Python eval pipeline.

Run from the repository root in a venv from the pip mirror (Python 3.11):

    python3 -m venv /work/venv-pre
    PIP_INDEX_URL=file:///opt/pypi/simple /work/venv-pre/bin/pip install "torch==2.13.0+cpu" transformers
    PIP_INDEX_URL=file:///opt/pypi/simple /work/venv-pre/bin/pip install --no-deps torchvision==0.28.0 open_clip_torch timm
    PIP_INDEX_URL=file:///opt/pypi/simple /work/venv-pre/bin/pip install ftfy regex safetensors pyyaml tqdm
    /work/venv-pre/bin/python tools/goldens/make_python_pipeline_goldens.py [--out test/golden/preprocess]

Versions it ran with: torch 2.13.0+cpu, torchvision 0.28.0, open_clip_torch 3.3.0, timm 1.0.29, transformers 5.18.0,
Pillow 12.3.0 (whose decode and resize bytes equal Debian's Pillow 9.4, see make_preprocess_goldens.py --check).

The references run as they are, nothing re-implemented:
- open_clip: `open_clip.image_transform(image_size, is_train=False, mean, std, resize_mode, interpolation, fill_color)`;
- timm: `timm.data.transforms_factory.transforms_imagenet_eval(img_size, crop_pct, crop_mode, interpolation, mean, std)`;
- transformers: the PIL-based processors `CLIPImageProcessorPil` / `ViTImageProcessorPil` (in transformers >= 5 the
  default `CLIPImageProcessor` is the torchvision-based "fast" one, which holoclip does not reproduce).
The mirror's torchvision wheel is a CUDA build whose C extension cannot load on a CPU-only torch; its Python
transforms do not need it, so the script defines the two operator schemas (`torchvision::nms`, `::qnms`) that
torchvision's meta registrations expect before importing it. No torchvision code is replaced.

Every image is read as the pipelines read it: `Image.open(f).convert('RGB')`. For each (config, image) the index
holds the sha256 of the uint8 pixels after resize + crop (the pipeline without its ToTensor/Normalize, or the
transformers processor with do_rescale/do_normalize off), the float32 tensor's float64 sum and ~150 sampled values.
"""
import argparse
import hashlib
import io
import json
import sys
from pathlib import Path

import numpy as np
import torch

_tv = torch.library.Library('torchvision', 'DEF')  # see the docstring: only the schemas, for the meta registrations
_tv.define('nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor')
_tv.define('qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor')

import open_clip  # noqa: E402
import PIL  # noqa: E402
import timm  # noqa: E402
import torchvision  # noqa: E402
import transformers  # noqa: E402
from PIL import Image  # noqa: E402
from timm.data.transforms_factory import transforms_imagenet_eval  # noqa: E402
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil  # noqa: E402
from transformers.models.vit.image_processing_pil_vit import ViTImageProcessorPil  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from make_preprocess_goldens import natural  # noqa: E402

OPENAI_MEAN = [0.48145466, 0.4578275, 0.40821073]
OPENAI_STD = [0.26862954, 0.26130258, 0.27577711]
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def make_images():
    """Pipeline inputs written here (the decode goldens' special files are reused from the same folder)."""
    def png(a):
        buf = io.BytesIO()
        Image.fromarray(a).save(buf, 'PNG')
        return buf.getvalue()

    def jpg(a, q=90):
        buf = io.BytesIO()
        Image.fromarray(a).save(buf, 'JPEG', quality=q)
        return buf.getvalue()

    return {
        'pipeline-4x3.png': png(natural(320, 240, 21)),
        'pipeline-odd.png': png(natural(257, 181, 22)),
        'pipeline-portrait.jpg': jpg(natural(150, 302, 23)),
        'pipeline-small.png': png(natural(50, 40, 24)),
    }


REUSED = ['adobergb-icc.jpg', 'cmyk-adobe.jpg', 'palette-trns.png', 'rgba16.png']


def open_clip_cfg(name, image_size, resize_mode=None, interpolation=None, fill_color=None, mean=None, std=None):
    block = {'pipeline': 'open_clip', 'image_size': image_size}
    for k, v in (('resize_mode', resize_mode), ('interpolation', interpolation), ('fill_color', fill_color), ('mean', mean), ('std', std)):
        if v is not None:
            block[k] = v
    t = open_clip.image_transform(tuple(image_size) if isinstance(image_size, list) else image_size, is_train=False, mean=mean, std=std,
                                  resize_mode=resize_mode, interpolation=interpolation, fill_color=fill_color or 0)
    return name, {'image_processor_type': 'CLIPImageProcessor', 'holoclip_preprocess': block}, torch_runner(t)


def timm_cfg(name, img_size, crop_pct=None, crop_mode=None, interpolation=None, mean=None, std=None):
    block = {'pipeline': 'timm', 'image_size': img_size}
    for k, v in (('crop_pct', crop_pct), ('crop_mode', crop_mode), ('interpolation', interpolation), ('mean', mean), ('std', std)):
        if v is not None:
            block[k] = v
    kw = {k: v for k, v in (('crop_pct', crop_pct), ('crop_mode', crop_mode), ('interpolation', interpolation), ('mean', mean), ('std', std)) if v is not None}
    t = transforms_imagenet_eval(img_size=tuple(img_size) if isinstance(img_size, list) else img_size, **kw)
    return name, {'image_processor_type': 'ViTImageProcessor', 'holoclip_preprocess': block}, torch_runner(t)


def torch_runner(compose):
    pixel_steps = torchvision.transforms.Compose(compose.transforms[:-2])  # drop ToTensor + Normalize

    def run(img):
        pixels = np.asarray(pixel_steps(img).convert('RGB'))
        tensor = compose(img).numpy()
        return pixels, tensor
    return run


def hf_cfg(name, cls, cfg, with_block):
    full = dict(cfg)
    if with_block:
        full['holoclip_preprocess'] = {'pipeline': 'transformers'}
    kwargs = {k: v for k, v in cfg.items() if k != 'image_processor_type'}
    proc = cls(**kwargs)
    raw = cls(**{**kwargs, 'do_rescale': False, 'do_normalize': False})

    def run(img):
        pixels = raw(img, return_tensors='np')['pixel_values'][0]
        assert pixels.dtype == np.uint8, pixels.dtype
        tensor = proc(img, return_tensors='np')['pixel_values'][0]
        assert tensor.dtype == np.float32, tensor.dtype
        return np.ascontiguousarray(pixels.transpose(1, 2, 0)), tensor
    return name, full, run


def configs():
    return [
        open_clip_cfg('open_clip-shortest-224', 224),
        open_clip_cfg('open_clip-shortest-bilinear-96x128', [96, 128], interpolation='bilinear'),
        open_clip_cfg('open_clip-longest-224-fill', 224, resize_mode='longest', fill_color=127, mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5]),
        open_clip_cfg('open_clip-squash-bilinear-64', 64, resize_mode='squash', interpolation='bilinear'),
        open_clip_cfg('open_clip-shortest-random-97', 97, interpolation='random'),
        timm_cfg('timm-center-224-bicubic', 224, crop_pct=0.875, interpolation='bicubic', mean=IMAGENET_MEAN, std=IMAGENET_STD),
        timm_cfg('timm-squash-96', 96, crop_pct=0.9, crop_mode='squash', interpolation='bilinear'),
        timm_cfg('timm-center-nonsquare', [80, 112], crop_pct=0.95, interpolation='bicubic'),
        hf_cfg('transformers-clip-224', CLIPImageProcessorPil, {
            'image_processor_type': 'CLIPImageProcessor', 'do_resize': True, 'size': {'shortest_edge': 224}, 'resample': 3,
            'do_center_crop': True, 'crop_size': {'height': 224, 'width': 224}, 'do_rescale': True, 'rescale_factor': 0.00392156862745098,
            'do_normalize': True, 'image_mean': OPENAI_MEAN, 'image_std': OPENAI_STD, 'do_convert_rgb': True}, with_block=True),
        hf_cfg('transformers-clip-legacy-int-size', CLIPImageProcessorPil, {
            'feature_extractor_type': 'CLIPFeatureExtractor', 'do_resize': True, 'size': 72, 'resample': 2, 'do_center_crop': True,
            'crop_size': 64, 'do_normalize': True, 'image_mean': [0.5, 0.5, 0.5], 'image_std': [0.5, 0.5, 0.5]}, with_block=False),
        hf_cfg('transformers-vit-exact', ViTImageProcessorPil, {
            'image_processor_type': 'ViTImageProcessor', 'do_resize': True, 'size': {'height': 64, 'width': 48}, 'resample': 2,
            'do_rescale': True, 'rescale_factor': 0.00392156862745098, 'do_normalize': True, 'image_mean': [0.5, 0.5, 0.5], 'image_std': [0.5, 0.5, 0.5]}, with_block=False),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default='test/golden/preprocess')
    args = ap.parse_args()
    out = Path(args.out)
    imgs = make_images()
    for name, data in imgs.items():
        (out / name).write_bytes(data)
    files = list(imgs) + REUSED
    result = []
    for name, cfg, run in configs():
        cases = []
        for f in files:
            img = Image.open(out / f).convert('RGB')
            pixels, tensor = run(img)
            flat = tensor.astype(np.float32).reshape(-1)
            step = max(1, flat.size // 150) | 1
            cases.append({
                'file': f,
                'pixels_height': int(pixels.shape[0]), 'pixels_width': int(pixels.shape[1]),
                'pixels_sha256': hashlib.sha256(np.ascontiguousarray(pixels, dtype=np.uint8).tobytes()).hexdigest(),
                'shape': list(tensor.shape),
                'sum': float(flat.astype(np.float64).sum()),
                # every step-th value from index 0, written as the shortest decimal of the float32
                'sample_step': step,
                'samples': [float(str(v)) for v in flat[::step]],
            })
        result.append({'name': name, 'preprocessor_config': cfg, 'cases': cases})
    index = {
        'generator': 'tools/goldens/make_python_pipeline_goldens.py',
        'versions': {'torch': torch.__version__, 'torchvision': torchvision.__version__, 'open_clip': open_clip.__version__,
                     'timm': timm.__version__, 'transformers': transformers.__version__, 'pillow': PIL.__version__, 'numpy': np.__version__},
        'configs': result,
    }
    (out / 'pipelines.json').write_text(json.dumps(index, indent=None, separators=(',', ':')) + '\n')
    print(f'wrote {len(result)} configs x {len(files)} images to {out / "pipelines.json"}')


if __name__ == '__main__':
    main()
