"""Plain numpy (and scipy for the 1-D fit) versions of `holoclip score ece|nll|brier|temperature` and OOD metrics,
for bench/hot-paths.ts: same inputs (.npy), same definitions (README "holoclip score"), timed from process start.

  python3 bench/numpy_calibration.py ece|nll|brier|temperature LOGITS.npy LABELS.npy
  python3 bench/numpy_calibration.py ood ID_SCORES.npy OOD_SCORES.npy
Prints one JSON line with the metric values.
"""
import json
import sys

import numpy as np


def log_softmax(z):
    m = z.max(axis=1, keepdims=True)
    s = z - m
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def nll(logits, labels, t=1.0):
    lp = log_softmax(logits.astype(np.float64) / t)
    return float(-lp[np.arange(len(labels)), labels].mean())


def ece(logits, labels, bins=15):
    z = logits.astype(np.float64)
    z -= z.max(axis=1, keepdims=True)
    conf = 1.0 / np.exp(z).sum(axis=1)
    correct = logits.argmax(axis=1) == labels
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    conf_sum = np.bincount(which, weights=conf, minlength=bins)
    hit_sum = np.bincount(which, weights=correct, minlength=bins)
    nz = count > 0
    return float((np.abs(hit_sum[nz] / count[nz] - conf_sum[nz] / count[nz]) * count[nz]).sum() / len(labels))


def brier(logits, labels):
    z = logits.astype(np.float64)
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1.0
    return float((p * p).sum(axis=1).mean())


def temperature(logits, labels):
    from scipy.optimize import minimize_scalar

    r = minimize_scalar(lambda t: nll(logits, labels, t), bounds=(0.01, 100), method="bounded")
    return float(r.x)


def auroc_fpr95(id_scores, ood_scores):
    from scipy.stats import rankdata

    s = np.concatenate([id_scores, ood_scores])
    y = np.concatenate([np.ones(len(id_scores)), np.zeros(len(ood_scores))])
    ranks = rankdata(s)
    n1, n0 = len(id_scores), len(ood_scores)
    auroc = (ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
    thr = np.percentile(id_scores, 5)
    fpr = float((ood_scores >= thr).mean())
    return float(auroc), fpr


def main():
    metric = sys.argv[1]
    if metric == "ood":
        a, f = auroc_fpr95(np.load(sys.argv[2]).astype(np.float64), np.load(sys.argv[3]).astype(np.float64))
        print(json.dumps({"auroc": a, "fpr95": f}))
        return
    logits = np.load(sys.argv[2])
    labels = np.load(sys.argv[3]).astype(np.int64)
    value = {"ece": ece, "nll": nll, "brier": brier, "temperature": temperature}[metric](logits, labels)
    print(json.dumps({metric: value}))


if __name__ == "__main__":
    main()
