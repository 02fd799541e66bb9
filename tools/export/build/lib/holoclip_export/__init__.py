"""holoclip-export: turn open_clip, Hugging Face and timm checkpoints into holoclip model folders.

A model folder is the transformers.js ONNX layout holoclip loads (see holoclip's docs/models.md):
onnx/vision_model.onnx, onnx/text_model.onnx, config.json, tokenizer.json, tokenizer_config.json,
preprocessor_config.json (with a `holoclip_preprocess` block naming the exact Python preprocessing) and a
holoclip.json card (learned logit scale, SigLIP bias, factors).
"""
__version__ = "0.1.0"
