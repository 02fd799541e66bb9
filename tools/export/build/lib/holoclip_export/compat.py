"""Import-time compatibility shims, applied only when the normal import fails.

Some package mirrors ship only CUDA builds of torchvision; on a CPU-only torch their import fails with
`operator torchvision::nms does not exist` (torchvision registers meta kernels for its C++ operators at import).
open_clip and timm import torchvision when they load. If (and only if) that import fails this way, the two missing
operator schemas are defined with `torch.library` so the import completes; nothing of torchvision is replaced,
and the detection operators stay unusable (no model exported here uses them). Users with a matching torchvision
never reach this code.
"""
from __future__ import annotations

import importlib
import sys

_SHIM_APPLIED = False


def import_torchvision_safely() -> None:
    """Import torchvision, defining `torchvision::nms`/`::qnms` schemas first if the plain import fails."""
    global _SHIM_APPLIED
    try:
        importlib.import_module("torchvision")
        return
    except RuntimeError as err:
        if "torchvision::nms" not in str(err):
            raise
    import torch

    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]
    lib = torch.library.Library("torchvision", "DEF")
    lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    # keep the library object alive for the life of the process
    globals()["_TV_LIB"] = lib
    _SHIM_APPLIED = True
    importlib.import_module("torchvision")
    print("holoclip-export: torchvision's C++ extension does not load with this torch (CUDA build on a CPU torch?); "
          "defined the torchvision::nms/qnms schemas so its Python transforms import (see holoclip_export/compat.py)",
          file=sys.stderr)


def shim_applied() -> bool:
    return _SHIM_APPLIED
