"""`--dense`: a second vision output, `dense_features` (B, C, H', W'), for dense tasks (correspondence, issue 16).

What is exported (recorded in holoclip.json `dense` and config.json `holoclip_export.dense`):
- ViT towers (open_clip `VisionTransformer`, HF CLIP/SigLIP vision): the output of the LAST transformer block, before
  any final LayerNorm (open_clip `ln_post`, HF `post_layernorm`), class/register tokens removed, the patch tokens
  reshaped to the patch grid. This is what open_clip/timm `forward_intermediates` return by default
  (`normalize_intermediates=False`) and what probe3d's ViT backbones take (block outputs), and it equals
  HF CLIP's `last_hidden_state` minus the class token. `normalised: false`.
- ResNet towers (open_clip `ModifiedResNet`): the output of `layer4`, the map the attention pool reads.
- timm trunks (open_clip `TimmModel`, e.g. ConvNeXt): the output of `trunk.stages[-1]`, before the head's norm and
  pooling.

The features are read with a forward hook on that module while the unchanged tower computes its embedding, so the
`image_embeds` / `pooler_output` graph is the same computation as without `--dense`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

OUTPUT = "dense_features"


@dataclass(frozen=True)
class DenseSpec:
    """Where the dense features come from in a vision tower."""
    module: torch.nn.Module  # hooked; its output is the features
    source: str  # human-readable: which module, before/after which norm
    kind: str  # "tokens" (B, N, C) sequence, or "map" (B, C, H, W)
    grid: tuple[int, int] | None  # patch grid for tokens
    stride: int  # input pixels per feature cell
    batch_first: bool = True

    def card(self) -> dict[str, Any]:
        out: dict[str, Any] = {"output": OUTPUT, "layout": "NCHW", "source": self.source, "normalised": False,
                               "stride": self.stride}
        if self.kind == "tokens":
            out["patch_size"] = self.stride
            out["grid"] = list(self.grid or ())
            out["tokens_removed"] = "class and register tokens (the leading tokens before the patch grid)"
        return out


class WithDense(torch.nn.Module):
    """`tower(*inputs) -> (embeds, dense_features)`; `tower` itself is called unchanged."""

    def __init__(self, tower: torch.nn.Module, spec: DenseSpec) -> None:
        super().__init__()
        self.tower = tower
        self.spec = spec
        self._captured: list[torch.Tensor] = []
        spec.module.register_forward_hook(self._hook)

    def _hook(self, _module: torch.nn.Module, _inputs: Any, output: Any) -> None:
        self._captured.append(output[0] if isinstance(output, (tuple, list)) else output)

    def forward(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self._captured.clear()
        embeds = self.tower(pixel_values)
        if len(self._captured) != 1:
            raise RuntimeError(f"--dense: {self.spec.source} ran {len(self._captured)} times in one forward (expected 1)")
        return embeds, to_nchw(self._captured[0], self.spec)


def to_nchw(features: torch.Tensor, spec: DenseSpec) -> torch.Tensor:
    """Block tokens (B, N, C) -> patch grid (B, C, gh, gw) without the leading class/register tokens; maps as is."""
    if spec.kind == "map":
        if features.dim() != 4:
            raise RuntimeError(f"--dense: {spec.source} gave shape {tuple(features.shape)}, expected (B, C, H, W)")
        return features
    tokens = features if spec.batch_first else features.transpose(0, 1)
    gh, gw = spec.grid or (0, 0)
    if tokens.dim() != 3 or tokens.shape[1] < gh * gw:
        raise RuntimeError(f"--dense: {spec.source} gave shape {tuple(features.shape)}, expected (B, >= {gh * gw}, C)")
    patches = tokens[:, tokens.shape[1] - gh * gw:, :]
    return patches.reshape(tokens.shape[0], gh, gw, tokens.shape[2]).permute(0, 3, 1, 2).contiguous()


def open_clip_spec(visual: torch.nn.Module) -> DenseSpec:
    """The dense source of an open_clip image tower (VisionTransformer, ModifiedResNet, TimmModel)."""
    if hasattr(visual, "transformer") and hasattr(visual, "grid_size"):
        gh, gw = (int(g) for g in visual.grid_size)
        patch = visual.conv1.kernel_size[0]
        return DenseSpec(visual.transformer.resblocks[-1],
                         "visual.transformer.resblocks[-1] (last block output, before ln_post)", "tokens", (gh, gw),
                         int(patch), batch_first=bool(getattr(visual.transformer, "batch_first", True)))
    if hasattr(visual, "layer4") and hasattr(visual, "attnpool"):
        return DenseSpec(visual.layer4, "visual.layer4 (last stage, before attnpool)", "map", None, 32)
    trunk = getattr(visual, "trunk", None)
    if trunk is not None and hasattr(trunk, "stages"):
        stride = int(trunk.feature_info[-1]["reduction"]) if hasattr(trunk, "feature_info") else 32
        return DenseSpec(trunk.stages[-1], "visual.trunk.stages[-1] (last stage, before head norm and pooling)", "map",
                         None, stride)
    raise SystemExit(f"--dense: no dense source known for the open_clip image tower {type(visual).__name__} "
                     "(supported: VisionTransformer, ModifiedResNet, timm trunks with .stages); export without --dense")


def hf_spec(model: torch.nn.Module) -> DenseSpec:
    """HF CLIPModel / SiglipModel: the vision encoder's last layer (before post_layernorm)."""
    vm = model.vision_model
    vcfg = model.config.vision_config
    g = int(vcfg.image_size) // int(vcfg.patch_size)
    return DenseSpec(vm.encoder.layers[-1], "vision_model.encoder.layers[-1] (last block output, before post_layernorm)",
                     "tokens", (g, g), int(vcfg.patch_size))
