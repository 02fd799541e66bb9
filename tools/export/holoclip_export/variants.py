"""Precision variants of an exported folder (the quantisation factor), named as transformers.js names them:
`onnx/<tower>_fp16.onnx` (holoclip `--dtype fp16`) and `onnx/<tower>_quantized.onnx` (int8 weights, `--dtype q8`).

fp16 is not offered yet: onnxruntime's `convert_float_to_float16` (keep_io_types) gives text towers that
onnxruntime 1.30 cannot load (a segfault, or a Cast type error with optimisations off); exporting `model.half()`
from torch with float32 casts at the edges is the planned route. The code path is kept for that.
int8: onnxruntime's dynamic quantisation (`quantize_dynamic`, int8 weights, activations quantised at run time).
Each variant is run by onnxruntime next to its fp32 file on random inputs; the max abs difference of the outputs
and the smallest cosine similarity between fp32 and variant rows are returned (they go into holoclip.json).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _inputs(path: Path, seed: int) -> dict[str, np.ndarray]:
    import onnxruntime as ort

    rng = np.random.default_rng(seed)
    feed: dict[str, np.ndarray] = {}
    for inp in ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).get_inputs():
        shape = [d if isinstance(d, int) else (2 if i == 0 else 8) for i, d in enumerate(inp.shape)]
        if inp.name == "attention_mask":
            feed[inp.name] = np.ones(shape, dtype=np.int64)
        elif "int64" in inp.type:
            feed[inp.name] = rng.integers(1, 200, size=shape, dtype=np.int64)
        else:
            feed[inp.name] = rng.standard_normal(shape).astype(np.float32)
    return feed


def compare(fp32: Path, variant: Path, seed: int = 0) -> dict[str, float]:
    import onnxruntime as ort

    feed = _inputs(fp32, seed)
    a = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"]).run(None, feed)[0].astype(np.float64)
    b = ort.InferenceSession(str(variant), providers=["CPUExecutionProvider"]).run(None, feed)[0].astype(np.float64)
    a2, b2 = a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1)
    cos = (a2 * b2).sum(1) / (np.linalg.norm(a2, axis=1) * np.linalg.norm(b2, axis=1))
    return {"max_abs_diff": float(np.max(np.abs(a - b))), "max_abs_fp32": float(np.max(np.abs(a))),
            "min_cosine": float(cos.min())}


def write_variants(out: Path, fp16: bool, int8: bool) -> dict[str, Any]:
    """Write the requested variants of every fp32 tower in out/onnx; returns {file: comparison}."""
    import onnx

    report: dict[str, Any] = {}
    towers = sorted(p for p in (out / "onnx").glob("*.onnx")
                    if not p.stem.endswith(("_fp16", "_quantized", "_q4", "_int8")))
    for src in towers:
        if fp16:
            from onnxruntime.transformers.float16 import convert_float_to_float16

            dst = src.with_name(f"{src.stem}_fp16.onnx")
            onnx.save(convert_float_to_float16(onnx.load(str(src)), keep_io_types=True), str(dst))
            report[dst.relative_to(out).as_posix()] = {**compare(src, dst), "bytes": dst.stat().st_size}
        if int8:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            dst = src.with_name(f"{src.stem}_quantized.onnx")
            quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)
            report[dst.relative_to(out).as_posix()] = {**compare(src, dst), "bytes": dst.stat().st_size}
    return report
