"""Writers for the non-ONNX files of a model folder: config.json, preprocessor_config.json, holoclip.json."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

PIL_RESAMPLE = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}


def write_json(path: Path, value: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def _size_hw(size: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(size, int):
        return size, size
    h, w = size
    return int(h), int(w)


def open_clip_preprocessor_config(size: int | Sequence[int], mean: Sequence[float], std: Sequence[float],
                                  interpolation: str, resize_mode: str, fill_color: int) -> dict[str, Any]:
    """HF fields that approximate open_clip's eval transform (for tools that ignore the block) + the exact block."""
    h, w = _size_hw(size)
    block: dict[str, Any] = {
        "pipeline": "open_clip",
        "image_size": h if h == w else [h, w],
        "resize_mode": resize_mode,
        "interpolation": interpolation,
        "fill_color": int(fill_color),
        "mean": [float(v) for v in mean],
        "std": [float(v) for v in std],
    }
    return hf_processor_fields(
        {"shortest_edge": min(h, w)} if resize_mode == "shortest" else {"height": h, "width": w},
        PIL_RESAMPLE.get("bicubic" if interpolation == "random" else interpolation, 3),
        resize_mode == "shortest", h, w, block)


def hf_processor_fields(size: dict[str, int], resample: int, center_crop: bool, h: int, w: int,
                        block: dict[str, Any]) -> dict[str, Any]:
    """A CLIPImageProcessor-style preprocessor_config.json (for tools that ignore the block) + the exact block."""
    return {
        "image_processor_type": "CLIPImageProcessor",
        "do_resize": True,
        "size": size,
        "resample": resample,
        "do_center_crop": center_crop,
        "crop_size": {"height": h, "width": w},
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": block["mean"],
        "image_std": block["std"],
        "do_convert_rgb": True,
        "holoclip_preprocess": block,
    }


def count_parameters(module: Any) -> int:
    return int(sum(p.numel() for p in module.parameters()))


def files_sha256(folder: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in sorted(folder.rglob("*")):
        if f.is_file() and f.name != "holoclip.json":
            out[f.relative_to(folder).as_posix()] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def finish_card(folder: Path, card: dict[str, Any], tool: str, towers: Mapping[str, Any], seed: int,
                tokenizer_prompts_checked: int | None = None, dense: Any = None) -> dict[str, Any]:
    """Records how the folder was exported (tool, exporter, onnxruntime check per tower, tokenizer check, seed) and
    the dense-feature spec in the card, then writes holoclip.json (see write_card)."""
    export: dict[str, Any] = {"tool": tool, "exporter": "torch.onnx.export(dynamo=False), opset 17",
                              "onnxruntime_max_abs_diff": {k: t.max_abs_diff for k, t in towers.items()}}
    if tokenizer_prompts_checked is not None:
        export["tokenizer_prompts_checked"] = tokenizer_prompts_checked
    export["seed"] = seed
    card["export"] = export
    if dense:
        card["dense"] = dense.card()
    return write_card(folder, card)


def write_card(folder: Path, facts: Mapping[str, Any]) -> dict[str, Any]:
    """holoclip.json: the given facts plus the sha256 of every file of the folder."""
    card = dict(facts)
    card["files_sha256"] = files_sha256(folder)
    write_json(folder / "holoclip.json", card)
    return card
