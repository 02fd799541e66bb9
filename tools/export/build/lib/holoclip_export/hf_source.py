"""Hugging Face `CLIPModel` / `SiglipModel` -> holoclip model folder.

The model is a local folder (`from_pretrained(DIR)`, config + weights + tokenizer + preprocessor_config.json) or,
with `--random-config JSON`, built by transformers itself with random weights (`CLIPModel(CLIPConfig(**json))`
after `torch.manual_seed(seed)`): tests need real architectures, not checkpoints.

Towers are exported as transformers.js names them: `get_image_features` -> `image_embeds` (CLIP) or
`pooler_output` (SigLIP), `get_text_features` -> `text_embeds` / `pooler_output`, unnormalised. The CLIP text tower
takes `input_ids` + `attention_mask` of any length (holoclip pads to the longest text with the pad id, as HF's
processor does with `padding=True`); the SigLIP text tower takes `input_ids` padded to the maximum length (HF's
SigLIP recipe: `padding="max_length"`, no mask).

Tokenizer: the folder's own (saved as tokenizer.json). For random weights: CLIP gets open_clip's BPE vocabulary
(the OpenAI CLIP vocabulary, shipped offline with open_clip; identical to HF's CLIPTokenizer), SigLIP a small
SentencePiece unigram model trained here on a fixed corpus (`siglip_tokenizer.py`; the real SigLIP
`spiece.model` is not reachable offline), used through HF's own `SiglipTokenizer` and converted to tokenizer.json
by transformers' own converter.

Preprocessing: the HF fields of the folder's (or the class default) image processor, plus the block
`{"pipeline": "transformers"}`: holoclip's python mode then reproduces HF's PIL processor
(`CLIPImageProcessorPil` / `SiglipImageProcessorPil`).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from .card_facts import family_name, merge_facts
from .compat import import_torchvision_safely
from .folder import count_parameters, finish_card, write_json
from .dense import OUTPUT as DENSE_OUTPUT, WithDense, hf_spec
from .onnx_io import TowerExport, export_tower
from .tokenizer import CHECK_PROMPTS, check_token_ids, write_open_clip_bpe

KINDS = ("clip", "siglip")


def _transformers() -> Any:
    import_torchvision_safely()  # transformers' image utilities import torchvision (see compat.py)
    import transformers

    return transformers


def read_json_arg(text: str, option: str) -> dict[str, Any]:
    """Inline JSON or a file holding it."""
    raw = text if text.lstrip().startswith("{") else Path(text).read_text(encoding="utf-8")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as err:
        raise SystemExit(f"{option}: not JSON nor a JSON file ({err}): {text[:80]!r}") from err
    if not isinstance(value, dict):
        raise SystemExit(f"{option} must be a JSON object ({{...}}), got {text[:80]!r}")
    return value


def build_random(random_cfg: dict[str, Any], seed: int) -> torch.nn.Module:
    """`CLIPModel(CLIPConfig(**cfg))` / `SiglipModel(SiglipConfig(**cfg))` with torch seeded; eager attention."""
    tf = _transformers()
    cfg = dict(random_cfg)
    kind = cfg.pop("model_type", "clip")
    if kind not in KINDS:
        raise SystemExit(f"--random-config model_type must be one of {KINDS}, got {kind!r}")
    scale, bias = cfg.pop("logit_scale", None), cfg.pop("logit_bias", None)
    config_cls, model_cls = (tf.CLIPConfig, tf.CLIPModel) if kind == "clip" else (tf.SiglipConfig, tf.SiglipModel)
    config = config_cls(**cfg)
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = model_cls(config)
    # optional: the learned scale (multiplier) and bias, set instead of transformers' init (SigLIP: 1 and 0)
    with torch.no_grad():
        if scale is not None:
            model.logit_scale.fill_(float(torch.tensor(float(scale)).log()))
        if bias is not None:
            if getattr(model, "logit_bias", None) is None:
                raise SystemExit("--random-config: logit_bias is only for SigLIP")
            model.logit_bias.fill_(float(bias))
    return model.eval()


def load(source: str | None, random_cfg: dict[str, Any] | None, seed: int = 0) -> tuple[torch.nn.Module, str]:
    """(model, kind) from a local folder or a random config."""
    tf = _transformers()
    if random_cfg is not None:
        model = build_random(random_cfg, seed)
    else:
        if source is None or not Path(source).is_dir():
            raise SystemExit(f"holoclip-export hf: {source!r} is not a local folder (no model hub here); pass a folder "
                             "with config.json and the weights, or --random-config JSON for random weights")
        model = tf.AutoModel.from_pretrained(source, attn_implementation="eager").eval()
    kind = model.config.model_type
    if kind not in KINDS:
        raise SystemExit(f"{source}: model_type {kind!r} is not exported by `holoclip-export hf` (supported: CLIPModel, "
                         "SiglipModel)")
    return model, kind


class _Vision(torch.nn.Module):
    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.model.get_image_features(pixel_values=pixel_values).pooler_output


class _ClipText(torch.nn.Module):
    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model.get_text_features(input_ids=input_ids, attention_mask=attention_mask).pooler_output


class _SiglipText(torch.nn.Module):
    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.model.get_text_features(input_ids=input_ids).pooler_output


def image_processor(source: str | None, kind: str, image_size: int) -> Any:
    """HF's PIL image processor of the model: the folder's preprocessor_config.json, else the class default."""
    tf = _transformers()
    cls = tf.CLIPImageProcessorPil if kind == "clip" else tf.SiglipImageProcessorPil
    if source is not None and (Path(source) / "preprocessor_config.json").is_file():
        return cls.from_pretrained(source)
    if kind == "clip":
        return cls(size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size})
    return cls(size={"height": image_size, "width": image_size})


def preprocessor_config(processor: Any, kind: str) -> dict[str, Any]:
    """The processor's fields under the class name transformers.js and holoclip know, plus the holoclip block."""
    d = processor.to_dict()
    keep = ("do_resize", "size", "resample", "do_center_crop", "crop_size", "do_rescale", "rescale_factor",
            "do_normalize", "image_mean", "image_std", "do_convert_rgb")
    out: dict[str, Any] = {"image_processor_type": "CLIPImageProcessor" if kind == "clip" else "SiglipImageProcessor"}
    out.update({k: d[k] for k in keep if k in d and d[k] is not None})
    out["resample"] = int(out.get("resample", 3))
    out["holoclip_preprocess"] = {"pipeline": "transformers"}
    return out


def tokenizer_for(source: str | None, kind: str, out: Path, max_length: int, vocab_size: int) -> Any:
    """Write tokenizer.json + tokenizer_config.json into `out`; return HF's Python tokenizer they must equal."""
    tf = _transformers()
    if source is not None:
        tok = tf.AutoTokenizer.from_pretrained(source)
        tok.save_pretrained(str(out))
        if not (out / "tokenizer.json").is_file():
            from transformers.convert_slow_tokenizer import convert_slow_tokenizer

            convert_slow_tokenizer(tok).save(str(out / "tokenizer.json"))
        return tok
    if kind == "clip":
        if vocab_size != 49408:
            raise SystemExit("--random-config: a CLIP text_config needs vocab_size 49408 (the OpenAI CLIP BPE vocabulary)")
        write_open_clip_bpe(out, max_length)
        return tf.CLIPTokenizer.from_pretrained(str(out))
    from .siglip_tokenizer import write_small_siglip_tokenizer

    return write_small_siglip_tokenizer(out, vocab_size, max_length)


def _hf_ids(tok: Any) -> Any:
    def ids(prompt: str) -> list[int]:
        return list(tok(prompt)["input_ids"])
    return ids


def export(source: str | None, out: Path, random_cfg: dict[str, Any] | None = None, seed: int = 0,
           name: str | None = None, dense: bool = False) -> dict[str, Any]:
    tf = _transformers()
    model, kind = load(source, random_cfg, seed)
    vcfg, tcfg = model.config.vision_config, model.config.text_config
    image_size = int(vcfg.image_size)
    max_length = int(tcfg.max_position_embeddings)
    out.mkdir(parents=True, exist_ok=True)

    tok = tokenizer_for(source, kind, out, max_length, int(tcfg.vocab_size))
    # A special token's literal text inside a prompt ("<unk>") is split off differently by SiglipTokenizer's
    # SentencePiece path; prompts never contain one, so that check prompt is left out for SigLIP.
    from .siglip_tokenizer import CORPUS

    prompts_checked = list(CHECK_PROMPTS) if kind == "clip" else \
        [p for p in dict.fromkeys([*CHECK_PROMPTS, *(c.replace("{}", "dog") for c in CORPUS)]) if "<unk>" not in p]
    n_checked = check_token_ids(out, _hf_ids(tok), prompts_checked)
    tok_cfg_file = out / "tokenizer_config.json"
    tok_cfg = json.loads(tok_cfg_file.read_text(encoding="utf-8"))
    tok_cfg["model_max_length"] = max_length
    tok_cfg["tokenizer_class"] = "CLIPTokenizer" if kind == "clip" else "SiglipTokenizer"
    write_json(tok_cfg_file, tok_cfg)

    g = torch.Generator().manual_seed(seed + 1)
    pixels = [torch.randn(2, 3, image_size, image_size, generator=g),
              torch.randn(3, 3, image_size, image_size, generator=g)]
    towers: dict[str, TowerExport] = {}
    embed_name = "image_embeds" if kind == "clip" else "pooler_output"
    spec = hf_spec(model) if dense else None
    towers["vision"] = export_tower(WithDense(_Vision(model), spec) if spec else _Vision(model), [pixels[0]],
                                    ["pixel_values"], [embed_name, DENSE_OUTPUT] if spec else embed_name,
                                    {"pixel_values": {0: "batch"}}, out / "onnx" / "vision_model.onnx",
                                    [[p] for p in pixels])
    prompts = list(CHECK_PROMPTS[:3])
    if kind == "clip":
        longest = tok(prompts, padding=True, return_tensors="pt")
        short = tok(prompts[:2], padding=True, return_tensors="pt")
        towers["text"] = export_tower(
            _ClipText(model), [longest["input_ids"], longest["attention_mask"]], ["input_ids", "attention_mask"],
            "text_embeds", {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}},
            out / "onnx" / "text_model.onnx",
            [[longest["input_ids"], longest["attention_mask"]], [short["input_ids"], short["attention_mask"]]])
    else:
        full = tok(prompts, padding="max_length", max_length=max_length, return_tensors="pt")["input_ids"]
        towers["text"] = export_tower(_SiglipText(model), [full], ["input_ids"], "pooler_output",
                                      {"input_ids": {0: "batch"}}, out / "onnx" / "text_model.onnx",
                                      [[full], [full[:2].clone()]])

    config = model.config.to_dict()
    config["architectures"] = ["CLIPModel" if kind == "clip" else "SiglipModel"]
    config["holoclip_export"] = {"source": "hf", "model": source or "random", "random_config": random_cfg,
                                 "seed": seed, "transformers_version": tf.__version__,
                                 **({"dense": spec.card()} if spec else {}),
                                 "torch_version": torch.__version__}
    write_json(out / "config.json", config)
    write_json(out / "preprocessor_config.json", preprocessor_config(image_processor(source, kind, image_size), kind))

    logit_scale = float(model.logit_scale.detach().exp())
    facts: dict[str, Any] = {
        "name": name or out.name,
        "architecture_detail": (f"HF {config['architectures'][0]} (vision: {vcfg.num_hidden_layers} layers, width "
                         f"{vcfg.hidden_size}, patch {vcfg.patch_size}; text: {tcfg.num_hidden_layers} layers, "
                         f"width {tcfg.hidden_size})"),
        "architecture": family_name("vit"),
        "params": count_parameters(model),
        "image_size": image_size,
        "loss": "softmax" if kind == "clip" else "sigmoid",
        "logit_scale": logit_scale,
    }
    if kind == "siglip":
        facts["logit_bias"] = float(model.logit_bias.detach().reshape(-1)[0])
    if random_cfg is not None:
        facts["training_data"] = "none (random weights)"
        facts["training_size"] = 0
        facts["fine_tuned"] = False
    card = merge_facts(facts, "hf", source or "random", None)
    finish_card(out, card, "holoclip-export hf", towers, seed, n_checked, spec)
    return {"towers": towers, "card": card}
