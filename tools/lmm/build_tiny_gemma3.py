#!/usr/bin/env python3
"""Build the tiny random multimodal Gemma3 used by holoclip's LMM end-to-end tests, and convert it to GGUF.

Writes models/lmm/tiny-gemma3/{tiny-gemma3.gguf, mmproj-tiny-gemma3.gguf} (text model + vision projector, < 1 MB
each). The weights are random (seed below): the model answers nonsense, which is all the tests need (they check
transport, caching, resume and scoring through a real llama-server, not intelligence).

Run (from the repository root, after tools/test-env/setup.sh has built the sid chroot):
    /work/venv-pre/bin/python tools/lmm/build_tiny_gemma3.py
Environment: HOLOCLIP_TEST_ENV (default ~/.cache/holoclip-test-env) holds the chroot whose llama.cpp conversion
scripts (Debian sid llama.cpp-tools 1:0.7.0+dfsg-2, gguf-py 0.19.0) are used.

Ran with: Python 3 venv with torch 2.13.0+cpu, transformers 5.18.0, sentencepiece 0.2.2; Debian sid llama.cpp-tools
1:0.7.0+dfsg-2 (its /usr/share/doc/llama.cpp-tools/scripts/convert_hf_to_gguf.py and the `conversion` package in
/usr/share/llama.cpp/llama.cpp-tools, run with this venv's torch because the chroot has none).

The model: Gemma3ForConditionalGeneration, text 2 layers / hidden 64 / 2 heads (1 KV head, head_dim 32) / vocab 300
from a SentencePiece model trained here on a fixed word list; SigLIP vision 224 px / patch 14 / 2 layers / hidden 64;
16 image tokens. Its vision keys are saved as `vision_tower.vision_model.*` and the projector as
`multi_modal_projector.*`, the names the converter's Gemma3 mmproj class reads.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SEED = 0
ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "models" / "lmm" / "tiny-gemma3"
ENV_DIR = Path(os.environ.get("HOLOCLIP_TEST_ENV", Path.home() / ".cache" / "holoclip-test-env"))
CHROOT = ENV_DIR / "sid"
CONVERT = CHROOT / "usr/share/doc/llama.cpp-tools/scripts/convert_hf_to_gguf.py"
CONVERSION = CHROOT / "usr/share/llama.cpp/llama.cpp-tools/conversion"
GGUF_PY = CHROOT / "usr/lib/python3/dist-packages/gguf"

SPECIAL = ["<start_of_turn>", "<end_of_turn>", "<start_of_image>", "<end_of_image>", "<image_soft_token>"]

# Gemma's chat template, reduced: string content or a list of {type: text|image} parts (an image part becomes the
# image marker the server replaces with the image tokens).
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
    "{{ '<start_of_turn>' + role + '\n' }}"
    "{% if message['content'] is string %}{{ message['content'] | trim }}"
    "{% else %}{% for item in message['content'] %}"
    "{% if item['type'] == 'image' %}{{ '<start_of_image>' }}"
    "{% elif item['type'] == 'text' %}{{ item['text'] | trim }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{{ '<end_of_turn>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}"
)


def corpus() -> list[str]:
    words = (
        "what is the main object in this image choose from the following list a photo of an the and or for with "
        "dog cat car plane ship truck bird horse frog deer apple banana chair table lamp clock phone bottle cup "
        "bowl plate spoon knife fork shoe shirt hat bag book pen pencil camera laptop mouse keyboard television "
        "bicycle wheel bread soup water glove heater scale sandal hammer nail iron binder can opener drying rack "
        "background texture material red green blue yellow black white small large answer yes no it is i think "
        "picture shows there are two one object main image"
    ).split()
    lines = []
    for i in range(len(words)):
        lines.append(" ".join(words[i : i + 9]))
        lines.append(" ".join(reversed(words[i : i + 7])))
    lines.append("What is the main object in this image? Choose from the following list: dog, cat.")
    return lines


def train_tokenizer(dst: Path) -> None:
    import sentencepiece as spm

    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "corpus.txt"
        text.write_text("\n".join(corpus()) + "\n", encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(text),
            model_prefix=str(Path(tmp) / "tok"),
            vocab_size=300,
            model_type="bpe",
            character_coverage=1.0,
            pad_id=0, eos_id=1, bos_id=2, unk_id=3,
            pad_piece="<pad>", eos_piece="<eos>", bos_piece="<bos>", unk_piece="<unk>",
            user_defined_symbols=SPECIAL,
            byte_fallback=True,  # llama.cpp needs the <0x0A> byte piece for the newlines of the chat template
            add_dummy_prefix=False,
            num_threads=1,
            seed_sentencepiece_size=1000,
            minloglevel=2,
        )
        shutil.copy(Path(tmp) / "tok.model", dst / "tokenizer.model")
    import sentencepiece as spm2

    sp = spm2.SentencePieceProcessor(model_file=str(dst / "tokenizer.model"))
    ids = {p: sp.piece_to_id(p) for p in SPECIAL}
    (dst / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "GemmaTokenizer",
        "bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>",
        "add_bos_token": True, "add_eos_token": False,
        "chat_template": CHAT_TEMPLATE,
    }, indent=1), encoding="utf-8")
    (dst / "special_tokens_map.json").write_text(json.dumps({"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>"}), encoding="utf-8")
    (dst / "special_ids.json").write_text(json.dumps(ids), encoding="utf-8")


def build_model(dst: Path) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    # transformers imports torchvision when installed; a CUDA torchvision on a CPU torch needs the exporter's shim.
    sys.path.insert(0, str(ROOT / "tools" / "export"))
    from holoclip_export.compat import import_torchvision_safely

    import_torchvision_safely()
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration

    ids = json.loads((dst / "special_ids.json").read_text())
    torch.manual_seed(SEED)
    config = Gemma3Config(
        text_config=dict(
            vocab_size=300, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
            num_key_value_heads=1, head_dim=32, max_position_embeddings=2048, sliding_window=512,
            pad_token_id=0, eos_token_id=1, bos_token_id=2,
        ),
        vision_config=dict(
            hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2, image_size=224,
            patch_size=14, vision_use_head=False,
        ),
        mm_tokens_per_image=16,
        boi_token_index=ids["<start_of_image>"],
        eoi_token_index=ids["<end_of_image>"],
        image_token_index=ids["<image_soft_token>"],
    )
    model = Gemma3ForConditionalGeneration(config).eval()
    model.save_pretrained(dst)
    # Key names the converter's Gemma3 classes read: vision tower and projector without the "model." prefix.
    st = dst / "model.safetensors"
    tensors = load_file(str(st))
    renamed = {}
    for k, v in tensors.items():
        # transformers 5 saves the vision tower as `vision_tower.*` (older versions: `model.vision_tower.*`).
        for old in ("model.vision_tower.", "model.multi_modal_projector."):
            if k.startswith(old):
                k = k[len("model."):]
        if k.startswith("vision_tower.") and not k.startswith("vision_tower.vision_model."):
            k = "vision_tower.vision_model." + k[len("vision_tower."):]
        renamed[k] = v.contiguous()
    save_file(renamed, str(st), metadata={"format": "pt"})
    (dst / "preprocessor_config.json").write_text(json.dumps({
        "image_processor_type": "Gemma3ImageProcessor", "image_seq_length": 16,
        "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "size": {"height": 224, "width": 224},
        "do_resize": True, "do_normalize": True, "do_rescale": True, "rescale_factor": 1 / 255, "resample": 2,
    }, indent=1), encoding="utf-8")


def convert(hf: Path) -> None:
    if not CONVERT.is_file():
        sys.exit(f"{CONVERT} is missing: run tools/test-env/setup.sh first")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # The chroot's gguf package only (its numpy is built for sid's Python): this venv supplies torch/numpy.
        os.symlink(GGUF_PY, Path(tmp) / "gguf")
        # The converter looks for its `conversion` package in /usr/share/llama.cpp/llama.cpp-tools (Debian's path).
        os.symlink(CONVERSION, Path(tmp) / "conversion")
        env = dict(os.environ, PYTHONPATH=tmp, NO_LOCAL_GGUF="1", PYTHONHASHSEED="0")
        for extra, name in (([], "tiny-gemma3.gguf"), (["--mmproj"], "mmproj-tiny-gemma3.gguf")):
            subprocess.run([sys.executable, str(CONVERT), str(hf), "--outtype", "f32", "--outfile", str(OUT / name), *extra], check=True, env=env)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        hf = Path(tmp) / "hf"
        hf.mkdir()
        train_tokenizer(hf)
        build_model(hf)
        convert(hf)
    for f in sorted(OUT.glob("*.gguf")):
        print(f"{f.relative_to(ROOT)}: {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
