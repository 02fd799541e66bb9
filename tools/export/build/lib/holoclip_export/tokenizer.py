"""Tokenizer files (tokenizer.json + tokenizer_config.json) for a model folder.

open_clip's `SimpleTokenizer` is OpenAI CLIP's byte-level BPE; its vocabulary ships in the open_clip package
(`bpe_simple_vocab_16e6.txt.gz`). `write_open_clip_bpe` rebuilds exactly that vocabulary (256 byte symbols, the
same with `</w>`, the first 48894 merges, then `<|startoftext|>` and `<|endoftext|>`, ids 49406/49407) as a
Hugging Face `CLIPTokenizer` (tokenizers-backed), saves it, and `check_token_ids` verifies the token ids equal
open_clip's on a set of prompts (an export fails otherwise).
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Callable, Sequence

CHECK_PROMPTS: tuple[str, ...] = (
    "a photo of a cat.",
    "a photo of a Golden Retriever.",
    "itap of a rocket ship on a launch pad",
    "a bad photo of the coffee cup!",
    "a sketch of a t-shirt",
    "a photo of a cat's whiskers, close-up",
    "UPPER case   and   extra spaces",
    "numbers 1234 and 3.14 and 2nd",
    "a photo of a café",
    "a photo of the  <unk> thing",
    "a jack-o'-lantern",
    "an origami crane.",
)


def open_clip_bpe_vocab() -> tuple[dict[str, int], list[str]]:
    """(vocab, merges) exactly as open_clip's SimpleTokenizer builds them."""
    from open_clip.tokenizer import bytes_to_unicode, default_bpe

    with gzip.open(default_bpe(), "rt", encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    merges = lines[1 : 49152 - 256 - 2 + 1]
    symbols = list(bytes_to_unicode().values())
    vocab_list = symbols + [s + "</w>" for s in symbols] + ["".join(m.split()) for m in merges]
    vocab_list += ["<|startoftext|>", "<|endoftext|>"]
    return {tok: i for i, tok in enumerate(vocab_list)}, merges


def write_open_clip_bpe(out: Path, context_length: int, pad_token: str = "<|endoftext|>") -> None:
    """Write tokenizer.json + tokenizer_config.json (+ special_tokens_map.json) equal to open_clip's tokenizer."""
    from transformers import CLIPTokenizer

    vocab, merges = open_clip_bpe_vocab()
    pairs = [tuple(m.split()) for m in merges]
    tok = CLIPTokenizer(vocab=vocab, merges=pairs, model_max_length=context_length, pad_token=pad_token)
    tok.save_pretrained(str(out))
    tok.backend_tokenizer.save(str(out / "tokenizer.json"), pretty=False)  # same content, ~30% smaller
    for extra in ("vocab.json", "merges.txt", "chat_template.jinja"):
        (out / extra).unlink(missing_ok=True)
    cfg_file = out / "tokenizer_config.json"
    cfg = json.loads(cfg_file.read_text(encoding="utf-8"))
    cfg["model_max_length"] = context_length
    cfg["tokenizer_class"] = "CLIPTokenizer"
    cfg_file.write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")


def check_token_ids(folder: Path, reference: Callable[[str], Sequence[int]], prompts: Sequence[str] = CHECK_PROMPTS) -> int:
    """Compare the saved tokenizer's ids with `reference(prompt)` (ids without padding). Raises on a difference."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    for prompt in prompts:
        ours = tok.encode(prompt).ids
        theirs = list(reference(prompt))
        if ours != theirs:
            raise RuntimeError(f"tokenizer.json in {folder} gives {ours} for {prompt!r}; the model's own tokenizer "
                               f"gives {theirs}")
    return len(prompts)


def open_clip_reference_ids(tokenizer: Callable[..., object]) -> Callable[[str], list[int]]:
    """Ids of open_clip's tokenizer for one prompt, with the padding (zeros after EOS) removed."""
    def ids(prompt: str) -> list[int]:
        row = tokenizer([prompt])[0].tolist()  # type: ignore[index]
        eot = tokenizer.eot_token_id  # type: ignore[attr-defined]
        return row[: row.index(eot) + 1] if eot in row else [t for t in row if t != 0]
    return ids
