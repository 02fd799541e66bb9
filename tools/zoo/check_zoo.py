#!/usr/bin/python3
"""Check the mini zoo (models/zoo/*) against its model cards.

For every member folder (a sub-folder with holoclip.json):
  - the card has the zoo fields (name, architecture, training_data, training_size, loss, fine_tuned, seed,
    data_sha256, files_sha256; logit_scale for CLIP/SigLIP, logit_bias for SigLIP);
  - every file listed in files_sha256 exists and has that sha256, and no other file is in the folder;
  - config.json's model_type and the ONNX input/output names are the ones holoclip loads
    (clip: vision pixel_values -> image_embeds, text input_ids+attention_mask -> text_embeds;
     siglip: pooler_output on both towers, text input_ids only;
     holoclip-classifier: onnx/model.onnx pixel_values -> logits with as many classes as id2label);
  - with --bench DIR, data_sha256 is recomputed from the benchmark's training images.

    /usr/bin/python3 tools/zoo/check_zoo.py [--zoo models/zoo] [--bench /tmp/emoji-shift]

files_sha256 is a plain sha256 of each file's bytes (paths relative to the member folder, "/" separated,
holoclip.json itself excluded), so `sha256sum` or any hashing library verifies it too. data_sha256 is the
sha256 of the UTF-8 text made of one line "<relpath>\\t<sha256 of the image file>\\n" per training image,
sorted by relpath (relpath relative to the benchmark root, e.g. "domains/noto/000_dog/0.png").
Exits 1 when a check fails.
"""
import argparse
import hashlib
import json
import os
import sys

import onnx

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REQUIRED = ["name", "architecture", "training_data", "training_size", "loss", "fine_tuned", "seed", "data_sha256", "files_sha256"]
IO = {
    "clip": {"onnx/vision_model.onnx": (["pixel_values"], ["image_embeds"]),
             "onnx/text_model.onnx": (["input_ids", "attention_mask"], ["text_embeds"]),
             "onnx/model.onnx": (["input_ids", "pixel_values", "attention_mask"],
                                 ["logits_per_image", "logits_per_text", "text_embeds", "image_embeds"])},
    "siglip": {"onnx/vision_model.onnx": (["pixel_values"], ["pooler_output"]),
               "onnx/text_model.onnx": (["input_ids"], ["pooler_output"]),
               "onnx/model.onnx": (["input_ids", "pixel_values"], ["logits_per_image", "logits_per_text", "text_embeds", "image_embeds"])},
    "holoclip-classifier": {"onnx/model.onnx": (["pixel_values"], ["logits"])},
}


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def training_files(bench, card):
    """The training images a card describes: the styles in training_data; when training_size is smaller than
    those styles hold, the images k < fraction * n of each class (how train_zoo.py makes size-25pct)."""
    styles = card["training_data"].split(":", 1)[1].split("+")
    per_class = {}
    for s in styles:
        root = os.path.join(bench, "domains", s)
        for folder in sorted(os.listdir(root)):
            per_class[(s, folder)] = sorted(os.listdir(os.path.join(root, folder)), key=lambda n: (len(n), n))
    total = sum(len(v) for v in per_class.values())
    fraction = card["training_size"] / total
    files = []
    for (s, folder), names in per_class.items():
        keep = round(len(names) * fraction)
        files += [f"domains/{s}/{folder}/{n}" for n in names if int(n.split(".")[0]) < keep]
    return files


def check_member(folder, bench):
    errors = []
    card = json.load(open(os.path.join(folder, "holoclip.json"), encoding="utf-8"))
    errors += [f"card lacks {k!r}" for k in REQUIRED if k not in card]
    listed = card.get("files_sha256", {})
    present = set()
    for dirpath, _, names in os.walk(folder):
        for n in names:
            rel = os.path.relpath(os.path.join(dirpath, n), folder).replace(os.sep, "/")
            if rel != "holoclip.json":
                present.add(rel)
    for rel in sorted(present - set(listed)):
        errors.append(f"{rel} is not in files_sha256")
    for rel, sha in sorted(listed.items()):
        p = os.path.join(folder, rel)
        if not os.path.exists(p):
            errors.append(f"{rel} is listed but missing")
        elif sha256_file(p) != sha:
            errors.append(f"{rel}: sha256 does not match the card")
    config = json.load(open(os.path.join(folder, "config.json"), encoding="utf-8"))
    mt = config.get("model_type")
    if mt not in IO:
        errors.append(f"config.json model_type {mt!r} is not one of {list(IO)}")
        return card, errors
    if mt != "holoclip-classifier" and "logit_scale" not in card:
        errors.append("card lacks logit_scale")
    if mt == "siglip" and "logit_bias" not in card:
        errors.append("card lacks logit_bias")
    for rel, (inputs, outputs) in IO[mt].items():
        p = os.path.join(folder, rel)
        if not os.path.exists(p):
            errors.append(f"{rel} missing")
            continue
        g = onnx.load(p).graph
        got_in = [i.name for i in g.input if i.name not in {init.name for init in g.initializer}]
        got_out = [o.name for o in g.output]
        if got_in != inputs or got_out != outputs:
            errors.append(f"{rel}: IO {got_in} -> {got_out}, expected {inputs} -> {outputs}")
        if mt == "holoclip-classifier":
            dims = g.output[0].type.tensor_type.shape.dim
            if dims[-1].dim_value != len(config.get("id2label", {})):
                errors.append(f"{rel}: {dims[-1].dim_value} logits but id2label has {len(config.get('id2label', {}))} classes")
    if bench and "data_sha256" in card:
        h = hashlib.sha256()
        files = training_files(bench, card)
        for rel in sorted(files):
            h.update(f"{rel}\t{sha256_file(os.path.join(bench, rel))}\n".encode())
        if len(files) != card["training_size"]:
            errors.append(f"{len(files)} training images found for training_size {card['training_size']}")
        if h.hexdigest() != card["data_sha256"]:
            errors.append("data_sha256 does not match the benchmark's training images")
    return card, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zoo", default=os.path.join(REPO_ROOT, "models", "zoo"))
    ap.add_argument("--bench", help="an emoji-shift build: also recompute data_sha256")
    args = ap.parse_args()
    members = sorted(d for d in os.listdir(args.zoo) if os.path.exists(os.path.join(args.zoo, d, "holoclip.json")))
    if not members:
        sys.exit(f"no zoo members (folders with holoclip.json) under {args.zoo}")
    failed = 0
    for m in members:
        folder = os.path.join(args.zoo, m)
        card, errors = check_member(folder, args.bench)
        size = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(folder) for n in ns)
        status = "ok" if not errors else "FAILED"
        print(f"{m:22s} {status:6s} {len(card.get('files_sha256', {}))} files, {size / 1e6:.2f} MB, "
              f"{card.get('architecture')}, {card.get('loss')}, {card.get('training_data')} ({card.get('training_size')} images)")
        for e in errors:
            print(f"    {e}")
        failed += bool(errors)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
