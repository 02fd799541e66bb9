#!/usr/bin/python3
"""Golden values for `holoclip score effective-robustness` against imagenet-testbed's own line-fit code.

Runs imagenet-testbed's plotting code itself (modestyachts/imagenet-testbed, commit
0170eec658d664289d9f61de8f90f967f49abca0), imported from a checkout OUTSIDE this repository:
- plotting/model_types.py: nat_model_types_map;
- plotting/eff_robust_inspect_plot.py: get_model_type, show_in_plot, use_for_line_fit, format_eff_robust;
- plotting/plotter.py: transform_acc (used by format_eff_robust).
Their plotting-only imports (matplotlib, plotly, statsmodels, click, and the database modules download_data /
dataframe) are replaced by empty stand-ins; none of them is used by the functions called here.

The table is the shared robustness_top1s.csv (percent, one row per model), prepared as the testbed's
prepare_df_for_plotting does: the two columns, dropna, then model_type / show_in_plot / use_for_line_fit
per row with the testbed's functions. format_eff_robust then fits scipy.stats.linregress on the line-fit rows and
gives every row's eff_robust (in percent points; divided by 100 here). Models given by their published
accuracies (CLIP) are appended as rows outside the line fit, so format_eff_robust computes their ER too.

Run with Debian's Python (numpy, scipy, pandas):

    /usr/bin/python3 tools/goldens/make_er_testbed_goldens.py --testbed /path/to/imagenet-testbed [--shared ../shared/refdata]

Writes test/golden/effective-robustness/testbed_fit.json.
"""
import argparse
import json
import math
import sys
import types
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import scipy.stats

TESTBED_COMMIT = "0170eec658d664289d9f61de8f90f967f49abca0"

# (x axis, y axis, table models to report, extra models given by published accuracies in percent)
# CLIP ViT-L/14@336px zero-shot: ImageNet 76.2, ImageNet-R 88.9, ImageNet-Sketch 60.2, ImageNetV2 70.1
# (Radford et al. 2021, Table 16 / Figure 13 of the CLIP paper).
CLIP_L14_336 = {"val": 76.2, "imagenet-r": 88.9, "imagenet-sketch": 60.2, "imagenetv2-matched-frequency-format-val": 70.1}
CASES = [
    ("val", "imagenetv2-matched-frequency-format-val", ["resnet50", "resnet152", "vit_b_32_clip_zeroshot", "efficientnet-l2-noisystudent"]),
    ("val", "imagenet-r", ["resnet50", "vit_b_32_clip_zeroshot"]),
    ("val", "imagenet-sketch", ["resnet50", "vit_b_32_clip_zeroshot"]),
    ("val-on-imagenet-r-classes", "imagenet-r", ["resnet50", "vit_b_32_clip_zeroshot"]),
    ("val-on-objectnet-classes", "objectnet-1.0-beta", ["resnet50", "vit_b_32_clip_zeroshot"]),
    ("val-on-imagenet-a-classes", "imagenet-a", ["resnet152", "vit_b_32_clip_zeroshot"]),
]


def load_testbed(testbed):
    plotting = testbed / "plotting"
    for name in ["matplotlib", "matplotlib.pyplot", "matplotlib.ticker", "plotly", "plotly.express", "plotly.graph_objects",
                 "statsmodels", "statsmodels.api", "statsmodels.stats", "statsmodels.stats.proportion", "click",
                 "download_data", "dataframe"]:
        sys.modules[name] = mock.MagicMock(name=name)
    sys.path.insert(0, str(plotting))
    import eff_robust_inspect_plot  # noqa: E402  (the testbed's module)
    import model_types  # noqa: E402
    import plotter  # noqa: E402
    return eff_robust_inspect_plot, model_types, plotter


def prepare(erp, df, x, y, extra):
    """prepare_df_for_plotting without the dataset-size metadata (only used for error bars)."""
    d = df[[x, y]].dropna().copy()
    d["model_type"] = d.apply(erp.get_model_type, axis=1)
    d["show_in_plot"] = d.apply(erp.show_in_plot, axis=1)
    d["use_for_line_fit"] = d.apply(erp.use_for_line_fit, axis=1)
    for name, accs in extra.items():
        d.loc[name] = {x: accs[x], y: accs[y], "model_type": None, "show_in_plot": True, "use_for_line_fit": False}
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--testbed", required=True, type=Path, help=f"a checkout of modestyachts/imagenet-testbed at {TESTBED_COMMIT}")
    ap.add_argument("--shared", default=Path(__file__).resolve().parents[2] / ".." / "shared" / "refdata", type=Path)
    ap.add_argument("--out", default=Path(__file__).resolve().parents[2] / "test" / "golden" / "effective-robustness" / "testbed_fit.json", type=Path)
    args = ap.parse_args()
    erp, model_types, plotter = load_testbed(args.testbed.resolve())
    df = pd.read_csv(args.shared / "imagenet_testbed" / "robustness_top1s.csv", index_col=0)

    cases = []
    for x, y, report in CASES:
        extra = {"clip_vit_l14_336_published": CLIP_L14_336} if x in CLIP_L14_336 and y in CLIP_L14_336 else {}
        d = prepare(erp, df, x, y, extra)
        line = d[d.use_for_line_fit == True]  # noqa: E712
        xs, ys = line[x].values, line[y].values
        # imagenet-testbed's rule when a line-fit model is at 0% / 100%: transform_acc gives -inf / +inf and
        # linregress returns NaN; its figures leave such a model out (paper_imagenet_a.py drops resnet50).
        with np.errstate(divide="ignore", invalid="ignore"):
            finite = np.isfinite(plotter.transform_acc(xs, "logit")) & np.isfinite(plotter.transform_acc(ys, "logit"))
            raw = scipy.stats.linregress(plotter.transform_acc(xs, "logit"), plotter.transform_acc(ys, "logit"))
        excluded = list(line.index[~finite])
        if excluded:
            d.loc[excluded, "use_for_line_fit"] = False
        with np.errstate(divide="ignore", invalid="ignore"):
            out = erp.format_eff_robust(d.copy(), x, y, "logit")
            lf = scipy.stats.linregress(plotter.transform_acc(d[d.use_for_line_fit == True][x], "logit"),  # noqa: E712
                                        plotter.transform_acc(d[d.use_for_line_fit == True][y], "logit"))
        models = []
        for name in report + list(extra):
            models.append({"model": name, "id": float(out.loc[name, x]) / 100, "shift": float(out.loc[name, y]) / 100,
                           "effective_robustness": float(out.loc[name, "eff_robust"]) / 100, "in_fit": bool(d.loc[name, "use_for_line_fit"])})
        cases.append({
            "id_column": x, "shift_column": y,
            "n": int((d.use_for_line_fit == True).sum()),  # noqa: E712
            "fit_models": sorted(d.index[d.use_for_line_fit == True]),  # noqa: E712
            "excluded_at_0_or_100": excluded,
            "raw_fit_with_them_is_nan": bool(excluded) and math.isnan(raw.slope),
            "slope": float(lf.slope), "intercept": float(lf.intercept), "r2": float(lf.rvalue ** 2),
            "models": models,
        })
        print(f"{x} -> {y}: n={cases[-1]['n']} slope={lf.slope:.6f} intercept={lf.intercept:.6f} excluded={excluded}",
              *(f"{m['model']}={m['effective_robustness']:.6f}" for m in models))
    std = sorted(k for k, v in model_types.nat_model_types_map.items() if v is model_types.NatModelTypes.STANDARD)
    result = {
        "source": f"modestyachts/imagenet-testbed@{TESTBED_COMMIT} plotting/eff_robust_inspect_plot.py format_eff_robust",
        "file": "imagenet_testbed/robustness_top1s.csv",
        "model_types": {"n": len(model_types.nat_model_types_map), "standard": std,
                        "counts": {t.name: sum(1 for v in model_types.nat_model_types_map.values() if v is t) for t in model_types.NatModelTypes}},
        "cases": cases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1, allow_nan=False)
        f.write("\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
