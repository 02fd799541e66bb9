"""A small SigLIP tokenizer for random-weight SigLIP exports (tests, benchmarks).

SigLIP's tokenizer is a SentencePiece unigram model (`spiece.model`, 32k pieces) read by HF's `SiglipTokenizer`;
it is not reachable without the model hub. This module trains a SentencePiece unigram model of the same kind
(ids: <pad> 0, </s> 1, <unk> 2; no BOS) on a fixed English corpus (the prompt templates and class names used by the
parity tests and zero-shot suites, plus `tokenizer.CHECK_PROMPTS`), then uses it through HF's own
`SiglipTokenizer` (lower-casing and punctuation stripping included) and converts it to tokenizer.json with
transformers' own `convert_slow_tokenizer`, exactly as the Hub's SigLIP tokenizer.json files are made. The
Python reference and holoclip therefore use the same tokenizer; only the vocabulary is small.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .tokenizer import CHECK_PROMPTS

CORPUS: tuple[str, ...] = (
    *CHECK_PROMPTS,
    "a photo of a astronaut.", "a photo of a cat.", "a photo of a coffee.", "a photo of a galaxy.",
    "a photo of a rocket.", "a photo of a dog.", "a photo of a bird.", "a photo of a car.", "a photo of a ship.",
    "a bad photo of a {}.", "a photo of many {}.", "a sculpture of a {}.", "a photo of the hard to see {}.",
    "a low resolution photo of the {}.", "a rendering of a {}.", "graffiti of a {}.", "a cropped photo of the {}.",
    "a tattoo of a {}.", "the embroidered {}.", "a photo of a hard to see {}.", "a bright photo of a {}.",
    "a photo of a clean {}.", "a photo of a dirty {}.", "a dark photo of the {}.", "a drawing of a {}.",
    "a photo of my {}.", "the plastic {}.", "a photo of the cool {}.", "a close-up photo of a {}.",
    "a black and white photo of the {}.", "a painting of the {}.", "a pixelated photo of the {}.",
    "a jpeg corrupted photo of a {}.", "a blurry photo of the {}.", "a photo of the {}.", "a good photo of the {}.",
    "a rendition of the {}.", "a photo of the nice {}.", "a photo of the small {}.", "a photo of the weird {}.",
    "the cartoon {}.", "art of the {}.", "a sketch of the {}.", "a toy {}.", "itap of a {}.",
    "a origami {}.", "a photo of the large {}.", "a photo of one {}.", "the origami {}.", "the toy {}.",
    "airplane automobile bird cat deer dog frog horse ship truck tench goldfish shark",
    "golden retriever labrador poodle tabby kitten coffee mug cup espresso galaxy nebula star rocket launch pad",
    "apple banana orange pear lemon strawberry tomato bottle chair table sofa lamp television laptop keyboard",
)


def write_small_siglip_tokenizer(out: Path, vocab_size: int, max_length: int) -> Any:
    """Train the model into out/spiece.model, write tokenizer.json + tokenizer_config.json; return HF's
    `SiglipTokenizer` on that model (the Python reference)."""
    import io

    import sentencepiece as spm
    from transformers import SiglipTokenizer

    out.mkdir(parents=True, exist_ok=True)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([s.replace("{}", "thing").lower() for s in CORPUS]), model_writer=model,
        model_type="unigram", vocab_size=vocab_size, hard_vocab_limit=False, pad_id=0, eos_id=1, unk_id=2,
        bos_id=-1, pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>", character_coverage=1.0,
        normalization_rule_name="identity", num_threads=1, minloglevel=2)
    spiece = out / "spiece.model"
    spiece.write_bytes(model.getvalue())
    tok = SiglipTokenizer(vocab_file=str(spiece), model_max_length=max_length)
    if tok.vocab_size > vocab_size:
        raise RuntimeError(f"SentencePiece made {tok.vocab_size} pieces, more than text_config.vocab_size {vocab_size}")
    tok.save_pretrained(str(out))
    _tokenizers_json(tok).save(str(out / "tokenizer.json"))
    cfg_file = out / "tokenizer_config.json"
    cfg = json.loads(cfg_file.read_text(encoding="utf-8"))
    cfg.update({"model_max_length": max_length, "tokenizer_class": "SiglipTokenizer"})
    cfg_file.write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    for extra in ("special_tokens_map.json", "chat_template.jinja"):
        (out / extra).unlink(missing_ok=True)
    return tok


# SiglipTokenizer.canonicalize_text: lower-case, drop string.punctuation, collapse whitespace, strip.
_PUNCTUATION = "[" + "".join("\\" + c for c in __import__("string").punctuation) + "]"


def _tokenizers_json(tok: Any) -> Any:
    """A `tokenizers.Tokenizer` equal to HF's SiglipTokenizer on `tok`'s SentencePiece model."""
    from tokenizers import AddedToken, Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    sp = tok.sp_model
    vocab = [(sp.id_to_piece(i), float(sp.get_score(i))) for i in range(sp.get_piece_size())]
    unk = sp.unk_id()
    t = Tokenizer(models.Unigram(vocab, unk_id=unk, byte_fallback=False))
    t.normalizer = normalizers.Sequence([
        normalizers.Lowercase(),
        normalizers.Replace(Regex(_PUNCTUATION), ""),
        normalizers.Replace(Regex(r"\s+"), " "),
        normalizers.Strip(),
    ])
    t.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    eos = str(tok.eos_token)
    t.post_processor = processors.TemplateProcessing(single=f"$A {eos}", pair=f"$A {eos} $B {eos}",
                                                     special_tokens=[(eos, tok.eos_token_id)])
    from tokenizers import decoders

    t.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    t.add_special_tokens([AddedToken(sp.id_to_piece(i), special=True, normalized=False)
                          for i in range(sp.get_piece_size()) if sp.is_control(i) or sp.is_unknown(i)])
    return t
