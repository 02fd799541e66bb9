"""Golden for the committed `--dense` test folder (test/golden/export/dense/<name>.json).

The reference is open_clip's own `VisionTransformer.forward_intermediates` (last block, `normalize_intermediates`
False, class token removed, NCHW), independent of the exporter's hook in dense.py, on a fixed synthetic input that
test/export-dense.test.ts rebuilds: pixel[i] = ((i * 37) % 101) / 50 - 1 over the flat (2, 3, H, W) tensor. It
records the shape, the sum, the sum of |x| and values at fixed flat indices, and checks the folder's ONNX against it
with onnxruntime (1e-4).

    PYTHONPATH=tools/export /work/venv-pre/bin/python tools/export/make_dense_golden.py models/exported/openclip-vit-b-32-shrunk-dense
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

from holoclip_export import open_clip_source

N_SAMPLES = 24


def synthetic_pixels(batch: int, h: int, w: int) -> np.ndarray:
    i = np.arange(batch * 3 * h * w, dtype=np.int64)
    return (((i * 37) % 101) / 50.0 - 1.0).astype(np.float32).reshape(batch, 3, h, w)


def main(folder: Path) -> None:
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))["holoclip_export"]
    if cfg["source"] != "open_clip" or "dense" not in cfg:
        raise SystemExit(f"{folder}: not an open_clip --dense export (config.json holoclip_export)")
    net, *_ = open_clip_source.load(cfg["model"], None, cfg["overrides"], None, cfg["seed"], cfg["timm_kwargs"] or None)
    size = cfg["model_cfg"]["vision_cfg"].get("image_size", 224)
    x = synthetic_pixels(2, size, size)
    with torch.no_grad():
        out = net.visual.forward_intermediates(torch.from_numpy(x), indices=1, intermediates_only=True)
    ref = out["image_intermediates"][-1].numpy().astype(np.float64)
    import onnxruntime as ort

    got = ort.InferenceSession(str(folder / "onnx" / "vision_model.onnx")).run(["dense_features"], {"pixel_values": x})[0]
    diff = float(np.abs(got - ref).max())
    if diff > 1e-4:
        raise SystemExit(f"{folder}: dense_features differ from forward_intermediates by {diff:.3g}")
    flat = ref.reshape(-1)
    idx = [int(k * (flat.size - 1) // (N_SAMPLES - 1)) for k in range(N_SAMPLES)]
    golden = {"model": folder.name, "reference": "open_clip VisionTransformer.forward_intermediates(indices=1) last block, "
              "class token removed, NCHW", "input": "pixel[i] = ((i * 37) % 101) / 50 - 1, flat (2, 3, H, W)",
              "input_shape": list(x.shape), "shape": list(ref.shape), "sum": float(flat.sum()),
              "abs_sum": float(np.abs(flat).sum()), "samples": {str(k): float(flat[k]) for k in idx},
              "onnxruntime_max_abs_diff": diff}
    dst = Path(__file__).resolve().parents[2] / "test" / "golden" / "export" / "dense" / f"{folder.name}.json"
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(golden, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {dst} (onnxruntime vs forward_intermediates {diff:.2e})")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
