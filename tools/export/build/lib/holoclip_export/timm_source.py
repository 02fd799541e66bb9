"""timm image classifier -> holoclip image-classifier folder (docs/models.md, "Image classifiers").

`timm.create_model(MODEL, pretrained=False, checkpoint_path=CHECKPOINT, num_classes=..., **timm_kwargs)` (no hub:
a local checkpoint, or random weights), exported as `onnx/model.onnx` (pixel_values -> logits), with `config.json`
(`id2label`, no `vision_config`, so holoclip loads it as a classifier) and `preprocessor_config.json` whose
`holoclip_preprocess` block is timm's own eval data config (`resolve_data_config` -> `transforms_imagenet_eval`):
input size, crop_pct, crop_mode, interpolation, mean, std. The HF fields beside it approximate that transform for
tools that ignore the block.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import torch

from .card_facts import family_name, merge_facts
from .compat import import_torchvision_safely
from .folder import PIL_RESAMPLE, count_parameters, finish_card, hf_processor_fields, write_json
from .onnx_io import TowerExport, export_tower


def _timm() -> Any:
    import_torchvision_safely()
    import timm

    return timm


def parse_labels(text: str | None, num_classes: int) -> list[str]:
    """`--labels`: a file with one name a line, or names separated by commas; default: timm's ImageNet-1k names."""
    if text is None:
        if num_classes != 1000:
            raise SystemExit(f"the model has {num_classes} classes: pass --labels (a file, one name a line, or a,b,c)")
        from timm.data import ImageNetInfo

        info = ImageNetInfo()
        return [info.index_to_description(i) for i in range(1000)]
    p = Path(text)
    names = p.read_text(encoding="utf-8").splitlines() if p.is_file() else text.split(",")
    names = [n.strip() for n in names if n.strip()]
    if len(names) != num_classes:
        raise SystemExit(f"--labels gives {len(names)} names but the model has {num_classes} classes")
    return names


def load(model_name: str, checkpoint: str | None, num_classes: int | None, timm_kwargs: dict[str, Any] | None,
         seed: int = 0) -> torch.nn.Module:
    timm = _timm()
    kwargs: dict[str, Any] = dict(timm_kwargs or {})
    if num_classes is not None:
        kwargs["num_classes"] = num_classes
    torch.manual_seed(seed)
    try:
        model = timm.create_model(model_name, pretrained=False, checkpoint_path=checkpoint or "", **kwargs)
    except RuntimeError as err:
        if "Unknown model" in str(err):
            raise SystemExit(f"timm has no model {model_name!r}; `python -c 'import timm; print(timm.list_models())'` "
                             "lists them") from err
        raise
    return model.eval()


def data_config(model: torch.nn.Module) -> dict[str, Any]:
    from timm.data import resolve_data_config

    return dict(resolve_data_config({}, model=model))


def preprocessor_config(cfg: dict[str, Any]) -> dict[str, Any]:
    _, h, w = cfg["input_size"]
    crop_pct = float(cfg.get("crop_pct") or 0.875)
    interpolation = str(cfg.get("interpolation") or "bilinear")
    block = {"pipeline": "timm", "image_size": h if h == w else [h, w], "crop_pct": crop_pct,
             "crop_mode": str(cfg.get("crop_mode") or "center"), "interpolation": interpolation,
             "mean": [float(v) for v in cfg["mean"]], "std": [float(v) for v in cfg["std"]]}
    if block["crop_mode"] not in ("center", "squash"):
        raise SystemExit(f"timm crop_mode {block['crop_mode']!r} is not reproduced by holoclip (center, squash)")
    return hf_processor_fields({"shortest_edge": math.floor(min(h, w) / crop_pct)}, PIL_RESAMPLE.get(interpolation, 2),
                               True, h, w, block)


def _family(name: str) -> str:
    for fam in ("convnext", "resnet", "vit", "eva", "efficientnet", "regnet", "swin", "deit", "beit"):
        if fam in name:
            return fam
    return name.split("_")[0]


def export(model_name: str, checkpoint: str | None, out: Path, labels: str | None = None,
           num_classes: int | None = None, timm_kwargs: dict[str, Any] | None = None, seed: int = 0,
           name: str | None = None) -> dict[str, Any]:
    timm = _timm()
    model = load(model_name, checkpoint, num_classes, timm_kwargs, seed)
    n = int(model.num_classes)
    names = parse_labels(labels, n)
    cfg = data_config(model)
    _, h, w = cfg["input_size"]
    out.mkdir(parents=True, exist_ok=True)

    g = torch.Generator().manual_seed(seed + 1)
    pixels = [torch.randn(2, 3, h, w, generator=g), torch.randn(3, 3, h, w, generator=g)]
    towers: dict[str, TowerExport] = {
        "model": export_tower(model, [pixels[0]], ["pixel_values"], "logits", {"pixel_values": {0: "batch"}},
                              out / "onnx" / "model.onnx", [[p] for p in pixels]),
    }
    write_json(out / "config.json", {
        "architectures": [type(model).__name__],
        "model_type": "holoclip-classifier",
        "id2label": {str(i): label for i, label in enumerate(names)},
        "label2id": {label: i for i, label in enumerate(names)},
        "holoclip_export": {"source": "timm", "model": model_name, "checkpoint": checkpoint, "num_classes": n,
                            "timm_kwargs": timm_kwargs or {}, "seed": seed, "data_config": cfg,
                            "timm_version": timm.__version__, "torch_version": torch.__version__},
    })
    write_json(out / "preprocessor_config.json", preprocessor_config(cfg))
    changed = f" (changed: timm {timm_kwargs})" if timm_kwargs else ""
    facts: dict[str, Any] = {
        "name": name or out.name,
        "architecture_detail": f"timm {model_name}{changed}",
        "architecture": family_name(_family(model_name)),
        "params": count_parameters(model),
        "image_size": h if h == w else [h, w],
        "loss": "cross-entropy (classifier)",
    }
    if checkpoint is None:
        facts["training_data"] = "none (random weights)"
        facts["training_size"] = 0
        facts["fine_tuned"] = False
    card = merge_facts(facts, "timm", model_name, checkpoint)
    finish_card(out, card, "holoclip-export timm", towers, seed)
    return {"towers": towers, "card": card}


def reference_logits(folder: Path, files: Sequence[Path]) -> Any:
    """timm's own eval transform (`create_transform(**resolve_data_config(model))`) + the model, on `files`."""
    import json

    from PIL import Image
    from timm.data import create_transform

    exp = json.loads((folder / "config.json").read_text())["holoclip_export"]
    model = load(exp["model"], exp["checkpoint"], exp["num_classes"], exp["timm_kwargs"], exp["seed"])
    transform = create_transform(**data_config(model), is_training=False)
    with torch.no_grad():
        pixels = torch.stack([transform(Image.open(f).convert("RGB")) for f in files])
        return pixels, model(pixels)
