#!/usr/bin/python3
"""Train holoclip's mini zoo: tiny CLIP models trained on the emoji-shift benchmark, each changing ONE
of the paper's factors from a base model, exported in the Hugging Face / transformers.js ONNX folder
layout with a holoclip.json model card.

    node bin/holoclip.js bench build emoji-shift --out /tmp/emoji-shift
    /usr/bin/python3 tools/zoo/train_zoo.py --bench /tmp/emoji-shift --out models/zoo

Members (one factor changed from `base` each; same seed, same schedule, same data unless the factor is the data):
    base                  ViT image tower, softmax (InfoNCE) loss, all 3 training styles, all images
    arch-convnet          image tower: a small convnet instead of the ViT
    data-noto-only        training distribution: the noto style only
    size-25pct            training set size: 2 of the 8 images of each class in each style (same number of steps)
    loss-sigmoid          loss: SigLIP's sigmoid loss with a learned bias; exported in the "siglip" layout
    finetuned-classifier  base's image tower + a linear head initialised from base's zero-shot text weights,
                          fine-tuned with cross-entropy; exported as a classifier (pixel_values -> logits)

Reuses tools/fixtures/build_fixtures.py (imported, not changed): the plain-torch CLIP towers that mirror
transformers' modeling_clip.py, the byte-level BPE tokenizer trainer and tokenizer.json writer, and the
ONNX export. CPU only (torch 1.13, 2 threads); deterministic for a given seed on one machine.
"""
import argparse
import hashlib
import json
import math
import os
import shutil
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO_ROOT, "tools", "fixtures"))
import build_fixtures as bf  # noqa: E402

warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")  # torch.onnx noise

TRAIN_STYLES = ["noto", "twemoji", "fluent-flat"]
TEST_STYLES = ["fluent-3d", "silhouette", "openmoji"]
SEED = 0
CONTEXT = 24          # text positions (tokenizer model_max_length too)
BATCH = 64            # distinct classes per batch (emoji-shift has 147)
STEPS = 800           # optimiser steps for every CLIP member (same schedule for all: steps, not epochs, are fixed)
LR = 1e-3
FT_STEPS = 300        # cross-entropy fine-tuning steps of finetuned-classifier
FT_LR = 1e-3
NUM_MERGES = 700      # BPE merges (vocab = 512 byte symbols + merges + 2 specials)

CAPTION_TEMPLATES = [
    "a photo of a {}.", "an emoji of a {}.", "a drawing of a {}.", "a picture of a {}.", "an icon of a {}.",
    "a cartoon {}.", "a {}.", "a small {}.", "a big {}.", "a rendering of the {}.",
]
KEYWORD_TEMPLATE = "an emoji of a {}, {}."      # name, keyword from classes.json
CATEGORY_TEMPLATE = "a {}, a kind of {}."       # name, category from classes.json
EVAL_TEMPLATE = "a photo of a {}."              # holoclip's default template
ENSEMBLE_TEMPLATES = ["a photo of a {}.", "an emoji of a {}.", "a drawing of a {}."]

# CLIPImageProcessor-style: resize the shortest edge to 72 (bilinear: transformers.js and holoclip resize with an
# un-antialiased affine, which torch's bilinear interpolate reproduces closely), center crop 64, normalise to [-1, 1].
PREPROCESSOR = dict(bf.CLIP_PREPROCESSOR, resample=2, image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
RESIZE, CROP = PREPROCESSOR["size"]["shortest_edge"], PREPROCESSOR["crop_size"]["height"]  # 72, 64
SOURCE = 96  # emoji-shift's image size
MEAN = torch.tensor(PREPROCESSOR["image_mean"]).view(1, 3, 1, 1)
STD = torch.tensor(PREPROCESSOR["image_std"]).view(1, 3, 1, 1)


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


# ------------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------------

def load_style(bench, style):
    """One ImageFolder style: uint8 [N,3,96,96] (the benchmark's 96 px images as they are), labels, relpaths."""
    root = os.path.join(bench, "domains", style)
    images, labels, files = [], [], []
    for folder in sorted(os.listdir(root)):
        label = int(folder.split("_", 1)[0])
        for name in sorted(os.listdir(os.path.join(root, folder)), key=lambda n: (len(n), n)):
            path = os.path.join(root, folder, name)
            img = Image.open(path).convert("RGB")
            if img.size != (SOURCE, SOURCE):
                img = img.resize((SOURCE, SOURCE), Image.BILINEAR)
            images.append(np.asarray(img))
            labels.append(label)
            files.append(os.path.relpath(path, bench).replace(os.sep, "/"))
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
    return x, torch.tensor(labels), files


def data_sha256(bench, files):
    """sha256 over the sorted lines "<relpath>\\t<sha256 of the file>\\n" of the training images used."""
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(f"{rel}\t{sha256_file(os.path.join(bench, rel))}\n".encode())
    return h.hexdigest()


def center(x_uint8):
    """Evaluation preprocessing, as preprocessor_config.json says and holoclip / transformers.js do it (sharp's affine:
    bilinear, output pixel i samples input coordinate i * 96/72, no antialiasing; 8-bit result), then center crop 64
    and normalise. Matches holoclip's pixels to within one 8-bit level."""
    c = torch.arange(RESIZE, dtype=torch.float32) * (x_uint8.shape[-1] / RESIZE)
    i0 = c.floor().long().clamp(max=x_uint8.shape[-1] - 1)
    i1 = (i0 + 1).clamp(max=x_uint8.shape[-1] - 1)
    w = c - c.floor()
    x = x_uint8.float()
    x = x[:, :, i0, :] * (1 - w)[:, None] + x[:, :, i1, :] * w[:, None]
    x = x[:, :, :, i0] * (1 - w) + x[:, :, :, i1] * w
    x = x.round().clamp(0, 255) / 255.0
    o = (RESIZE - CROP) // 2
    return (x[:, :, o:o + CROP, o:o + CROP] - MEAN) / STD


def augment(x_uint8, gen):
    """Random resized crop (36-100% of the 96 px image's area, aspect 3/4-4/3; the evaluation center crop is 79%)
    straight to 64 px (bilinear), horizontal flip, colour jitter
    (brightness, contrast, saturation +-25%, hue +-0.05 turn), then normalise. Batched (affine_grid)."""
    n = x_uint8.shape[0]
    x = x_uint8.float() / 255.0
    r = lambda *s: torch.rand(*s, generator=gen)  # noqa: E731
    area = 0.36 + 0.64 * r(n)
    logratio = (r(n) * 2 - 1) * math.log(4 / 3)
    sw = torch.sqrt(area * torch.exp(logratio)).clamp(max=1.0)
    sh = torch.sqrt(area / torch.exp(logratio)).clamp(max=1.0)
    tx, ty = (r(n) * 2 - 1) * (1 - sw), (r(n) * 2 - 1) * (1 - sh)
    flip = torch.where(r(n) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2], theta[:, 1, 1], theta[:, 1, 2] = sw * flip, tx, sh, ty
    grid = F.affine_grid(theta, (n, 3, CROP, CROP), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    jitter = lambda: (1 + (r(n, 1, 1, 1) * 2 - 1) * 0.25)  # noqa: E731
    x = x * jitter()                                                   # brightness
    m = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - m) * jitter() + m                                         # contrast
    gray = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    x = (x - gray) * jitter() + gray                                   # saturation
    a = (r(n) * 2 - 1) * 0.05 * 2 * math.pi                            # hue: rotate the YIQ chroma plane
    yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    rot = torch.zeros(n, 3, 3)
    rot[:, 0, 0], rot[:, 1, 1], rot[:, 1, 2], rot[:, 2, 1], rot[:, 2, 2] = 1, a.cos(), -a.sin(), a.sin(), a.cos()
    mat = torch.linalg.inv(yiq) @ rot @ yiq
    x = torch.einsum("nij,njhw->nihw", mat, x)
    return (x.clamp(0, 1) - MEAN) / STD


class Captions:
    """Every caption of every class, tokenized once: [C, V, CONTEXT] ids + masks, V variants per class."""

    def __init__(self, tok, classes):
        self.texts = []
        for c in classes:
            t = [tpl.format(c["name"]) for tpl in CAPTION_TEMPLATES]
            t += [KEYWORD_TEMPLATE.format(c["name"], k) for k in c.get("keywords", [])]
            if c.get("category"):
                t.append(CATEGORY_TEMPLATE.format(c["name"], c["category"]))
            self.texts.append(t)
        v = max(len(t) for t in self.texts)
        self.ids = torch.full((len(classes), v, CONTEXT), tok.pad_id, dtype=torch.long)
        self.mask = torch.zeros((len(classes), v, CONTEXT), dtype=torch.long)
        self.count = torch.tensor([len(t) for t in self.texts])
        self.truncated = 0
        for i, texts in enumerate(self.texts):
            for j, text in enumerate(texts):
                e = tok.encode(text)
                if len(e) > CONTEXT:  # holoclip / HF truncation: keep the first tokens, end with EOS
                    e, self.truncated = e[:CONTEXT - 1] + [tok.eos_id], self.truncated + 1
                self.ids[i, j, :len(e)] = torch.tensor(e)
                self.mask[i, j, :len(e)] = 1

    def sample(self, labels, gen):
        j = (torch.rand(len(labels), generator=gen) * self.count[labels]).long()
        ids, mask = self.ids[labels, j], self.mask[labels, j]
        width = int(mask.sum(1).max())  # pad to the longest caption of the batch, as holoclip does
        return ids[:, :width], mask[:, :width]


def build_tokenizer(classes):
    """The fixtures' byte-level BPE (tokenizer.json layout of openai/clip-vit-base-patch32), trained on this zoo's
    captions. build_fixtures.build_clip_tokenizer reads its corpus and merge count from module globals."""
    corpus = []
    for c in classes:
        corpus += [t.format(c["name"]) for t in CAPTION_TEMPLATES + ENSEMBLE_TEMPLATES]
        corpus += [KEYWORD_TEMPLATE.format(c["name"], k) for k in c.get("keywords", [])]
        corpus.append(CATEGORY_TEMPLATE.format(c["name"], c.get("category", "")))
    saved = bf.corpus_sentences, bf.CLIP_NUM_MERGES
    bf.corpus_sentences, bf.CLIP_NUM_MERGES = (lambda: corpus), NUM_MERGES
    try:
        tok_json, tok_cfg, stm = bf.build_clip_tokenizer()
    finally:
        bf.corpus_sentences, bf.CLIP_NUM_MERGES = saved
    tok_cfg = dict(tok_cfg, model_max_length=CONTEXT)
    tok = bf.ClipTokenizerPy(json.loads(json.dumps(tok_json)), tok_cfg)
    assert tok.eos_id == len(tok_json["model"]["vocab"]) - 1, "EOS must have the highest id (argmax pooling)"
    return (tok_json, tok_cfg, stm), tok


# ------------------------------------------------------------------------------------------------
# Models
# ------------------------------------------------------------------------------------------------

def clip_config(vocab_size, vision_width=96):
    v = dict(hidden_size=vision_width, intermediate_size=2 * vision_width, num_attention_heads=4, num_hidden_layers=4,
             image_size=CROP, patch_size=8)
    t = dict(hidden_size=96, intermediate_size=192, num_attention_heads=4, num_hidden_layers=3,
             max_position_embeddings=CONTEXT)
    cfg = bf.clip_config(vocab_size, v=v, t=t, projection_dim=64)
    cfg["logit_scale_init_value"] = math.log(1 / 0.07)
    return cfg


class ConvTower(nn.Module):
    """convnet-small: a stride-2 stem and 3 stride-2 blocks (conv3x3-BN-ReLU each), 64 -> 4 px, then a conv3x3-BN-ReLU
    at 4 px, global average pool and LayerNorm. Same interface as the ViT tower: (last_hidden_state [N,16,C], pooled [N,C])."""

    CHANNELS = [32, 64, 96, 128]

    def __init__(self):
        super().__init__()
        layers, c_in = [], 3
        for c in self.CHANNELS:
            layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
            c_in = c
        layers += [nn.Conv2d(c_in, c_in, 3, padding=1, bias=False), nn.BatchNorm2d(c_in), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.post_layernorm = nn.LayerNorm(c_in)

    def forward(self, pixel_values):
        tokens = self.features(pixel_values).flatten(2).transpose(1, 2)
        return tokens, self.post_layernorm(tokens.mean(dim=1))


def make_clip(cfg, convnet, seed):
    """bf.ClipModel (HF modeling_clip in plain torch) with CLIP-style init; optionally a convnet image tower.
    The text tower's initial weights are the same for every member (same seed, same construction order)."""
    torch.manual_seed(seed)
    model = bf.ClipModel(cfg)
    for name, p in model.named_parameters():
        if "norm" in name:
            continue  # LayerNorm: weight 1, bias 0
        if p.dim() == 1 and not name.endswith("class_embedding"):
            nn.init.zeros_(p)
        elif name != "logit_scale":
            nn.init.normal_(p, std=0.02)
    if convnet:
        model.vision_model = ConvTower()  # torch's default (Kaiming-uniform) conv init
        model.visual_projection = nn.Linear(ConvTower.CHANNELS[-1], cfg["projection_dim"], bias=False)
        nn.init.normal_(model.visual_projection.weight, std=0.02)
    model.logit_bias = nn.Parameter(torch.tensor(-10.0))  # used by the sigmoid loss only
    return model


def clip_loss(img, txt, scale, bias, sigmoid):
    """Every batch holds one image of each of BATCH distinct classes with a caption of that class, so the
    diagonal pairs are the only positives: CLIP's symmetric InfoNCE, or SigLIP's pairwise sigmoid loss."""
    img, txt = F.normalize(img, dim=-1), F.normalize(txt, dim=-1)
    logits = scale * img @ txt.t()
    n = logits.shape[0]
    if sigmoid:
        sign = 2 * torch.eye(n) - 1
        return -F.logsigmoid(sign * (logits + bias)).sum() / n
    target = torch.arange(n)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))


def lr_lambda(steps):
    warm = max(1, steps // 20)
    return lambda s: (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, steps - warm)))


def train_clip(cfg, captions, x, y, num_classes, convnet, sigmoid, log):
    model = make_clip(cfg, convnet, SEED)
    with torch.no_grad():
        model.logit_scale.fill_(math.log(10.0) if sigmoid else math.log(1 / 0.07))
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "embedding" not in n]
    other = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "embedding" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": other, "weight_decay": 0.0}], lr=LR,
                            betas=(0.9, 0.98), eps=1e-6)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(STEPS))
    gen = torch.Generator().manual_seed(SEED)
    by_class = [torch.nonzero(y == c).flatten() for c in range(num_classes)]
    model.train()
    for step in range(STEPS):
        labels = torch.randperm(num_classes, generator=gen)[:BATCH]
        idx = torch.stack([by_class[c][int(torch.randint(len(by_class[c]), (1,), generator=gen))] for c in labels.tolist()])
        ids, mask = captions.sample(labels, gen)
        img, _ = model.image_features(augment(x[idx], gen))
        txt, _ = model.text_features(ids, mask)
        loss = clip_loss(img, txt, model.logit_scale.exp(), model.logit_bias, sigmoid)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        with torch.no_grad():
            model.logit_scale.clamp_(max=math.log(100.0))
        if step % 100 == 0 or step == STEPS - 1:
            log(f"  step {step:4d}  loss {loss.item():.3f}  scale {model.logit_scale.exp().item():.1f}"
                + (f"  bias {model.logit_bias.item():.2f}" if sigmoid else ""))
    model.eval()
    return model


@torch.no_grad()
def text_weights(model, tok, names, templates):
    """Zero-shot head: per class, the mean of the L2-normalised text embeddings of the templates, renormalised."""
    rows = []
    for name in names:
        ids, mask = tok.batch([t.format(name) for t in templates])
        e = F.normalize(model.text_features(torch.from_numpy(ids), torch.from_numpy(mask))[0], dim=-1).mean(0)
        rows.append(F.normalize(e, dim=0))
    return torch.stack(rows)


@torch.no_grad()
def image_embeds(model, x):
    return torch.cat([F.normalize(model.image_features(center(x[i:i + 256]))[0], dim=-1) for i in range(0, len(x), 256)])


# ------------------------------------------------------------------------------------------------
# Export
# ------------------------------------------------------------------------------------------------

class VisionOut(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixel_values):
        return self.m.image_features(pixel_values)[0]


class TextOut(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask=None):
        if attention_mask is None:  # siglip layout: no mask input. The text transformer is causal and pools at the
            attention_mask = torch.ones_like(input_ids)  # first EOS, so trailing padding cannot change the output.
        return self.m.text_features(input_ids, attention_mask)[0]


class Combined(nn.Module):
    """onnx/model.onnx: logits_per_image = exp(logit_scale) * cos (+ logit_bias for sigmoid) and normalised embeds."""

    def __init__(self, m, sigmoid):
        super().__init__()
        self.m, self.sigmoid = m, sigmoid

    def forward(self, input_ids, pixel_values, attention_mask=None):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        img = F.normalize(self.m.image_features(pixel_values)[0], dim=-1)
        txt = F.normalize(self.m.text_features(input_ids, attention_mask)[0], dim=-1)
        lpt = self.m.logit_scale.exp() * txt @ img.t()
        if self.sigmoid:
            lpt = lpt + self.m.logit_bias
        return lpt.t(), lpt, txt, img


def siglip_layout_config(cfg):
    """config.json for loss-sigmoid: model_type "siglip" (pooler_output IO, texts padded to max length) around the
    same towers as base; holoclip reads model_type, vision_config.image_size and text_config.max_position_embeddings."""
    v, t = cfg["vision_config"], cfg["text_config"]
    return {
        "architectures": ["SiglipModel"],
        "initializer_factor": 1.0,
        "model_type": "siglip",
        "text_config": {**{k: t[k] for k in ("attention_dropout", "hidden_act", "hidden_size", "intermediate_size", "layer_norm_eps",
                                              "max_position_embeddings", "num_attention_heads", "num_hidden_layers", "vocab_size")},
                        "model_type": "siglip_text_model", "projection_size": cfg["projection_dim"]},
        "torch_dtype": "float32",
        "transformers_version": bf.TRANSFORMERS_VERSION,
        "vision_config": {**{k: v[k] for k in ("attention_dropout", "hidden_act", "hidden_size", "image_size", "intermediate_size",
                                                "layer_norm_eps", "num_attention_heads", "num_channels", "num_hidden_layers", "patch_size")},
                          "model_type": "siglip_vision_model"},
    }


def export_clip(model, cfg, tok_files, folder, sigmoid, convnet):
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    bf.write_tokenizer_files(folder, *tok_files)
    if sigmoid:
        config = siglip_layout_config(cfg)
    else:
        config = json.loads(json.dumps(cfg))
        if convnet:
            config["vision_config"].update(hidden_size=ConvTower.CHANNELS[-1], num_hidden_layers=len(ConvTower.CHANNELS))
            config["vision_config"]["holoclip_tower"] = "convnet-small (not a ViT; see holoclip.json)"
    bf.write_json(os.path.join(folder, "config.json"), config)
    bf.write_json(os.path.join(folder, "preprocessor_config.json"), PREPROCESSOR)
    px = torch.randn(2, 3, CROP, CROP, generator=torch.Generator().manual_seed(1))
    vocab = model.text_model.token_embedding.num_embeddings  # BOS = vocab - 2, EOS = vocab - 1
    ids = torch.tensor([[vocab - 2, 300, 301, 302, vocab - 1, vocab - 1]] * 2)
    mask = torch.ones_like(ids)
    onnx_dir = os.path.join(folder, "onnx")
    if sigmoid:
        bf.export_onnx(VisionOut(model), (px,), os.path.join(onnx_dir, "vision_model.onnx"), ["pixel_values"], ["pooler_output"],
                       {"pixel_values": {0: "batch_size"}, "pooler_output": {0: "batch_size"}})
        bf.export_onnx(TextOut(model), (ids,), os.path.join(onnx_dir, "text_model.onnx"), ["input_ids"], ["pooler_output"],
                       {"input_ids": {0: "batch_size", 1: "sequence_length"}, "pooler_output": {0: "batch_size"}})
        bf.export_onnx(Combined(model, True), (ids, px), os.path.join(onnx_dir, "model.onnx"), ["input_ids", "pixel_values"],
                       ["logits_per_image", "logits_per_text", "text_embeds", "image_embeds"],
                       {"input_ids": {0: "text_batch_size", 1: "sequence_length"}, "pixel_values": {0: "image_batch_size"},
                        "logits_per_image": {0: "image_batch_size", 1: "text_batch_size"},
                        "logits_per_text": {0: "text_batch_size", 1: "image_batch_size"},
                        "text_embeds": {0: "text_batch_size"}, "image_embeds": {0: "image_batch_size"}})
    else:
        bf.export_onnx(VisionOut(model), (px,), os.path.join(onnx_dir, "vision_model.onnx"), ["pixel_values"], ["image_embeds"],
                       {"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}})
        bf.export_onnx(TextOut(model), (ids, mask), os.path.join(onnx_dir, "text_model.onnx"), ["input_ids", "attention_mask"],
                       ["text_embeds"], {"input_ids": {0: "batch_size", 1: "sequence_length"},
                                         "attention_mask": {0: "batch_size", 1: "sequence_length"}, "text_embeds": {0: "batch_size"}})
        bf.export_onnx(Combined(model, False), (ids, px, mask), os.path.join(onnx_dir, "model.onnx"),
                       ["input_ids", "pixel_values", "attention_mask"],
                       ["logits_per_image", "logits_per_text", "text_embeds", "image_embeds"],
                       {"input_ids": {0: "text_batch_size", 1: "sequence_length"}, "pixel_values": {0: "image_batch_size"},
                        "attention_mask": {0: "text_batch_size", 1: "sequence_length"},
                        "logits_per_image": {0: "image_batch_size", 1: "text_batch_size"},
                        "logits_per_text": {0: "text_batch_size", 1: "image_batch_size"},
                        "text_embeds": {0: "text_batch_size"}, "image_embeds": {0: "image_batch_size"}})


class Classifier(nn.Module):
    """finetuned-classifier: logits = W . normalize(image_embeds) + b, W initialised to exp(logit_scale) x base's
    zero-shot text weights (so before fine-tuning it is exactly base's zero-shot classifier)."""

    def __init__(self, clip, weights, scale):
        super().__init__()
        self.vision_model, self.visual_projection = clip.vision_model, clip.visual_projection
        self.head = nn.Linear(weights.shape[1], weights.shape[0])
        with torch.no_grad():
            self.head.weight.copy_(weights * scale)
            self.head.bias.zero_()

    def forward(self, pixel_values):
        return self.head(F.normalize(self.visual_projection(self.vision_model(pixel_values)[1]), dim=-1))


def finetune(clf, x, y, log):
    opt = torch.optim.AdamW(clf.parameters(), lr=FT_LR, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(FT_STEPS))
    gen = torch.Generator().manual_seed(SEED + 1)
    clf.train()
    for step in range(FT_STEPS):
        idx = torch.randint(len(x), (BATCH,), generator=gen)
        loss = F.cross_entropy(clf(augment(x[idx], gen)), y[idx])
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(clf.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 50 == 0 or step == FT_STEPS - 1:
            log(f"  step {step:4d}  cross-entropy {loss.item():.3f}")
    clf.eval()
    return clf


def write_card(folder, card):
    """holoclip.json, with files_sha256 = sha256 of every other file in the folder (paths relative, "/")."""
    files = {}
    for dirpath, _, names in os.walk(folder):
        for n in names:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, folder).replace(os.sep, "/")
            if rel != "holoclip.json":
                files[rel] = sha256_file(p)
    card["files_sha256"] = dict(sorted(files.items()))
    bf.write_json(os.path.join(folder, "holoclip.json"), card)


def folder_bytes(folder):
    return sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(folder) for n in ns)


# ------------------------------------------------------------------------------------------------

MEMBERS = {
    # name: (image tower, training styles, fraction of the images of each class and style (None = all), loss)
    "base": ("vit", TRAIN_STYLES, None, "softmax"),
    "arch-convnet": ("convnet", TRAIN_STYLES, None, "softmax"),
    "data-noto-only": ("vit", ["noto"], None, "softmax"),
    "size-25pct": ("vit", TRAIN_STYLES, 0.25, "softmax"),
    "loss-sigmoid": ("vit", TRAIN_STYLES, None, "sigmoid"),
}
ALL_MEMBERS = list(MEMBERS) + ["finetuned-classifier"]
NOTES = {
    "base": "the base model",
    "arch-convnet": "one factor changed from base: architecture (a convnet image tower; exported in the clip layout, "
                    "vision_model.onnx pixel_values -> image_embeds; config.json vision_config describes no real HF model)",
    "data-noto-only": "one factor changed from base: training distribution (the noto style only)",
    "size-25pct": "one factor changed from base: training set size (2 of the 8 images of each class in each style, "
                  "images 0 and 1; same number of steps as base, so 4x as many epochs)",
    "loss-sigmoid": "one factor changed from base: loss (SigLIP's sigmoid loss with learned scale and bias). Exported in the "
                    "siglip layout (pooler_output outputs, texts padded to 24 tokens, no attention_mask input) around "
                    "base's tower architectures and tokenizer: a class-token ViT and a causal text transformer pooled at "
                    "the first EOS, so the padding does not change the text embedding",
}
ARCH_DETAIL = {
    "vit": "image tower: ViT 64 px, patch 8, width 96, 4 layers, 4 heads, MLP 192, quick_gelu, class-token pooling, "
           "projection to 64",
    "convnet": "image tower: 4 stride-2 conv3x3-BN-ReLU blocks (32/64/96/128 channels, 64 -> 4 px) + conv3x3-BN-ReLU, "
               "global average pool, LayerNorm, projection to 64",
}
TEXT_DETAIL = "; text tower: causal transformer, width 96, 3 layers, 4 heads, 24 positions, EOS pooling, projection to 64"

CTX = {}  # set up once in the parent and inherited by the forked workers


def log(msg):
    print(msg, flush=True)


def training_set(styles, fraction):
    """Images, labels and relpaths of the given styles; with a fraction, the images k < fraction * n of each class."""
    xs, ys, fs = [], [], []
    for s in styles:
        x, y, f = CTX["data"][s]
        keep = torch.ones(len(y), dtype=torch.bool)
        if fraction is not None:
            k = torch.tensor([int(p.rsplit("/", 1)[1].split(".")[0]) for p in f])
            per_class = torch.bincount(y, minlength=len(CTX["names"]))
            keep = k < torch.round(per_class[y].float() * fraction)
        xs.append(x[keep])
        ys.append(y[keep])
        fs.extend(p for p, m in zip(f, keep.tolist()) if m)
    return torch.cat(xs), torch.cat(ys), fs


def run_member(name):
    """Train, evaluate, export and write the card of one CLIP member (and finetuned-classifier after base)."""
    torch.set_num_threads(1)
    c = CTX
    tower, styles, fraction, loss = MEMBERS[name]
    x, y, files = training_set(styles, fraction)
    sigmoid = loss == "sigmoid"
    log(f"[{name}] {tower} tower, {loss} loss, {len(y)} training images ({'+'.join(styles)}), {STEPS} steps of {BATCH}")
    t0 = time.time()
    model = train_clip(c["cfg"], c["captions"], x, y, len(c["names"]), tower == "convnet", sigmoid,
                       lambda m: log(f"[{name}] {m.strip()}"))
    seconds = time.time() - t0
    w1 = text_weights(model, c["tok"], c["names"], [EVAL_TEMPLATE])
    wens = text_weights(model, c["tok"], c["names"], ENSEMBLE_TEMPLATES)
    acc = {}
    for s in TRAIN_STYLES + TEST_STYLES:
        emb = image_embeds(model, c["data"][s][0])
        acc[s] = {"top1": float((emb @ w1.t()).argmax(1).eq(c["data"][s][1]).float().mean()),
                  "top1_ensemble": float((emb @ wens.t()).argmax(1).eq(c["data"][s][1]).float().mean())}
    log(f"[{name}] trained in {seconds:.0f}s; zero-shot top-1 ('{EVAL_TEMPLATE}' / 3-template ensemble): "
        + ", ".join(f"{s} {a['top1']:.3f}/{a['top1_ensemble']:.3f}" for s, a in acc.items()))
    results = {}
    if name in c["only"]:
        folder = os.path.join(c["out"], name)
        shutil.rmtree(folder, ignore_errors=True)
        export_clip(model, c["cfg"], c["tok_files"], folder, sigmoid, tower == "convnet")
        write_card(folder, {
            "name": name,
            "architecture": "convnet-small" if tower == "convnet" else "vit-tiny",
            "architecture_detail": ARCH_DETAIL[tower] + TEXT_DETAIL,
            "training_data": "emoji-shift:" + "+".join(styles),
            "training_size": len(y),
            "loss": loss,
            "fine_tuned": False,
            "logit_scale": float(model.logit_scale.exp()),
            **({"logit_bias": float(model.logit_bias)} if sigmoid else {}),
            "seed": SEED,
            "data_sha256": data_sha256(c["bench"], files),
            "notes": NOTES[name],
            "train": {"epochs": round(STEPS * BATCH / len(y), 2), "steps": STEPS, "batch_size": BATCH, "lr": LR,
                      "schedule": "AdamW (weight decay 0.05 on matrices), 5% linear warmup, cosine decay",
                      "batches": f"{BATCH} distinct classes per batch, one image and one random caption of each",
                      "seconds": round(seconds, 1)},
            "python_zero_shot_top1": {s: round(a["top1"], 4) for s, a in acc.items()},
            "python_zero_shot_template": EVAL_TEMPLATE,
        })
        results[name] = {"seconds": round(seconds, 1), "bytes": folder_bytes(folder), "zero_shot": acc}
    if name == "base" and "finetuned-classifier" in c["only"]:
        results.update(run_classifier(model))
    return results


def run_classifier(base):
    c = CTX
    name = "finetuned-classifier"
    x, y, files = training_set(TRAIN_STYLES, None)
    log(f"[{name}] base's image tower + zero-shot-initialised head, cross-entropy, {FT_STEPS} steps of {BATCH}")
    t0 = time.time()
    clf = Classifier(base, text_weights(base, c["tok"], c["names"], ENSEMBLE_TEMPLATES), float(base.logit_scale.exp()))
    clf = finetune(clf, x, y, lambda m: log(f"[{name}] {m.strip()}"))
    seconds = time.time() - t0
    acc = {}
    with torch.no_grad():
        for s in TRAIN_STYLES + TEST_STYLES:
            xs, ys = c["data"][s][:2]
            logits = torch.cat([clf(center(xs[i:i + 256])) for i in range(0, len(ys), 256)])
            acc[s] = float(logits.argmax(1).eq(ys).float().mean())
    log(f"[{name}] fine-tuned in {seconds:.0f}s; top-1: " + ", ".join(f"{s} {a:.3f}" for s, a in acc.items()))
    folder = os.path.join(c["out"], name)
    shutil.rmtree(folder, ignore_errors=True)
    bf.export_onnx(clf, (torch.randn(2, 3, CROP, CROP, generator=torch.Generator().manual_seed(1)),),
                   os.path.join(folder, "onnx", "model.onnx"), ["pixel_values"], ["logits"],
                   {"pixel_values": {0: "batch_size"}, "logits": {0: "batch_size"}})
    names = c["names"]
    bf.write_json(os.path.join(folder, "config.json"), {
        "architectures": ["HoloclipZooClassifier"],
        "model_type": "holoclip-classifier",
        "num_labels": len(names),
        "id2label": {str(i): n for i, n in enumerate(names)},
        "label2id": {n: i for i, n in enumerate(names)},
        "image_size": CROP,
    })
    bf.write_json(os.path.join(folder, "preprocessor_config.json"), PREPROCESSOR)
    write_card(folder, {
        "name": name,
        "architecture": "vit-tiny",
        "architecture_detail": ARCH_DETAIL["vit"] + "; then L2 normalisation and a linear head to the classes",
        "training_data": "emoji-shift:" + "+".join(TRAIN_STYLES),
        "training_size": len(y),
        "loss": "cross-entropy",
        "fine_tuned": "cross-entropy on emoji-shift:noto+twemoji+fluent-flat, from base (head initialised from base's "
                      "zero-shot text weights x its logit scale, 3-template ensemble)",
        "seed": SEED,
        "data_sha256": data_sha256(c["bench"], files),
        "notes": f"one factor changed from base: fine-tuning. onnx/model.onnx: pixel_values [batch,3,{CROP},{CROP}] -> "
                 f"logits [batch,{len(names)}]; classes in config.json id2label (the benchmark's prompt names, label order)",
        "train": {"epochs": round(FT_STEPS * BATCH / len(y), 2), "steps": FT_STEPS, "batch_size": BATCH, "lr": FT_LR,
                  "schedule": "AdamW (weight decay 0.05), 5% linear warmup, cosine decay; batches drawn uniformly over "
                              "the training images",
                  "seconds": round(seconds, 1), "base_steps": STEPS},
        "python_top1": {s: round(a, 4) for s, a in acc.items()},
    })
    return {name: {"seconds": round(seconds, 1), "bytes": folder_bytes(folder), "top1": acc}}


def main():
    global STEPS, FT_STEPS, BATCH, LR
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, help="an emoji-shift build (node bin/holoclip.js bench build emoji-shift --out DIR)")
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "models", "zoo"))
    ap.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(ALL_MEMBERS)}")
    ap.add_argument("--jobs", type=int, default=2, help="members trained in parallel, one thread each (default 2)")
    ap.add_argument("--steps", type=int, default=STEPS, help=f"CLIP training steps (default {STEPS}; for quick tests)")
    ap.add_argument("--batch", type=int, default=BATCH, help=f"batch size (default {BATCH})")
    ap.add_argument("--lr", type=float, default=LR, help=f"learning rate (default {LR})")
    args = ap.parse_args()
    FT_STEPS = max(1, round(args.steps * FT_STEPS / STEPS))
    STEPS, BATCH, LR = args.steps, args.batch, args.lr
    torch.set_num_threads(1)
    only = [m for m in args.only.split(",") if m] or ALL_MEMBERS
    bad = [m for m in only if m not in ALL_MEMBERS]
    if bad:
        ap.error(f"unknown member(s) {bad}; members: {ALL_MEMBERS}")
    t_start = time.time()

    bench = os.path.abspath(args.bench)
    manifest = json.load(open(os.path.join(bench, "manifest.json")))
    classes = json.load(open(os.path.join(bench, "classes.json"), encoding="utf-8"))
    names = [line.strip() for line in open(os.path.join(bench, "classnames.txt"), encoding="utf-8") if line.strip()]
    assert len(names) == len(classes), "classnames.txt and classes.json disagree"
    assert manifest["styles"]["train"] == TRAIN_STYLES and manifest["styles"]["test"] == TEST_STYLES, manifest["styles"]
    tok_files, tok = build_tokenizer(classes)
    captions = Captions(tok, classes)
    log(f"emoji-shift {manifest.get('version')}: {len(names)} classes; tokenizer: {len(tok_files[0]['model']['vocab'])} "
        f"tokens; {sum(len(t) for t in captions.texts)} captions ({captions.truncated} truncated to {CONTEXT} tokens)")
    data = {s: load_style(bench, s) for s in TRAIN_STYLES + TEST_STYLES}
    log(f"loaded {sum(len(d[1]) for d in data.values())} images in {time.time() - t_start:.0f}s")
    CTX.update(bench=bench, out=os.path.abspath(args.out), only=only, names=names, tok=tok, tok_files=tok_files,
               captions=captions, cfg=clip_config(len(tok_files[0]["model"]["vocab"])), data=data)

    # longest first: base (+ finetuned-classifier), then the other ViT members, then the (fast) convnet
    order = ["base", "loss-sigmoid", "data-noto-only", "size-25pct", "arch-convnet"]
    tasks = [m for m in order if m in only or (m == "base" and "finetuned-classifier" in only)]
    results = {}
    if args.jobs > 1 and len(tasks) > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(min(args.jobs, len(tasks))) as pool:
            for r in pool.imap_unordered(run_member, tasks, chunksize=1):
                results.update(r)
    else:
        for t in tasks:
            results.update(run_member(t))

    report = {"bench": bench, "steps": STEPS, "batch_size": BATCH, "lr": LR, "jobs": args.jobs,
              "total_seconds": round(time.time() - t_start, 1),
              "members": {m: results[m] for m in ALL_MEMBERS if m in results}}
    if only == ALL_MEMBERS:
        bf.write_json(os.path.join(args.out, "training-report.json"), report)
    log(f"done in {report['total_seconds']:.0f}s")
    for name, r in report["members"].items():
        acc = r.get("zero_shot") or r["top1"]
        accs = " ".join(f"{s} {(a['top1'] if isinstance(a, dict) else a):.3f}" for s, a in acc.items())
        log(f"  {name:22s} {r['bytes'] / 1e6:5.2f} MB  {r['seconds']:6.1f}s  {accs}")


if __name__ == "__main__":
    main()
