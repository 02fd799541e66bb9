"""Export the parity test models and write the Python side of the end-to-end parity tests.

For each model in MODELS: `holoclip-export` writes models/exported/<name>/ (random weights of a real architecture,
shrunk), then the Python reference runs on the photos in test/golden/export/photos/ (an ImageFolder; see
make_parity_photos.py): the library's OWN eval preprocessing (open_clip's `create_model_and_transforms` transform
on `Image.open(f)`), its OWN model (`encode_image` / `encode_text`, tokenizer), and the zero-shot head
(class names x one template, each embedding L2-normalised, logits = exp(logit_scale) * cos (+ logit_bias for
SigLIP)). It writes test/golden/export/<name>.json: classes, template, images in holoclip's order (class, then
file name), logits and top-1. test/export-parity.test.ts runs holoclip's CLI on the same folder and photos.

The Python model of the goldens is rebuilt with the seed recorded in the folder's config.json; the script checks
that the exported vision tower run by onnxruntime gives that model's features (a different build would fail here).

    /work/venv-pre/bin/pip install ./tools/export       # or -e
    /work/venv-pre/bin/python tools/export/make_parity_goldens.py [--only NAME ...]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from PIL import Image

TEMPLATE = "a photo of a {c}."
TEXT_SMALL = ["text_cfg.width=16", "text_cfg.heads=2", "text_cfg.layers=2", "embed_dim=32"]

HF_VISION_SMALL = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2,
                   "image_size": 224, "patch_size": 32}
HF_CLIP_RANDOM = {"model_type": "clip", "projection_dim": 32, "logit_scale": 33.0,
                  "text_config": {"hidden_size": 16, "intermediate_size": 64, "num_hidden_layers": 2,
                                  "num_attention_heads": 2, "vocab_size": 49408, "max_position_embeddings": 77},
                  "vision_config": HF_VISION_SMALL}
# SigLIP: scale and bias set away from transformers' init (1, 0) and from holoclip's fallback (10, -10)
HF_SIGLIP_RANDOM = {"model_type": "siglip", "logit_scale": 12.5, "logit_bias": -3.25,
                    "text_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                                    "num_attention_heads": 2, "vocab_size": 256, "max_position_embeddings": 16,
                                    "projection_size": 64, "pad_token_id": 1, "eos_token_id": 1,
                                    "bos_token_id": None},
                    "vision_config": HF_VISION_SMALL}

# name -> (source, model, overrides): real architectures, shrunk (width/depth) so each folder is a few MB.
# For source "hf" the model is the --random-config JSON.
MODELS: dict[str, tuple[str, str, list[str]]] = {
    "openclip-convnext-base-w-shrunk": ("open_clip", "convnext_base_w", [*TEXT_SMALL]),
    "hf-clip-vit-shrunk": ("hf", json.dumps(HF_CLIP_RANDOM), []),
    "timm-resnet50-shrunk": ("timm", "resnet50", []),
    "hf-siglip-vit-shrunk": ("hf", json.dumps(HF_SIGLIP_RANDOM), []),
    "openclip-vit-b-32-shrunk": ("open_clip", "ViT-B-32",
                                 ["vision_cfg.width=64", "vision_cfg.layers=2", *TEXT_SMALL]),
    "openclip-rn50-shrunk": ("open_clip", "RN50",
                             ["vision_cfg.layers=[1,1,1,1]", "vision_cfg.width=8", "vision_cfg.image_size=160",
                              *TEXT_SMALL]),
}

# extra exporter arguments: ConvNeXt keeps its stem, 4 stages with downsampling, blocks and head; timm builds it
# with one block per stage and narrow widths (open_clip's config cannot say that, see --timm-kwargs)
EXTRA_ARGS: dict[str, list[str]] = {
    # ResNet-50's bottleneck blocks, stem and pooling, one block per stage, narrow; 5 classes = the photos' classes
    "timm-resnet50-shrunk": ["--timm-kwargs", json.dumps({"layers": [1, 1, 1, 1], "channels": [8, 16, 32, 64],
                                                          "stem_width": 8}),
                             "--num-classes", "5", "--labels", "astronaut,cat,coffee,galaxy,rocket"],
    "openclip-convnext-base-w-shrunk": ["--timm-kwargs", json.dumps({"depths": [1, 1, 1, 1], "dims": [8, 16, 32, 64]})],
}


def image_files(photos: Path) -> tuple[list[str], list[Path]]:
    """Classes (sorted folder names) and images (per class, sorted file names) as holoclip's ImageFolder lists them."""
    classes = sorted(d.name for d in photos.iterdir() if d.is_dir())
    files = [f for c in classes for f in sorted((photos / c).iterdir()) if f.is_file()]
    return classes, files


def open_clip_reference(folder: Path, classes: Sequence[str], files: Sequence[Path]) -> dict[str, Any]:
    from holoclip_export import open_clip_source

    exp = json.loads((folder / "config.json").read_text())["holoclip_export"]
    net, preprocess, tokenizer, _ = open_clip_source.load(exp["model"], None, exp["overrides"], None, exp["seed"],
                                                          exp.get("timm_kwargs"))
    with torch.no_grad():
        pixels = torch.stack([preprocess(Image.open(f)) for f in files])
        img = net.encode_image(pixels)
        txt = net.encode_text(tokenizer([TEMPLATE.replace("{c}", c) for c in classes]))
        _check_onnx(folder, pixels, img)
        img = img / img.norm(dim=-1, keepdim=True)
        txt = txt / txt.norm(dim=-1, keepdim=True)
        logits = net.logit_scale.exp() * img @ txt.T
        if getattr(net, "logit_bias", None) is not None:
            logits = logits + net.logit_bias
    return {"logits": logits.numpy(), "pipeline": "open_clip.create_model_and_transforms(...)[2] (eval transform)"}


def hf_reference(folder: Path, classes: Sequence[str], files: Sequence[Path]) -> dict[str, Any]:
    """HF's own PIL image processor, tokenizer (from the exported folder) and model forward (its zero-shot head:
    `logits_per_image`, i.e. scale * cos (+ bias for SigLIP))."""
    from holoclip_export import hf_source
    import transformers as tf

    exp = json.loads((folder / "config.json").read_text())["holoclip_export"]
    model, kind = hf_source.load(None, exp["random_config"], exp["seed"])
    prompts = [TEMPLATE.replace("{c}", c) for c in classes]
    if kind == "clip":
        processor = tf.CLIPImageProcessorPil.from_pretrained(str(folder))
        text = tf.CLIPTokenizer.from_pretrained(str(folder))(prompts, padding=True, return_tensors="pt")
        pipeline = "transformers CLIPImageProcessorPil + CLIPTokenizer(padding=True) + CLIPModel(...).logits_per_image"
    else:
        processor = tf.SiglipImageProcessorPil.from_pretrained(str(folder))
        text = tf.SiglipTokenizer.from_pretrained(str(folder))(prompts, padding="max_length", return_tensors="pt")
        text = {"input_ids": text["input_ids"]}  # SigLIP's recipe: max-length padding, no mask
        pipeline = ("transformers SiglipImageProcessorPil + SiglipTokenizer(padding='max_length') + "
                    "SiglipModel(...).logits_per_image")
    with torch.no_grad():
        pixels = processor(images=[Image.open(f) for f in files], return_tensors="pt")["pixel_values"]
        out = model(pixel_values=pixels, **text)
        _check_onnx(folder, pixels, model.get_image_features(pixel_values=pixels).pooler_output)
    return {"logits": out.logits_per_image.numpy(), "pipeline": pipeline}


def timm_reference(folder: Path, classes: Sequence[str], files: Sequence[Path]) -> dict[str, Any]:
    """timm's own eval transform + the classifier's logits (columns in the folder's id2label order = classes)."""
    from holoclip_export import timm_source

    labels = json.loads((folder / "config.json").read_text())["id2label"]
    if [labels[str(i)] for i in range(len(labels))] != list(classes):
        raise SystemExit(f"{folder}: id2label must list the photo classes {classes} in order")
    pixels, logits = timm_source.reference_logits(folder, files)
    _check_onnx(folder, pixels, logits, "model.onnx")
    return {"logits": logits.numpy(), "pipeline": "timm create_transform(**resolve_data_config(model)) + model(x)"}


def _check_onnx(folder: Path, pixels: torch.Tensor, features: torch.Tensor, file: str = "vision_model.onnx") -> None:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(folder / "onnx" / file), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"pixel_values": pixels.numpy()})[0]
    diff = float(np.max(np.abs(got - features.numpy())))
    if diff > 1e-4:
        raise SystemExit(f"{folder}: the exported vision tower differs from the rebuilt model by {diff:.3g}; "
                         "re-export the folder with this script")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, default=Path("models/exported"))
    ap.add_argument("--photos", type=Path, default=Path("test/golden/export/photos"))
    ap.add_argument("--out", type=Path, default=Path("test/golden/export"))
    ap.add_argument("--only", nargs="*", help="names from MODELS (default: all)")
    ap.add_argument("--no-export", action="store_true", help="reuse the existing folders")
    args = ap.parse_args()
    from holoclip_export import cli

    classes, files = image_files(args.photos)
    for name, (source, model, overrides) in MODELS.items():
        if args.only and name not in args.only:
            continue
        folder = args.models / name
        if not args.no_export:
            head = {"open_clip": [source, model, "none"], "hf": [source, "--random-config", model],
                    "timm": [source, model]}[source]
            argv = head + \
                ["--out", str(folder), "--seed", "0", "--name", name, *EXTRA_ARGS.get(name, [])]
            for o in overrides:
                argv += ["--override", o]
            cli.main(argv)
        ref = {"open_clip": open_clip_reference, "hf": hf_reference, "timm": timm_reference}[source](folder, classes, files)
        logits = ref["logits"]
        golden = {
            "model": name,
            "source": source,
            "kind": "classifier" if source == "timm" else "two-tower",
            "python_pipeline": ref["pipeline"],
            "template": TEMPLATE,
            "classes": classes,
            "images": [f.relative_to(args.photos).as_posix() for f in files],
            "logits": [[float(v) for v in row] for row in logits],
            "top1": [int(i) for i in logits.argmax(axis=1)],
            "versions": _versions(),
        }
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"{name}.json").write_text(json.dumps(golden, indent=1) + "\n")
        print(f"{args.out / (name + '.json')}: {len(files)} images x {len(classes)} classes, "
              f"top-1 {[classes[i] for i in golden['top1']]}", file=sys.stderr)


def _versions() -> dict[str, str]:
    import open_clip
    import PIL
    import transformers

    return {"torch": torch.__version__, "open_clip": open_clip.__version__, "transformers": transformers.__version__,
            "pillow": PIL.__version__}


if __name__ == "__main__":
    main()
