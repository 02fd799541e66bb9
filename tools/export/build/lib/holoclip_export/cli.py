"""`holoclip-export`: the command line. Each subcommand writes one holoclip model folder."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Sequence


def _report(out: Path, result: dict, seconds: float) -> None:
    for name, t in result["towers"].items():
        print(f"  {t.path.relative_to(out)}: {t.bytes / 1e6:.2f} MB, export {t.seconds:.1f} s, "
              f"onnxruntime vs torch max abs diff {t.max_abs_diff:.2e}")
    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"wrote {out} ({total / 1e6:.2f} MB) in {seconds:.1f} s")


def _variant_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--int8", action="store_true",
                        help="also write onnx/*_quantized.onnx, int8 weights (holoclip --dtype q8)")
    parser.add_argument("--fp16", action="store_true",
                        help="also write onnx/*_fp16.onnx, fp16 weights and arithmetic with float32 inputs/outputs "
                             "(holoclip --dtype fp16); fails for open_clip text towers (onnxruntime 1.30 crash)")


def _dense_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dense", action="store_true",
                        help="add a second vision output dense_features (B, C, H', W'): a ViT's last-block patch tokens "
                             "(no class/register tokens, before the final LayerNorm) on the patch grid, a convnet's "
                             "last-stage map before pooling; checked against torch, recorded in holoclip.json `dense`")


def _add_variants(out: Path, fp16: bool, int8: bool) -> None:
    """Precision variants, compared with fp32 by onnxruntime, recorded in holoclip.json (files_sha256 updated)."""
    import json

    from .folder import write_card
    from .variants import write_variants

    report = write_variants(out, fp16, int8)
    for f, r in report.items():
        print(f"  {f}: {r['bytes'] / 1e6:.2f} MB, vs fp32 max abs diff {r['max_abs_diff']:.2e} "
              f"(outputs up to {r['max_abs_fp32']:.2g}), min cosine {r['min_cosine']:.6f}")
    card = json.loads((out / "holoclip.json").read_text(encoding="utf-8"))
    card.pop("files_sha256", None)
    card.setdefault("export", {})["variants"] = report
    write_card(out, card)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="holoclip-export", description=__doc__)
    sub = p.add_subparsers(dest="source", required=True)

    oc = sub.add_parser("open_clip", help="an open_clip model: MODEL PRETRAINED (tag, checkpoint file, or none)")
    oc.add_argument("model", help="open_clip model name, e.g. ViT-B-32, RN50, convnext_base_w")
    oc.add_argument("pretrained", help="pretrained tag, local checkpoint file, or `none` for random weights")
    oc.add_argument("--out", required=True, type=Path)
    oc.add_argument("--seed", type=int, default=0, help="torch seed for random weights and the check inputs")
    oc.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                    help="change open_clip's model config, e.g. vision_cfg.layers=2 (JSON values); repeatable")
    oc.add_argument("--model-cfg", help="JSON (inline or a file) deep-merged into open_clip's model config")
    oc.add_argument("--name", help="name in holoclip.json (default: the folder name)")
    _variant_flags(oc)
    _dense_flag(oc)
    oc.add_argument("--timm-kwargs", metavar="JSON",
                    help='keyword arguments for timm.create_model of a timm image tower (ConvNeXt, EVA, ...), e.g. '
                         '\'{"depths": [1,1,1,1], "dims": [16,32,64,128]}\' to shrink it (inline JSON or a file)')

    hf = sub.add_parser("hf", help="a Hugging Face CLIPModel / SiglipModel folder, or --random-config for random weights")
    hf.add_argument("dir", nargs="?", help="local folder with config.json, the weights, tokenizer, preprocessor_config.json")
    hf.add_argument("--out", required=True, type=Path)
    hf.add_argument("--random-config", metavar="JSON",
                    help='build CLIPModel(CLIPConfig(**JSON)) / SiglipModel(...) with random weights instead of DIR: '
                         'inline JSON or a file, {"model_type": "clip"|"siglip", "text_config": {...}, '
                         '"vision_config": {...}, "projection_dim": N}; optional "logit_scale" (the multiplier) and '
                         '"logit_bias" (SigLIP) set those parameters')
    hf.add_argument("--seed", type=int, default=0, help="torch seed for random weights and the check inputs")
    hf.add_argument("--name", help="name in holoclip.json (default: the folder name)")
    _variant_flags(hf)
    _dense_flag(hf)

    tm = sub.add_parser("timm", help="a timm image classifier: MODEL [CHECKPOINT] -> onnx/model.onnx (pixel_values -> logits)")
    tm.add_argument("model", help="timm model name, e.g. resnet50, convnext_tiny, vit_base_patch16_224")
    tm.add_argument("checkpoint", nargs="?", help="local checkpoint file (default: random weights; no hub here)")
    tm.add_argument("--out", required=True, type=Path)
    tm.add_argument("--labels", help="class names: a file (one a line) or a,b,c (default: ImageNet-1k for 1000 classes)")
    tm.add_argument("--num-classes", type=int, help="classifier head size (default: the model's)")
    tm.add_argument("--timm-kwargs", metavar="JSON", help="more keyword arguments for timm.create_model "
                    "(inline JSON or a file), e.g. '{\"layers\": [1,1,1,1], \"channels\": [8,16,32,64]}'")
    tm.add_argument("--seed", type=int, default=0, help="torch seed for random weights and the check inputs")
    tm.add_argument("--name", help="name in holoclip.json (default: the folder name)")
    _variant_flags(tm)

    args = p.parse_args(argv)
    start = time.perf_counter()
    if args.source == "open_clip":
        from . import open_clip_source

        pretrained = None if args.pretrained.lower() == "none" else args.pretrained
        from .hf_source import read_json_arg

        timm_kwargs = read_json_arg(args.timm_kwargs, "--timm-kwargs") if args.timm_kwargs else None
        result = open_clip_source.export(args.model, pretrained, args.out, args.override, args.model_cfg, args.seed,
                                         args.name, timm_kwargs, args.dense)
    elif args.source == "hf":
        from . import hf_source

        if (args.dir is None) == (args.random_config is None):
            p.error("hf: give a model folder DIR or --random-config JSON (exactly one)")
        random_cfg = hf_source.read_json_arg(args.random_config, "--random-config") if args.random_config else None
        result = hf_source.export(args.dir, args.out, random_cfg, args.seed, args.name, args.dense)
    elif args.source == "timm":
        from . import timm_source
        from .hf_source import read_json_arg

        timm_kwargs = read_json_arg(args.timm_kwargs, "--timm-kwargs") if args.timm_kwargs else None
        result = timm_source.export(args.model, args.checkpoint, args.out, args.labels, args.num_classes, timm_kwargs,
                                    args.seed, args.name)
    else:  # pragma: no cover - argparse rejects it
        p.error(f"unknown source {args.source}")
    if args.int8 or args.fp16:
        _add_variants(args.out, args.fp16, args.int8)
    _report(args.out, result, time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
