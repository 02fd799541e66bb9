#!/usr/bin/env python3
"""Golden OOD scores from MCM's own code (deeplearning-wisc/MCM, commit ea7130f851e7d462cacd21f0e87a127705700bd9).

Runs MCM's utils/detection_util.py itself, imported from a checkout OUTSIDE this repository:
get_ood_scores_clip (scores 'MCM', 'energy', 'max-logit' with args.T = 1, the default of eval_ood_detection.py)
and get_measures (AUROC, AUPR, FPR@95 as get_and_print_results calls it). Its model is replaced by a stand-in
whose get_image_features / get_text_features return seeded random features (the image features of each batch
are looked up by the index the stand-in loader yields); the tokenizer, torchvision and CUDA are not used by the
score arithmetic and are replaced by stand-ins (Tensor.cuda returns the CPU tensor).

The cosines the score code computes (image_features / norm @ (text_features / norm).T, float32) are recomputed
here with the same torch operations and stored, so the TypeScript test feeds the same matrix to holoclip's score
functions. MCM stores scores with ID = smaller (it negates them); the golden stores them negated back
(higher = more ID, holoclip's orientation).

Needs torch, numpy, scikit-learn, scipy, tqdm (a venv from the pip mirror):

    python tools/goldens/make_mcm_ood_goldens.py --mcm /path/to/MCM

Writes test/golden/metrics/ood_mcm.json.
"""
import argparse
import json
import sys
import types
from pathlib import Path
from unittest import mock

import numpy as np
import torch

MCM_COMMIT = "ea7130f851e7d462cacd21f0e87a127705700bd9"
N_ID, N_OOD, C, D, BATCH = 64, 48, 10, 16, 7


def load_mcm(root):
    for name in ["torchvision", "torchvision.datasets", "transformers"]:
        sys.modules[name] = mock.MagicMock(name=name)
    # utils/detection_util.py itself (utils/__init__.py would import the training helpers too).
    import importlib.util
    spec = importlib.util.spec_from_file_location("mcm_detection_util", root / "utils" / "detection_util.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class StandInNet:
    def __init__(self, image_features, text_features):
        self.image_features = image_features
        self.text_features = text_features

    def get_image_features(self, pixel_values):
        return self.image_features[pixel_values.long()]

    def get_text_features(self, input_ids, attention_mask):
        return self.text_features.clone()


def loader_of(n):
    idx = torch.arange(n)
    ds = torch.utils.data.TensorDataset(idx, torch.zeros(n, dtype=torch.long))
    return torch.utils.data.DataLoader(ds, batch_size=BATCH, shuffle=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mcm", required=True, type=Path, help=f"a checkout of deeplearning-wisc/MCM at {MCM_COMMIT}")
    ap.add_argument("--out", default=Path(__file__).resolve().parents[2] / "test" / "golden" / "metrics" / "ood_mcm.json", type=Path)
    args_cli = ap.parse_args()
    du = load_mcm(args_cli.mcm.resolve())
    torch.Tensor.cuda = lambda self, *a, **k: self  # CPU stand-in for .cuda()

    g = torch.Generator().manual_seed(12)
    text = torch.randn(C, D, generator=g)
    proto = text / text.norm(dim=-1, keepdim=True)
    labels = torch.randint(0, C, (N_ID,), generator=g)
    id_img = 3.0 * proto[labels] + torch.randn(N_ID, D, generator=g)  # near their class's text feature
    ood_img = torch.randn(N_OOD, D, generator=g) * 1.2
    sets = {"id": id_img, "ood": ood_img}

    out = {"source": f"deeplearning-wisc/MCM@{MCM_COMMIT} utils/detection_util.py get_ood_scores_clip / get_measures",
           "temperature": 1, "classes": C, "sets": {}, "measures": {}}
    for name, feats in sets.items():
        net = StandInNet(feats, text)
        cos = (feats / feats.norm(dim=-1, keepdim=True)) @ (text / text.norm(dim=-1, keepdim=True)).T
        entry = {"n": feats.shape[0], "cosines": cos.numpy().astype(np.float64).ravel().tolist(), "scores": {}}
        for score in ["MCM", "energy", "max-logit"]:
            a = types.SimpleNamespace(model="CLIP", score=score, T=1, ckpt="stand-in")
            s = du.get_ood_scores_clip(a, net, loader_of(feats.shape[0]), [f"class{k}" for k in range(C)], in_dist=(name == "id"))
            entry["scores"][score] = (-s.astype(np.float64)).tolist()  # higher = more ID
        out["sets"][name] = entry
    for score in ["MCM", "energy", "max-logit"]:
        # get_and_print_results(in_score, out_score) calls get_measures(-in_score, -out_score).
        auroc, aupr, fpr = du.get_measures(np.array(out["sets"]["id"]["scores"][score]), np.array(out["sets"]["ood"]["scores"][score]))
        out["measures"][score] = {"auroc": float(auroc), "aupr_in": float(aupr), "fpr_at_95_tpr": float(fpr)}
        print(score, out["measures"][score])
    args_cli.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args_cli.out, "w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write("\n")
    print("wrote", args_cli.out)


if __name__ == "__main__":
    main()
