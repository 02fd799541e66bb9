"""open_clip -> holoclip model folder.

The model is built by open_clip itself (`create_model_and_transforms`), from its built-in config, optionally
changed with `--override key.path=value` / `--model-cfg JSON` (to shrink an architecture for tests: hub weights
are not needed for random ones). Its towers are exported as `encode_image` / `encode_text` without normalisation
(holoclip normalises), the tokenizer is open_clip's own BPE rebuilt as tokenizer.json, and the preprocessing is
open_clip's `PreprocessCfg` of the model, written as the `holoclip_preprocess` block.
"""
from __future__ import annotations

import contextlib
import copy
import json
import math
from pathlib import Path
from typing import Any, Iterator, Sequence

import torch

from .compat import import_torchvision_safely
from .folder import count_parameters, finish_card, open_clip_preprocessor_config, write_json
from .card_facts import family_name, merge_facts
from .dense import OUTPUT as DENSE_OUTPUT, WithDense, open_clip_spec
from .onnx_io import TowerExport, export_tower
from .tokenizer import check_token_ids, open_clip_reference_ids, write_open_clip_bpe


def _open_clip() -> Any:
    """open_clip, imported after torchvision (see compat.py)."""
    import_torchvision_safely()
    import open_clip

    return open_clip


def parse_override(text: str) -> tuple[list[str], Any]:
    """`vision_cfg.width=64` -> (['vision_cfg', 'width'], 64); values are JSON, else strings."""
    if "=" not in text:
        raise ValueError(f"--override {text!r}: expected key.path=value (e.g. vision_cfg.layers=2)")
    key, raw = text.split("=", 1)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip().split("."), value


def deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in overlay.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def model_config(model: str, overrides: Sequence[str], model_cfg_json: str | None) -> dict[str, Any]:
    open_clip = _open_clip()
    cfg = open_clip.get_model_config(model)
    if cfg is None:
        raise SystemExit(f"open_clip has no model config {model!r}; `python -c 'import open_clip; print(open_clip.list_models())'` lists them")
    cfg = copy.deepcopy(cfg)
    if model_cfg_json:
        text = Path(model_cfg_json).read_text() if Path(model_cfg_json).is_file() else model_cfg_json
        cfg = deep_merge(cfg, json.loads(text))
    for o in overrides:
        path, value = parse_override(o)
        node = cfg
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return cfg


class _Vision(torch.nn.Module):
    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.model.encode_image(pixel_values)


class _Text(torch.nn.Module):
    """encode_text on ids padded (with open_clip's pad id 0) to the context length, as open_clip's tokenizer does:
    holoclip sends CLIP texts padded only to the longest text of the batch."""

    def __init__(self, model: torch.nn.Module, context_length: int) -> None:
        super().__init__()
        self.model = model
        self.context_length = context_length

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        pad = torch.zeros(input_ids.shape[0], self.context_length, dtype=input_ids.dtype)
        return self.model.encode_text(torch.cat([input_ids, pad], dim=1)[:, : self.context_length])


@contextlib.contextmanager
def timm_kwargs_applied(timm_kwargs: dict[str, Any] | None) -> Iterator[None]:
    """While open_clip builds a timm image tower (`TimmModel`: `timm.create_model(vision_cfg.timm_model_name, ...)`),
    pass `timm_kwargs` (e.g. ConvNeXt `depths`/`dims`) to timm: open_clip's config has no field for them."""
    if not timm_kwargs:
        yield
        return
    import timm

    original = timm.create_model

    def create_model(*args: Any, **kwargs: Any) -> Any:
        return original(*args, **{**kwargs, **timm_kwargs})

    timm.create_model = create_model
    try:
        yield
    finally:
        timm.create_model = original


def load(model: str, pretrained: str | None, overrides: Sequence[str] = (), model_cfg_json: str | None = None,
         seed: int = 0, timm_kwargs: dict[str, Any] | None = None) -> tuple[torch.nn.Module, Any, Any, dict[str, Any]]:
    """(model, eval preprocess, tokenizer, final model config), built by open_clip."""
    open_clip = _open_clip()
    cfg = model_config(model, overrides, model_cfg_json)
    if timm_kwargs and not cfg.get("vision_cfg", {}).get("timm_model_name"):
        raise SystemExit(f"--timm-kwargs: {model} has no timm image tower (vision_cfg.timm_model_name); use --override")
    torch.manual_seed(seed)
    with timm_kwargs_applied(timm_kwargs):
        net, _, preprocess = open_clip.create_model_and_transforms(model, pretrained=pretrained, **cfg)
    net.eval()
    text_cfg = cfg.get("text_cfg", {})
    if text_cfg.get("hf_tokenizer_name"):
        tokenizer = open_clip.get_tokenizer(model)  # HF tokenizer: needs the hub or a cache
    else:
        tokenizer = open_clip.SimpleTokenizer(context_length=text_cfg.get("context_length", 77))
    return net, preprocess, tokenizer, cfg


def export(model: str, pretrained: str | None, out: Path, overrides: Sequence[str] = (),
           model_cfg_json: str | None = None, seed: int = 0, name: str | None = None,
           timm_kwargs: dict[str, Any] | None = None, dense: bool = False) -> dict[str, Any]:
    open_clip = _open_clip()
    net, _, tokenizer, cfg = load(model, pretrained, overrides, model_cfg_json, seed, timm_kwargs)
    text_cfg = cfg.get("text_cfg", {})
    if text_cfg.get("hf_tokenizer_name"):
        raise SystemExit(f"{model} uses the Hugging Face tokenizer {text_cfg['hf_tokenizer_name']!r}; this exporter "
                         "writes open_clip's BPE only: pass --override text_cfg.hf_tokenizer_name= (and a vocab_size "
                         "of 49408) for random weights, or export the HF model with `holoclip-export hf`")
    siglip = getattr(net, "logit_bias", None) is not None
    context_length = int(text_cfg.get("context_length", 77))
    pp = open_clip.get_model_preprocess_cfg(net)
    size = pp["size"]
    h, w = (size, size) if isinstance(size, int) else size
    out.mkdir(parents=True, exist_ok=True)

    # tokenizer: open_clip pads with id 0; SigLIP-style towers (no causal mask) must see that pad
    write_open_clip_bpe(out, context_length, pad_token="!" if siglip else "<|endoftext|>")
    n_checked = check_token_ids(out, open_clip_reference_ids(tokenizer))

    g = torch.Generator().manual_seed(seed + 1)
    pixels = [torch.randn(2, 3, h, w, generator=g), torch.randn(3, 3, h, w, generator=g)]
    towers: dict[str, TowerExport] = {}
    embed_name = "image_embeds" if not siglip else "pooler_output"
    spec = open_clip_spec(net.visual) if dense else None
    towers["vision"] = export_tower(WithDense(_Vision(net), spec) if spec else _Vision(net), [pixels[0]],
                                    ["pixel_values"], [embed_name, DENSE_OUTPUT] if spec else embed_name,
                                    {"pixel_values": {0: "batch"}}, out / "onnx" / "vision_model.onnx",
                                    [[p] for p in pixels])
    prompts = ["a photo of a cat.", "a photo of a rocket ship on a launch pad", "itap of a dog"]
    full = tokenizer(prompts)
    longest = int((full != 0).sum(dim=1).max()) if not siglip else context_length
    ids_checks = [[full[:, :longest].clone()], [full[:2, :context_length].clone()]]
    if not siglip:  # holoclip pads CLIP texts to the longest text with the EOS id
        padded = full[:, :longest].clone()
        padded[padded == 0] = tokenizer.eot_token_id
        ids_checks.append([padded])
    towers["text"] = export_tower(_Text(net, context_length), [full[:, :longest].clone()], ["input_ids"],
                                  "text_embeds" if not siglip else "pooler_output",
                                  {"input_ids": {0: "batch", 1: "sequence"}}, out / "onnx" / "text_model.onnx", ids_checks)

    logit_scale = float(net.logit_scale.exp().item())
    logit_bias = float(net.logit_bias.item()) if siglip else None
    embed_dim = int(cfg.get("embed_dim", 0))
    vcfg, tcfg = cfg.get("vision_cfg", {}), text_cfg
    config: dict[str, Any] = {
        "architectures": ["SiglipModel" if siglip else "CLIPModel"],
        "model_type": "siglip" if siglip else "clip",
        "projection_dim": embed_dim,
        "logit_scale_init_value": math.log(logit_scale),
        "text_config": {
            "model_type": "siglip_text_model" if siglip else "clip_text_model",
            "hidden_size": tcfg.get("width"), "num_hidden_layers": tcfg.get("layers"),
            "num_attention_heads": tcfg.get("heads"), "max_position_embeddings": context_length,
            "vocab_size": tcfg.get("vocab_size", 49408), "bos_token_id": 49406, "eos_token_id": 49407,
            "pad_token_id": 0 if siglip else 49407, "projection_dim": embed_dim,
        },
        "vision_config": {
            "model_type": "siglip_vision_model" if siglip else "clip_vision_model",
            "image_size": h if h == w else [h, w], "num_channels": 3, "projection_dim": embed_dim,
            **{k: v for k, v in vcfg.items() if k != "image_size"},
        },
        "holoclip_export": {"source": "open_clip", "model": model, "pretrained": pretrained or "none",
                            "overrides": list(overrides), "model_cfg": cfg, "seed": seed,
                            "timm_kwargs": timm_kwargs or {}, **({"dense": spec.card()} if spec else {}),
                            "open_clip_version": open_clip.__version__, "torch_version": torch.__version__},
    }
    if siglip:
        config["logit_bias_init_value"] = logit_bias
    write_json(out / "config.json", config)
    write_json(out / "preprocessor_config.json", open_clip_preprocessor_config(
        size, pp["mean"], pp["std"], pp.get("interpolation", "bicubic"), pp.get("resize_mode", "shortest"),
        pp.get("fill_color", 0)))

    shrunk = list(overrides) + ([f"model-cfg {model_cfg_json}"] if model_cfg_json else []) + \
        ([f"timm {json.dumps(timm_kwargs, separators=(',', ':'))}"] if timm_kwargs else [])
    family = _family(cfg)
    facts: dict[str, Any] = {
        "name": name or out.name,
        "architecture_detail": model if not shrunk else f"{model} (changed: {', '.join(shrunk)})",
        "architecture": family_name(family),
        "params": count_parameters(net),
        "image_size": h if h == w else [h, w],
        "loss": "sigmoid" if siglip else ("captioning+softmax" if "coca" in model.lower() else "softmax"),
        "fine_tuned": False,
        "logit_scale": logit_scale,
    }
    if siglip:
        facts["logit_bias"] = logit_bias
    if pretrained in (None, "none"):
        facts["training_data"] = "none (random weights)"
        facts["training_size"] = 0
        facts["fine_tuned"] = False
    card = merge_facts(facts, "open_clip", model, None if pretrained in (None, "none") else pretrained,
                       changed_architecture=bool(shrunk))
    finish_card(out, card, "holoclip-export open_clip", towers, seed, n_checked, spec)
    return {"towers": towers, "card": card}


def _family(cfg: dict[str, Any]) -> str:
    v = cfg.get("vision_cfg", {})
    timm_name = str(v.get("timm_model_name") or "")
    if timm_name:
        for fam in ("convnext", "eva", "vit", "resnet"):
            if fam in timm_name:
                return fam
        return timm_name.split("_")[0]
    return "resnet" if isinstance(v.get("layers"), (list, tuple)) else "vit"
