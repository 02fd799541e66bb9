"""The model catalogue (`catalog.json`, built by `tools/export/build_catalog.py`) and the card facts it gives.

`card_facts(source, model, pretrained)` returns the fields of a `holoclip.json` card that the catalogue knows for
that checkpoint, in the card format holoclip reads (`src/models/model-card.ts`):

    architecture       family: "ViT", "ResNet", "ConvNeXt", "EVA", ...
    architecture_detail  the open_clip model name and its vision tower
    params             parameters of the whole model (image + text towers)
    image_size         input size in pixels
    training_data      "LAION-2B", "WIT-400M", "DataComp-1B", ...
    training_size      image-text pairs in the training set
    samples_seen       samples seen in training
    loss               "softmax" (CLIP), "sigmoid" (SigLIP), "softmax+captioning" (CoCa)
    fine_tuned         false, true, or what it was fine-tuned on ("MSCOCO")
    provenance         {field: where its value comes from, or "unknown"}
    open_clip          {"model": ..., "pretrained": ...}: the identity the facts belong to

A fact the catalogue does not know is left out of the card (and named "unknown" in `provenance`), so holoclip
reports it as unknown; nothing is guessed. A checkpoint not in the catalogue (any `hf` or `timm` source, a local
checkpoint file, `pretrained=None` for random weights) gets only the architecture facts of its open_clip model,
if any.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

UNKNOWN = 'unknown'

# card field -> catalogue fact
CARD_FIELDS: dict[str, str] = {
    'architecture': 'architecture_family',
    'architecture_detail': 'vision_tower',
    'params': 'params',
    'image_size': 'image_size',
    'training_data': 'training_data',
    'training_size': 'training_size',
    'samples_seen': 'samples_seen',
    'loss': 'loss',
    'fine_tuned': 'fine_tuned',
}
TRAINING_FIELDS = ('training_data', 'training_size', 'samples_seen', 'loss', 'fine_tuned')


@lru_cache(maxsize=1)
def load_catalog() -> dict[str, Any]:
    """The catalogue shipped with the package (catalog.json next to this file)."""
    text = resources.files(__package__).joinpath('catalog.json').read_text(encoding='utf-8')
    catalog = json.loads(text)
    if catalog.get('format') != 'holoclip-catalog/1' or not isinstance(catalog.get('entries'), list):
        raise ValueError('holoclip_export/catalog.json is not a holoclip-catalog/1 file: rebuild it with '
                         'tools/export/build_catalog.py')
    return catalog


def find_entry(source: str, model: str, pretrained: str | None) -> dict[str, Any] | None:
    """The catalogue entry of (source, model, pretrained), or None."""
    for entry in load_catalog()['entries']:
        if entry['source'] == source and entry['model'] == model and entry['pretrained'] == pretrained:
            return entry
    return None


def _architecture_entry(source: str, model: str) -> dict[str, Any] | None:
    """Any entry of the same model: its architecture facts hold whatever the weights."""
    for entry in load_catalog()['entries']:
        if entry['source'] == source and entry['model'] == model:
            return entry
    return None


def card_facts(source: str, model: str, pretrained: str | None) -> dict[str, Any]:
    """The card fields the catalogue knows for a checkpoint, with `provenance` for every factor field."""
    entry = find_entry(source, model, pretrained)
    training_known = entry is not None
    if entry is None:
        entry = _architecture_entry(source, model)
    card: dict[str, Any] = {}
    provenance: dict[str, str] = {}
    for field, key in CARD_FIELDS.items():
        value: Any = UNKNOWN
        if entry is not None and (training_known or field not in TRAINING_FIELDS):
            value = entry['facts'].get(key, UNKNOWN)
        if value == UNKNOWN:
            provenance[field] = UNKNOWN
            continue
        card[field] = value['value']
        provenance[field] = f"catalog: {value['source']}"
    if 'architecture_detail' in card:
        card['architecture_detail'] = f"{model}: {card['architecture_detail']}"
    card['provenance'] = provenance
    if source == 'open_clip':
        card['open_clip'] = {'model': model, 'pretrained': pretrained}
    return card
