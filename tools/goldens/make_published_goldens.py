#!/usr/bin/python3
"""Golden values for the published landscape (src/published/), computed independently of holoclip with numpy/scipy.

Inputs, the shared copies of registered reference files (../shared/refdata):
- imagenet_testbed/robustness_top1s.csv and plotting/model_types.py of modestyachts/imagenet-testbed@0170eec658d664289d9f61de8f90f967f49abca0
  (model_types.py is imported as the Python module it is: nat_model_types_map);
- open_clip/openclip_results.csv and open_clip/openclip_retrieval_results.csv of mlfoundations/open_clip@89fb801f1e6087880e951fc8354b8a2077b79c6d;
- tools/export/holoclip_export/catalog.json (the model catalogue: architecture_family per checkpoint).

The line is imagenet-testbed's (plotting/eff_robust_inspect_plot.py, use_for_line_fit + show_in_plot): rows whose
nat_model_types_map type is STANDARD and whose lower-cased name contains none of 'aws', 'batch64', 'subsample';
x = logit(val / 100), y = logit(shift / 100), rows with a non-finite logit (0% / 100%) left out;
scipy.stats.linregress. ER = shift - expit(slope * logit(id) + intercept). The CLIP models' ImageNet is
open_clip's "ImageNet 1k" column.

Run with Debian's Python (numpy 1.24, scipy 1.10):

    /usr/bin/python3 tools/goldens/make_published_goldens.py [--shared ../shared/refdata]

Writes test/golden/published/landscape.json.
"""
import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
import scipy.special
import scipy.stats

ROOT = Path(__file__).resolve().parents[2]
SHIFTS = {
    "imagenetv2": ("imagenetv2-matched-frequency-format-val", "ImageNet v2"),
    "imagenet-sketch": ("imagenet-sketch", "ImageNet Sketch"),
    "imagenet-r": ("imagenet-r", "ImageNet-R"),
    "imagenet-a": ("imagenet-a", "ImageNet-A"),
}
CLIP_MODELS = ["ViT-B-32/laion2b_s34b_b79k", "ViT-B-32/openai", "ViT-L-14/openai", "RN50/openai", "ViT-SO400M-14-SigLIP/webli", "ViT-B-32/commonpool_s_s13m_b4k"]
TESTBED_MODELS = ["resnet50", "vit_b_32_clip_zeroshot", "efficientnet-l2-noisystudent"]


def num(s):
    s = s.strip()
    return float(s) if s not in ("", "nan", "NaN") else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=ROOT.parent / "shared" / "refdata", type=Path)
    ap.add_argument("--out", default=ROOT / "test" / "golden" / "published" / "landscape.json", type=Path)
    args = ap.parse_args()

    sys.path.insert(0, str(args.shared / "imagenet_testbed"))
    import model_types  # noqa: E402  (imagenet-testbed's plotting/model_types.py)

    with open(args.shared / "imagenet_testbed" / "robustness_top1s.csv") as f:
        testbed = {r["model"]: r for r in csv.DictReader(f)}
    with open(args.shared / "open_clip" / "openclip_results.csv") as f:
        clip = {f'{r["name"]}/{r["pretrained"]}': r for r in csv.DictReader(f)}
    with open(args.shared / "open_clip" / "openclip_retrieval_results.csv") as f:
        retrieval = {f'{r["name"]}/{r["pretrained"]}': r for r in csv.DictReader(f)}
    catalog = {e["name"]: e for e in json.load(open(ROOT / "tools" / "export" / "holoclip_export" / "catalog.json"))["entries"]}

    def in_fit(name):
        t = model_types.nat_model_types_map.get(name)
        low = name.lower()
        return t is model_types.NatModelTypes.STANDARD and not any(s in low for s in ("aws", "batch64", "subsample"))

    lines = {}
    er_clip = {m: {} for m in clip}
    er_testbed = {m: {} for m in testbed}
    for key, (col, clip_col) in SHIFTS.items():
        rows = [(num(r["val"]), num(r[col])) for n, r in testbed.items() if in_fit(n) and num(r["val"]) is not None and num(r[col]) is not None]
        x = scipy.special.logit(np.array([a for a, _ in rows]) / 100)
        y = scipy.special.logit(np.array([b for _, b in rows]) / 100)
        keep = np.isfinite(x) & np.isfinite(y)
        lr = scipy.stats.linregress(x[keep], y[keep])
        lines[key] = {"n": int(keep.sum()), "excluded": int((~keep).sum()), "slope": lr.slope, "intercept": lr.intercept, "r2": lr.rvalue ** 2}

        def er(idacc, shacc):
            return shacc - scipy.special.expit(lr.slope * scipy.special.logit(idacc) + lr.intercept)

        for m, r in clip.items():
            a, b = num(r["ImageNet 1k"]), num(r[clip_col])
            if a is not None and b is not None:
                er_clip[m][key] = float(er(a, b))
        for m, r in testbed.items():
            a, b = num(r["val"]), num(r[col])
            if a is not None and b is not None:
                er_testbed[m][key] = float(er(a / 100, b / 100))

    mean_er = {m: float(np.mean([v[k] for k in SHIFTS])) for m, v in er_clip.items() if all(k in v for k in SHIFTS)}
    clip_mean_per_shift = {k: float(np.mean([v[k] for v in er_clip.values() if k in v])) for k in SHIFTS}
    std = [m for m in testbed if in_fit(m)]
    standard_mean_per_shift = {k: float(np.mean([er_testbed[m][k] for m in std if k in er_testbed[m]])) for k in SHIFTS}
    families = {}
    for m, v in mean_er.items():
        fact = catalog[m]["facts"]["architecture_family"]
        fam = fact["value"] if fact != "unknown" else None
        if fam is not None:
            families.setdefault(fam, []).append(v)
    flickr = [(float(retrieval[m]["Flickr image retr. R@1"]), mean_er[m]) for m in mean_er if m in retrieval and retrieval[m]["Flickr image retr. R@1"] != ""]
    fx, fy = np.array([a for a, _ in flickr]), np.array([b for _, b in flickr])

    out = {
        "source": "tools/goldens/make_published_goldens.py (numpy %s, scipy %s), independent of holoclip" % (np.__version__, scipy.__version__),
        "lines": lines,
        "clip_models": {m: er_clip[m] for m in CLIP_MODELS},
        "testbed_models": {m: er_testbed[m] for m in TESTBED_MODELS},
        "clip_mean_er_per_shift": clip_mean_per_shift,
        "standard_mean_er_per_shift": standard_mean_per_shift,
        "n_clip_with_all_shifts": len(mean_er),
        "architecture_family_mean_er": {k: {"n": len(v), "mean": float(np.mean(v))} for k, v in sorted(families.items())},
        "flickr_image_r1_vs_mean_er": {"n": len(flickr), "pearson": float(scipy.stats.pearsonr(fx, fy)[0]), "spearman": float(scipy.stats.spearmanr(fx, fy)[0])},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write("\n")
    for k, l in lines.items():
        print(f"{k}: n={l['n']} excluded={l['excluded']} slope={l['slope']:.6f} intercept={l['intercept']:.6f}")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
