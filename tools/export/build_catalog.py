"""Build `holoclip_export/catalog.json`: the facts holoclip knows about open_clip models, each with its source.

Run in a venv with open_clip_torch (3.3.0 built the committed file):

    /work/venv-pre/bin/python tools/export/build_catalog.py \
        --openclip-results ../shared/refdata/open_clip/openclip_results.csv \
        --model-profile ../shared/refdata/open_clip/model_profile.csv \
        --clip-benchmark ../shared/refdata/clip_benchmark/benchmark.csv \
        [--out tools/export/holoclip_export/catalog.json]

Entries: every (model, pretrained tag) pair `open_clip.list_pretrained()` lists, every pair in the published
tables (open_clip's `openclip_results.csv`, CLIP_benchmark's `benchmark.csv`), and every model of open_clip's
`model_profile.csv` that has no pretrained tag (as a model-only entry, `pretrained: null`).

Every fact is `{"value": ..., "source": "..."}` naming where it comes from (the three table names stand for the
files at the repository and commit the catalogue's `tables` field gives), or the string "unknown" when the
sources are silent. Facts are read from:
  - open_clip's pretrained registry (`get_pretrained_cfg`: hf_hub id, quick_gelu, preprocessing),
  - open_clip's model config JSON (`get_model_config`: vision tower, image size, embed dim),
  - model_profile.csv (params, GFLOPs; openclip_results.csv's `params (M)` / `FLOPs (B)` when the profile lacks
    the model),
  - the pretrained tag's name, by the explicit rules in TAG_DATASETS and parse_tag (dataset, samples seen, batch
    size, epochs, fine-tuning markers),
  - the model name (SigLIP -> sigmoid loss, CoCa -> contrastive + captioning, -quickgelu).
Nothing is inferred beyond those rules: a tag or model the rules do not cover gets "unknown".

The mirror's torchvision is a CUDA build that cannot load on CPU torch; when the normal import of open_clip fails
for that reason, the two operator schemas torchvision's meta registrations expect are defined first (nothing of
torchvision is replaced). Users with a working torchvision never reach that branch.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path
from typing import Any

OPEN_CLIP_TABLES = 'mlfoundations/open_clip@89fb801f1e6087880e951fc8354b8a2077b79c6d'
CLIP_BENCHMARK_TABLE = 'LAION-AI/CLIP_benchmark@48de38c1689fa6d8b4dd53e3370c669c3bb18117'

Fact = dict[str, Any] | str
UNKNOWN = 'unknown'


def fact(value: Any, source: str) -> Fact:
    return {'value': value, 'source': source}


def import_open_clip() -> Any:
    try:
        import open_clip  # noqa: PLC0415
    except RuntimeError as err:
        if 'torchvision::nms' not in str(err):
            raise
        import sys  # noqa: PLC0415

        import torch  # noqa: PLC0415

        for name in [m for m in sys.modules if m.startswith(('torchvision', 'open_clip', 'timm'))]:
            del sys.modules[name]
        lib = torch.library.Library('torchvision', 'DEF')
        lib.define('nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor')
        lib.define('qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor')
        globals()['_torchvision_schemas'] = lib  # keep the library object alive
        import open_clip  # noqa: PLC0415
    return open_clip


# --- the pretrained tag ------------------------------------------------------------------------------------------
# (regex on the tag, training data name, nominal training-set size or None, source of the size).
# Sizes come from the tag itself ("laion400m", "dfn5b", "yfcc15m") or from the paper that defines the named set;
# where neither states one, the size stays unknown.
TAG_DATASETS: list[tuple[str, str, float | None, str]] = [
    (r'^openai$', 'WIT-400M', 400e6, 'CLIP paper (Radford et al. 2021): WIT, 400M image-text pairs'),
    (r'^yfcc15m', 'YFCC-15M', 15e6, 'tag name'),
    (r'^cc12m', 'CC12M', 12e6, 'tag name'),
    (r'^laion400m', 'LAION-400M', 400e6, 'tag name'),
    (r'^laion2b', 'LAION-2B', 2e9, 'tag name (nominal)'),
    (r'^(frozen_)?laion5b', 'LAION-5B', 5e9, 'tag name (nominal)'),
    (r'^mscoco_finetuned_laion2b', 'LAION-2B', 2e9, 'tag name (nominal)'),
    (r'^laion_aesthetic', 'LAION-Aesthetics', None, ''),
    (r'^datacomp1b$', 'DataComp-1B', 1.4e9, 'DataComp paper (Gadre et al. 2023): DataComp-1B, 1.4B pairs'),
    (r'^datacomp_xl_', 'DataComp-1B', 1.4e9, 'DataComp paper (Gadre et al. 2023): the xlarge filtered set DataComp-1B, 1.4B pairs'),
    (r'^datacomp_l_', 'DataComp-L (filtered CommonPool-L)', None, ''),
    (r'^datacomp_m_', 'DataComp-M (filtered CommonPool-M)', None, ''),
    (r'^datacomp_s_', 'DataComp-S (filtered CommonPool-S)', None, ''),
    (r'^datacomp_s\d', 'DataComp', None, ''),
    (r'^datacompdr', 'DataCompDR', None, ''),
    (r'^commonpool_xl_s', 'CommonPool-XL', 12.8e9, 'DataComp paper (Gadre et al. 2023): xlarge pool, 12.8B pairs'),
    (r'^commonpool_l_s', 'CommonPool-L', 1.28e9, 'DataComp paper (Gadre et al. 2023): large pool, 1.28B pairs'),
    (r'^commonpool_m_s', 'CommonPool-M', 128e6, 'DataComp paper (Gadre et al. 2023): medium pool, 128M pairs'),
    (r'^commonpool_s_s', 'CommonPool-S', 12.8e6, 'DataComp paper (Gadre et al. 2023): small pool, 12.8M pairs'),
    (r'^commonpool_(xl|l|m|s)_(basic|clip|laion|image|text)_', 'CommonPool-{size} ({filter}-filtered)', None, ''),
    (r'^dfn2b', 'DFN-2B', 2e9, 'tag name'),
    (r'^dfn5b', 'DFN-5B', 5e9, 'tag name'),
    (r'^dfndr2b', 'DFNDR-2B', 2e9, 'tag name (nominal)'),
    (r'^metaclip_400m', 'MetaCLIP-400M', 400e6, 'tag name'),
    (r'^metaclip_fullcc', 'MetaCLIP-FullCC', 2.5e9, 'MetaCLIP paper (Xu et al. 2023): full CommonCrawl curation, 2.5B pairs'),
    (r'^metaclip_altogether', 'MetaCLIP-Altogether', None, ''),
    (r'^metaclip2_worldwide', 'MetaCLIP-2-Worldwide', None, ''),
    (r'^merged2b', 'Merged-2B', 2e9, 'tag name (nominal)'),
    (r'^webli$', 'WebLI', None, ''),
]


def _num(text: str, unit: str) -> float:
    return float(text) * {'m': 1e6, 'b': 1e9, 'k': 1e3}[unit]


def parse_tag(tag: str) -> dict[str, Fact]:
    """Facts a pretrained tag's name states, by the TAG_DATASETS table and the `_s<N>b`, `_b<N>k`, `_e<N>`,
    `_ft`, `mscoco_finetuned_` conventions of open_clip's tags."""
    src = f'pretrained tag name "{tag}"'
    out: dict[str, Fact] = {'training_data': UNKNOWN, 'training_size': UNKNOWN, 'samples_seen': UNKNOWN,
                            'batch_size': UNKNOWN, 'epochs': UNKNOWN, 'fine_tuned': UNKNOWN}
    for pattern, name, size, size_src in TAG_DATASETS:
        m = re.match(pattern, tag)
        if not m:
            continue
        if '{size}' in name:
            name = name.format(size=m.group(1).upper(), filter=m.group(2))
        out['training_data'] = fact(name, src)
        if size is not None:
            out['training_size'] = fact(int(size), f'{size_src}; dataset named by {src}')
        break
    if (m := re.search(r'(?:^|_)s(\d+(?:\.\d+)?)([mb])(?:_|$)', tag)) and out['training_data'] != UNKNOWN:
        out['samples_seen'] = fact(int(_num(m.group(1), m.group(2))), f'{src}: "s{m.group(1)}{m.group(2)}"')
    if m := re.search(r'_b(\d+)k(?:_|$)', tag):
        out['batch_size'] = fact(int(_num(m.group(1), 'k')), f'{src}: "b{m.group(1)}k"')
    if m := re.search(r'_e(\d+)$', tag):
        out['epochs'] = fact(int(m.group(1)), f'{src}: "e{m.group(1)}"')
    if tag.startswith('mscoco_finetuned_'):
        out['fine_tuned'] = fact('MSCOCO', f'{src}: "mscoco_finetuned_"')
    elif re.search(r'_ft(_|$)', tag):
        out['fine_tuned'] = fact(True, f'{src}: "_ft" (on what: the tag does not say)')
    elif out['training_data'] != UNKNOWN:
        out['fine_tuned'] = fact(False, f'{src}: no fine-tuning marker ("_ft", "finetuned")')
    return out


# --- the model name and config -----------------------------------------------------------------------------------
UNKNOWN_LOSS_FAMILIES = ('MobileCLIP', 'PE-Core')  # trained with distillation / extra objectives the name does not state


def loss_from_name(model: str) -> Fact:
    src = f'model name "{model}"'
    if 'siglip' in model.lower():
        return fact('sigmoid', f'{src}: SigLIP (sigmoid loss)')
    if model.lower().startswith('coca_'):
        return fact('softmax+captioning', f'{src}: CoCa (contrastive + captioning losses)')
    if model.startswith(UNKNOWN_LOSS_FAMILIES):
        return UNKNOWN
    return fact('softmax', f'{src}: open_clip CLIP model without a SigLIP/CoCa marker (contrastive softmax, ClipLoss)')


TIMM_FAMILIES = [('convnext', 'ConvNeXt'), ('eva', 'EVA'), ('vitamin', 'ViTamin'), ('fastvit', 'FastViT'),
                 ('swin', 'Swin'), ('vit_', 'ViT')]


def vision_facts(model: str, cfg: dict[str, Any] | None) -> dict[str, Fact]:
    if cfg is None:
        return {k: UNKNOWN for k in ('architecture_family', 'vision_tower', 'image_size', 'embed_dim')}
    src = f'open_clip model config {model}.json'
    vision = cfg.get('vision_cfg', {})
    out: dict[str, Fact] = {}
    timm_name = vision.get('timm_model_name')
    if timm_name:
        family = next((f for prefix, f in TIMM_FAMILIES if timm_name.startswith(prefix)), None)
        out['architecture_family'] = fact(family, f'{src}: vision_cfg.timm_model_name "{timm_name}"') if family else UNKNOWN
        out['vision_tower'] = fact(f'timm:{timm_name}', f'{src}: vision_cfg.timm_model_name')
    elif isinstance(vision.get('layers'), list):
        out['architecture_family'] = fact('ResNet', f'{src}: vision_cfg.layers is a list of stage depths (ModifiedResNet)')
        out['vision_tower'] = fact(f'open_clip ModifiedResNet layers={vision["layers"]} width={vision.get("width")}',
                                   f'{src}: vision_cfg')
    elif isinstance(vision.get('layers'), int) and vision.get('patch_size'):
        out['architecture_family'] = fact('ViT', f'{src}: vision_cfg.layers + patch_size (VisionTransformer)')
        out['vision_tower'] = fact(
            f'open_clip VisionTransformer layers={vision["layers"]} width={vision.get("width")} patch={vision["patch_size"]}',
            f'{src}: vision_cfg')
    else:
        out['architecture_family'] = UNKNOWN
        out['vision_tower'] = UNKNOWN
    size = vision.get('image_size')
    out['image_size'] = fact(size if isinstance(size, int) else list(size), f'{src}: vision_cfg.image_size') if size else UNKNOWN
    out['embed_dim'] = fact(cfg['embed_dim'], f'{src}: embed_dim') if 'embed_dim' in cfg else UNKNOWN
    return out


def size_facts(model: str, pretrained: str | None, profile: dict[str, dict[str, str]],
               results: dict[tuple[str, str], dict[str, str]]) -> dict[str, Fact]:
    if model in profile:
        row = profile[model]
        src = f'model_profile.csv row {model}'
        return {'params': fact(round(float(row['mparams']) * 1e6), f'{src}: mparams'),
                'image_params': fact(round(float(row['image_mparams']) * 1e6), f'{src}: image_mparams'),
                'gflops': fact(float(row['gflops']), f'{src}: gflops')}
    if pretrained is not None and (model, pretrained) in results:
        row = results[(model, pretrained)]
        src = f'openclip_results.csv row {model} {pretrained}'
        return {'params': fact(round(float(row['params (M)']) * 1e6), f'{src}: params (M)'),
                'image_params': UNKNOWN,
                'gflops': fact(float(row['FLOPs (B)']), f'{src}: FLOPs (B)')}
    return {'params': UNKNOWN, 'image_params': UNKNOWN, 'gflops': UNKNOWN}


def pretrained_facts(open_clip: Any, model: str, tag: str | None, model_cfg: dict[str, Any] | None) -> dict[str, Fact]:
    cfg = open_clip.get_pretrained_cfg(model, tag) if tag else {}
    src = f'open_clip pretrained registry ({model}, {tag})'
    out: dict[str, Fact] = {}
    hub = cfg.get('hf_hub')
    out['hf_hub_id'] = fact(hub.rstrip('/'), f'{src}: hf_hub') if hub else UNKNOWN
    out['url'] = fact(cfg['url'], f'{src}: url') if cfg.get('url') else UNKNOWN
    if cfg:
        if cfg.get('quick_gelu'):
            out['quick_gelu'] = fact(True, f'{src}: quick_gelu')
        elif model_cfg and model_cfg.get('quick_gelu'):
            out['quick_gelu'] = fact(True, f'open_clip model config {model}.json: quick_gelu')
        else:
            out['quick_gelu'] = fact(False, f'{src} and open_clip model config {model}.json: no quick_gelu flag')
        out['preprocess'] = fact({k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.items()
                                  if k in ('mean', 'std', 'interpolation', 'resize_mode')}, src)
    else:
        out['quick_gelu'] = (fact(True, f'open_clip model config {model}.json: quick_gelu')
                             if model_cfg and model_cfg.get('quick_gelu') else UNKNOWN)
        out['preprocess'] = UNKNOWN
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline='') as f:
        return list(csv.DictReader(f))


def build(open_clip: Any, results_csv: Path, profile_csv: Path, benchmark_csv: Path) -> dict[str, Any]:
    results = {(r['name'], r['pretrained']): r for r in read_csv(results_csv)}
    profile = {r['model']: r for r in read_csv(profile_csv)}
    bench_pairs = {(r['model'], r['pretrained']) for r in read_csv(benchmark_csv)}
    listed = set(open_clip.list_pretrained())
    known_models = set(open_clip.list_models())

    pairs: dict[tuple[str, str | None], list[str]] = {}
    for pair in sorted(listed):
        pairs.setdefault(pair, []).append('open_clip.list_pretrained()')
    for pair in sorted(results):
        pairs.setdefault(pair, []).append('openclip_results.csv')
    for pair in sorted(bench_pairs):
        pairs.setdefault(pair, []).append('benchmark.csv')
    tagged_models = {m for m, _ in pairs}
    for model in sorted(profile):
        if model not in tagged_models:
            pairs.setdefault((model, None), []).append('model_profile.csv')

    entries = []
    for (model, tag), listed_by in sorted(pairs.items(), key=lambda kv: (kv[0][0].lower(), kv[0][1] or '')):
        cfg = open_clip.get_model_config(model) if model in known_models else None
        facts: dict[str, Fact] = {}
        facts.update(vision_facts(model, cfg))
        facts.update(size_facts(model, tag, profile, results))
        facts['loss'] = loss_from_name(model)
        if tag is None:  # an architecture without weights: no training facts
            facts.update({k: UNKNOWN for k in ('loss', 'training_data', 'training_size', 'samples_seen', 'batch_size', 'epochs', 'fine_tuned')})
        else:
            facts.update(parse_tag(tag))
        facts.update(pretrained_facts(open_clip, model, tag if (model, tag) in listed else None, cfg))
        entries.append({
            'name': f'{model}/{tag}' if tag else model,
            'source': 'open_clip',
            'model': model,
            'pretrained': tag,
            'listed_by': listed_by,
            'facts': dict(sorted(facts.items())),
        })
    return {
        'format': 'holoclip-catalog/1',
        'generated_by': 'tools/export/build_catalog.py',
        'open_clip_version': open_clip.__version__,
        'tables': {
            'openclip_results.csv': f'{OPEN_CLIP_TABLES}:docs/openclip_results.csv',
            'model_profile.csv': f'{OPEN_CLIP_TABLES}:docs/model_profile.csv',
            'benchmark.csv': f'{CLIP_BENCHMARK_TABLE}:benchmark/benchmark.csv',
        },
        'entries': entries,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--openclip-results', type=Path, required=True, help='open_clip docs/openclip_results.csv')
    ap.add_argument('--model-profile', type=Path, required=True, help='open_clip docs/model_profile.csv')
    ap.add_argument('--clip-benchmark', type=Path, required=True, help='CLIP_benchmark benchmark/benchmark.csv')
    ap.add_argument('--out', type=Path, default=Path(__file__).parent / 'holoclip_export' / 'catalog.json')
    args = ap.parse_args()
    catalog = build(import_open_clip(), args.openclip_results, args.model_profile, args.clip_benchmark)
    args.out.write_text(json.dumps(catalog, indent=1, ensure_ascii=False) + '\n')
    print(f'wrote {args.out}: {len(catalog["entries"])} entries')


if __name__ == '__main__':
    main()
