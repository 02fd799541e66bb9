"""Precision variants of an exported folder (the quantisation factor), named as transformers.js names them:
`onnx/<tower>_fp16.onnx` (holoclip `--dtype fp16`) and `onnx/<tower>_quantized.onnx` (int8 weights, `--dtype q8`).

fp16: onnxruntime's `convert_float_to_float16` with `keep_io_types=True` (fp16 weights and arithmetic, float32
inputs and outputs, onnxruntime's default op block list kept in float32). Every fp16 file is then loaded by
onnxruntime with its default optimisations in a child process: onnxruntime 1.30's NchwcTransformer segfaults on
the converted open_clip text tower (a GELU `Mul` in the second residual block; found by bisecting the graph;
`disabled_optimizers=["NchwcTransformer"]` avoids it, which holoclip and transformers.js do not set). A tower that
does not load is deleted and the export fails with that message, instead of shipping a file that crashes.
Converted and loading: Hugging Face CLIP and SigLIP towers, open_clip image towers.
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


def _loads(path: Path) -> str | None:
    """None when onnxruntime (default session options) loads `path` in a child process, else why not."""
    import subprocess
    import sys

    code = ("import sys, onnxruntime as o; "
            "o.InferenceSession(sys.argv[1], providers=['CPUExecutionProvider'])")
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    if run.returncode == 0:
        return None
    tail = run.stderr.strip().splitlines()[-1:] or [f"killed by signal {-run.returncode}" if run.returncode < 0
                                                    else f"exit code {run.returncode}"]
    return tail[0]


def write_fp16(src: Path, dst: Path) -> None:
    """fp16 copy of the float32 tower `src` with float32 inputs/outputs; raises if onnxruntime cannot load it."""
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    onnx.save(convert_float_to_float16(onnx.load(str(src)), keep_io_types=True), str(dst))
    why = _loads(dst)
    if why is not None:
        dst.unlink()
        raise RuntimeError(f"{dst}: onnxruntime cannot load the fp16 conversion of {src.name} ({why}); "
                           "this is a known onnxruntime 1.30 crash for open_clip text towers: export without "
                           "--fp16 (fp32 and --int8 work) and use --dtype fp32 or q8")


def write_variants(out: Path, fp16: bool, int8: bool) -> dict[str, Any]:
    """Write the requested variants of every fp32 tower in out/onnx; returns {file: comparison}."""
    report: dict[str, Any] = {}
    towers = sorted(p for p in (out / "onnx").glob("*.onnx")
                    if not p.stem.endswith(("_fp16", "_quantized", "_q4", "_int8")))
    for src in towers:
        if fp16:
            dst = src.with_name(f"{src.stem}_fp16.onnx")
            write_fp16(src, dst)
            report[dst.relative_to(out).as_posix()] = {**compare(src, dst), "bytes": dst.stat().st_size}
        if int8:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            dst = src.with_name(f"{src.stem}_quantized.onnx")
            quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)
            report[dst.relative_to(out).as_posix()] = {**compare(src, dst), "bytes": dst.stat().st_size}
    return report
