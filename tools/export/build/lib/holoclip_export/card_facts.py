"""Card facts: what the catalogue knows about a (source, model, pretrained) plus what the exporter sees.

The catalogue (`holoclip_export.catalog.card_facts`, curated by hand with citations) is used when it is installed;
facts read from the model itself (parameters, image size, loss from the model class, architecture name) are
added with provenance `exporter`. Random weights (`pretrained` none) have training data `none` and size 0.
"""
from __future__ import annotations

from typing import Any


def catalogue_facts(source: str, model: str, pretrained: str | None) -> dict[str, Any]:
    try:
        from holoclip_export import catalog  # type: ignore[attr-defined]
    except ImportError:
        return {}
    facts = catalog.card_facts(source, model, pretrained)
    return dict(facts) if isinstance(facts, dict) else {}


# Facts about the network's shape: wrong in the catalogue once the architecture was changed with overrides.
SHAPE_KEYS = frozenset({"architecture", "architecture_detail", "params", "image_size"})

# The catalogue's spelling of an architecture family (holoclip's card field `architecture`).
_FAMILY_NAMES = {"vit": "ViT", "resnet": "ResNet", "convnext": "ConvNeXt", "eva": "EVA", "swin": "Swin"}


def family_name(family: str) -> str:
    """`vit` -> `ViT`, as catalog.json and the cards holoclip reads spell it; unknown families kept as given."""
    return _FAMILY_NAMES.get(family.lower(), family)


def merge_facts(exporter: dict[str, Any], source: str, model: str, pretrained: str | None,
                changed_architecture: bool = False) -> dict[str, Any]:
    """Exporter facts, overlaid with the catalogue's where it knows better; provenance per key.
    When the architecture was changed (--override), the catalogue's shape facts are not used."""
    provenance = {k: "exporter" for k in exporter if k not in ("name", "notes", "export")}
    merged = dict(exporter)
    facts = catalogue_facts(source, model, pretrained)
    for key, value in facts.items():
        if changed_architecture and key in SHAPE_KEYS:
            continue
        if key == "provenance" and isinstance(value, dict):
            provenance.update({k: v for k, v in value.items()
                               if k in facts and not (changed_architecture and k in SHAPE_KEYS)})
        elif value is not None and value != "unknown":
            merged[key] = value
            provenance.setdefault(key, "catalog")
            if provenance[key] == "exporter":
                provenance[key] = "catalog"
    merged["provenance"] = provenance
    return merged
