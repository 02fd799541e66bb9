#!/usr/bin/env bash
# Re-creates the random-weight parity models committed under models/exported/ (the exact commands they were made
# with; each folder's config.json records them too). Usage: tools/export/make_parity_models.sh [OUT_ROOT] [VENV]
# (defaults: models/exported, the venv at /work/venv-pre). Then regenerate the goldens with make_parity_goldens.py.
set -euo pipefail
OUT=${1:-models/exported}
V=${2:-/work/venv-pre}
# This checkout's exporter (not whatever holoclip-export the venv has installed).
export PYTHONPATH="$(cd "$(dirname "$0")" && pwd)${PYTHONPATH:+:$PYTHONPATH}"
X="$V/bin/python -m holoclip_export.cli"
TEXT=(--override text_cfg.width=16 --override text_cfg.heads=2 --override text_cfg.layers=2 --override embed_dim=32)

$X open_clip ViT-B-32 none --seed 0 --out "$OUT/openclip-vit-b-32-shrunk" \
  --override vision_cfg.width=64 --override vision_cfg.layers=2 "${TEXT[@]}"
# The same model with --dense (dense_features output; test/export-dense.test.ts, golden by make_dense_golden.py).
$X open_clip ViT-B-32 none --seed 0 --dense --out "$OUT/openclip-vit-b-32-shrunk-dense" \
  --override vision_cfg.width=64 --override vision_cfg.layers=2 "${TEXT[@]}"
$X open_clip RN50 none --seed 0 --out "$OUT/openclip-rn50-shrunk" \
  --override 'vision_cfg.layers=[1,1,1,1]' --override vision_cfg.width=8 --override vision_cfg.image_size=160 "${TEXT[@]}"
$X open_clip convnext_base_w none --seed 0 --out "$OUT/openclip-convnext-base-w-shrunk" \
  --timm-kwargs '{"depths": [1,1,1,1], "dims": [8,16,32,64]}' "${TEXT[@]}"
$X hf --seed 0 --out "$OUT/hf-clip-vit-shrunk" --random-config '{"model_type": "clip", "projection_dim": 32, "logit_scale": 33.0,
  "text_config": {"hidden_size": 16, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "vocab_size": 49408, "max_position_embeddings": 77},
  "vision_config": {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2, "image_size": 224, "patch_size": 32}}'
# The SigLIP folder also carries the precision variants (onnx/*_fp16.onnx, onnx/*_quantized.onnx; test/export-variants.test.ts).
$X hf --seed 0 --int8 --fp16 --out "$OUT/hf-siglip-vit-shrunk" --random-config '{"model_type": "siglip", "logit_scale": 12.5, "logit_bias": -3.25,
  "text_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "vocab_size": 256, "max_position_embeddings": 16, "projection_size": 64,
                  "pad_token_id": 1, "eos_token_id": 1, "bos_token_id": null},
  "vision_config": {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2, "image_size": 224, "patch_size": 32}}'
$X timm resnet50 --seed 0 --out "$OUT/timm-resnet50-shrunk" --num-classes 5 --labels astronaut,cat,coffee,galaxy,rocket \
  --timm-kwargs '{"layers": [1,1,1,1], "channels": [8,16,32,64], "stem_width": 8}'
