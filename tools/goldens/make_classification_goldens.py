#!/usr/bin/python3
"""Write the golden files for holoclip's calibration, OOD and retrieval metrics.

Writes (relative to the repository root):
  test/golden/metrics/calibration.json   softmax, ECE + reliability bins, NLL, Brier, temperature fitting
  test/golden/metrics/ood.json           MSP / max-logit / energy / MCM scores, AUROC, AP, OOD metrics
  test/golden/metrics/retrieval.json     image<->text Recall@K

Inputs come from fixed seeds; expected outputs come from reference code: numpy / scipy.special for
softmax, logsumexp, NLL and Brier; numpy for ECE (Guo et al. 2017 binning); scipy.optimize for the
temperature; sklearn for AUROC / average precision / ROC and PR curves; a numpy re-implementation of
Hendrycks' `fpr_and_fdr_at_recall` (see `hendrycks_fpr_at_recall`) for the ID-positive FPR@95; the
OpenOOD v1.5 recipe (sklearn roc_curve / precision_recall_curve / auc) for the OOD-positive metrics; a
numpy re-implementation of CLIP_benchmark's recall@k for retrieval.

Logits, cosines and similarities are float32 values (the TypeScript side reads them into a
Float32Array); they are generated on a decimal grid so that the short decimal written to JSON rounds to
exactly the float32 the references were computed from. The script checks that for every such array.
Expected values are written with Python's repr (17 significant digits). NaN (empty reliability bins) is
written as null.

Usage:
  /usr/bin/python3 tools/goldens/make_classification_goldens.py            # rewrite the three files
  /usr/bin/python3 tools/goldens/make_classification_goldens.py --out DIR  # write them to DIR instead

Needs Debian's python3-numpy (1.24), python3-scipy (1.10) and python3-sklearn (1.2); run it with
/usr/bin/python3. Deterministic: rerunning writes byte-identical files.
"""

import argparse
import json
import math
import os

import numpy as np
import scipy
import scipy.optimize
import scipy.special
import sklearn
import sklearn.metrics as skm

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "test", "golden", "metrics")

# Bracket for temperature fitting, in T (not log T). scipy's bounded Brent with its default xatol=1e-5.
T_BOUNDS = (0.01, 100.0)


# ----------------------------------------------------------------------------------------------------
# helpers


def f32_grid(x, decimals):
    """Round to a decimal grid and return (float32 array, list of JSON numbers) that agree exactly."""
    x = np.round(np.asarray(x, dtype=np.float64), decimals)
    f32 = x.astype(np.float32)
    values = [round(float(v), decimals) for v in x.ravel()]
    back = np.array(values, dtype=np.float64).astype(np.float32)
    assert np.array_equal(back, f32.ravel()), "decimal values do not round-trip to the float32 array"
    return f32, values


def num(v):
    """A JSON number (float repr), or None for NaN."""
    v = float(v)
    if math.isnan(v):
        return None
    assert math.isfinite(v)
    return v


def nums(a):
    return [num(v) for v in np.asarray(a).ravel()]


def meta():
    return {
        "generator": "tools/goldens/make_classification_goldens.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
    }


# ----------------------------------------------------------------------------------------------------
# calibration references


def ref_softmax(logits32, temperature=1.0):
    z = logits32.astype(np.float64) / temperature
    return scipy.special.softmax(z, axis=1)


def ref_nll(logits32, labels, temperature=1.0):
    z = logits32.astype(np.float64) / temperature
    lse = scipy.special.logsumexp(z, axis=1)
    return float(np.mean(lse - z[np.arange(len(labels)), labels]))


def ref_brier(logits32, labels, temperature=1.0):
    """Multi-class Brier score (Brier 1950): mean over samples of sum_k (p_k - onehot_k)^2."""
    p = ref_softmax(logits32, temperature)
    onehot = np.zeros_like(p)
    onehot[np.arange(len(labels)), labels] = 1.0
    return float(np.mean(np.sum((p - onehot) ** 2, axis=1)))


def ref_ece(conf, correct, num_bins=15):
    """Guo et al. (2017) ECE: equal-width bins over (0, 1] from np.linspace, membership (lower, upper];
    a confidence of exactly 0 goes to the first bin."""
    conf = np.asarray(conf, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, num_bins + 1)
    n = len(conf)
    ece = 0.0
    bins = []
    for b in range(num_bins):
        lo, hi = edges[b], edges[b + 1]
        m = (conf > lo) & (conf <= hi)
        if b == 0:
            m |= conf == 0.0
        cnt = int(m.sum())
        if cnt == 0:
            bins.append({"lower": num(lo), "upper": num(hi), "count": 0, "meanConfidence": None, "accuracy": None})
            continue
        mc = float(conf[m].mean())
        acc = float(correct[m].mean())
        ece += cnt / n * abs(acc - mc)
        bins.append({"lower": num(lo), "upper": num(hi), "count": cnt, "meanConfidence": mc, "accuracy": acc})
    return ece, bins


def ref_calibration(logits32, labels, temperature=1.0, num_bins=15):
    p = ref_softmax(logits32, temperature)
    conf = p.max(axis=1)
    pred = np.argmax(logits32, axis=1)  # first index on ties, like argmaxRows
    correct = (pred == labels).astype(np.float64)
    ece, bins = ref_ece(conf, correct, num_bins)
    return {
        "n": int(len(labels)),
        "accuracy": float(correct.mean()),
        "ece": ece,
        "nll": ref_nll(logits32, labels, temperature),
        "brier": ref_brier(logits32, labels, temperature),
        "bins": bins,
        "temperature": float(temperature),
        "numBins": int(num_bins),
    }


def ref_fit_temperature(logits32, labels, bounds=T_BOUNDS):
    f = lambda t: ref_nll(logits32, labels, t)
    res = scipy.optimize.minimize_scalar(f, bounds=bounds, method="bounded")
    tight = scipy.optimize.minimize_scalar(f, bounds=bounds, method="bounded", options={"xatol": 1e-12})
    assert abs(res.x - tight.x) < 2e-5, (res.x, tight.x)
    return {
        "temperature": float(res.x),
        "nllBefore": f(1.0),
        "nllAfter": float(res.fun),
    }


# ----------------------------------------------------------------------------------------------------
# OOD references


def hendrycks_fpr_at_recall(y_true, y_score, recall_level=0.95):
    """numpy re-implementation of `fpr_and_fdr_at_recall` from Hendrycks et al.'s outlier-exposure code
    (github.com/hendrycks/outlier-exposure, utils/display_results.py), the same function as MCM's
    utils/detection_util.py (github.com/deeplearning-wisc/MCM). Positive = label 1 (ID there).

    Same steps: stable descending sort, one point per distinct score (sklearn's _binary_clf_curve), the
    curve reversed from the first point that reaches full recall, a (recall=1, fps=0) point appended,
    and the point whose recall is *closest* to recall_level (first such point in the reversed order)
    chosen; returns its false positives / number of negatives."""
    y_true = np.asarray(y_true) == 1
    y_score = np.asarray(y_score, dtype=np.float64)
    order = np.argsort(y_score, kind="mergesort")[::-1]
    s = y_score[order]
    t = y_true[order]
    cut = np.where(np.diff(s))[0]
    idx = np.r_[cut, t.size - 1]
    tps = np.cumsum(t, dtype=np.float64)[idx]
    fps = 1 + idx - tps
    recall = tps / tps[-1]
    last = tps.searchsorted(tps[-1])
    rev = slice(last, None, -1)
    recall = np.r_[recall[rev], 1]
    fps = np.r_[fps[rev], 0]
    k = np.argmin(np.abs(recall - recall_level))
    return float(fps[k] / np.sum(~y_true))


def ref_ood_id_positive(id_s, ood_s):
    s = np.r_[id_s, ood_s].astype(np.float64)
    y = np.r_[np.ones(len(id_s), dtype=np.int32), np.zeros(len(ood_s), dtype=np.int32)]
    return {
        "auroc": float(skm.roc_auc_score(y, s)),
        "aupr_in": float(skm.average_precision_score(y, s)),
        "aupr_out": float(skm.average_precision_score(1 - y, -s)),
        "fpr_at_95_tpr": hendrycks_fpr_at_recall(y, s, 0.95),
    }


def openood_metrics(id_s, ood_s, tpr_th=0.95):
    """OpenOOD v1.5 `auc_and_fpr_recall` (openood/evaluators/metrics.py): OOD is the positive class,
    conf = ID score (higher = more ID), label -1 = OOD."""
    conf = np.r_[id_s, ood_s].astype(np.float64)
    ood = np.r_[np.zeros(len(id_s), dtype=np.int64), np.ones(len(ood_s), dtype=np.int64)]
    fpr, tpr, _ = skm.roc_curve(ood, -conf)  # drop_intermediate=True, as OpenOOD calls it
    p_in, r_in, _ = skm.precision_recall_curve(1 - ood, conf)
    p_out, r_out, _ = skm.precision_recall_curve(ood, -conf)
    return {
        "auroc": float(skm.auc(fpr, tpr)),
        "aupr_in": float(skm.auc(r_in, p_in)),
        "aupr_out": float(skm.auc(r_out, p_out)),
        "fpr_at_95_tpr": float(fpr[np.argmax(tpr >= tpr_th)]),
    }


def openood_fpr_without_drop(id_s, ood_s):
    conf = np.r_[id_s, ood_s].astype(np.float64)
    ood = np.r_[np.zeros(len(id_s)), np.ones(len(ood_s))]
    fpr, tpr, _ = skm.roc_curve(ood, -conf, drop_intermediate=False)
    return float(fpr[np.argmax(tpr >= 0.95)])


# ----------------------------------------------------------------------------------------------------
# retrieval reference


def ref_retrieval(sim32, text_image, ks):
    """CLIP_benchmark's recall@k (zeroshot_retrieval.py), with a deterministic top-k: a stable sort on the
    negated score, so equal scores keep index order (lower index ranks first). Image->text: hit if any
    of the image's captions is in its top k texts; text->image: hit if its image is in the top k."""
    sim = sim32.astype(np.float64)
    n_img, n_txt = sim.shape
    text_image = np.asarray(text_image)
    pos = np.zeros((n_img, n_txt), dtype=bool)
    pos[text_image, np.arange(n_txt)] = True
    i2t_order = np.argsort(-sim, axis=1, kind="stable")  # per image, texts best first
    t2i_order = np.argsort(-sim.T, axis=1, kind="stable")  # per text, images best first
    i2t, t2i = {}, {}
    for k in ks:
        hit_i = [pos[i, i2t_order[i, :k]].any() for i in range(n_img)]
        hit_t = [pos.T[t, t2i_order[t, :k]].any() for t in range(n_txt)]
        i2t[f"R@{k}"] = float(np.mean(hit_i))
        t2i[f"R@{k}"] = float(np.mean(hit_t))
    return i2t, t2i


# ----------------------------------------------------------------------------------------------------
# cases


def calibration_goldens():
    rng = np.random.default_rng(20240611)
    out = {"meta": meta(), "t_bounds": list(T_BOUNDS), "softmax": [], "ece": [], "metrics": [], "temperature": []}

    # --- softmax rows (extreme magnitudes, ties, temperature)
    sm_cases = [
        ("extreme", [[1000.0, 999.0, -1000.0], [-3000.0, -3001.5, -2999.25], [88.5, 88.5, 88.5], [0.0, -500.0, 500.0]], 1.0),
        ("extreme-temperature", [[1000.0, 999.0, -1000.0], [-3000.0, -3001.5, -2999.25], [0.5, 0.25, -0.125]], 0.05),
        ("random-T2", rng.normal(0, 3, size=(5, 7)), 2.0),
    ]
    for name, x, temp in sm_cases:
        x = np.asarray(x, dtype=np.float64)
        l32, vals = f32_grid(x, 4)
        out["softmax"].append({
            "name": name, "n": x.shape[0], "c": x.shape[1], "temperature": temp, "logits": vals,
            "probs": nums(ref_softmax(l32, temp)),
        })

    # --- ECE on given confidences
    edges = np.linspace(0.0, 1.0, 16)
    boundary_conf = np.r_[edges, [k / 15 for k in range(16)], [0.0, 1.0, 1e-12, 1 - 1e-12]]
    boundary_correct = (np.arange(len(boundary_conf)) % 3 != 0).astype(int)
    ece_cases = [
        ("boundaries", boundary_conf, boundary_correct, 15),
        # with 10 bins numpy's edges (k * 0.1) differ from k / 10 in the last bit for some k
        ("boundaries-10-bins", np.r_[np.linspace(0.0, 1.0, 11), [k / 10 for k in range(11)]], np.arange(22) % 2, 10),
        ("one-sample-bins", np.array([0.05, 0.5, 0.97]), np.array([1, 0, 1]), 15),
        ("random-10-bins", rng.uniform(0.1, 1.0, 64), (rng.uniform(size=64) < 0.7).astype(int), 10),
        ("all-correct", rng.uniform(0.3, 1.0, 20), np.ones(20, dtype=int), 15),
        ("all-wrong", rng.uniform(0.3, 1.0, 20), np.zeros(20, dtype=int), 15),
        ("single-bin", np.array([0.7]), np.array([1]), 1),
    ]
    for name, conf, correct, nb in ece_cases:
        ece, bins = ref_ece(conf, correct, nb)
        out["ece"].append({
            "name": name, "confidences": nums(conf), "correct": [int(v) for v in correct], "numBins": nb,
            "ece": ece, "bins": bins,
        })

    # --- full calibration metrics
    def add_metrics(name, logits, labels, temperature=1.0, num_bins=15, decimals=4):
        l32, vals = f32_grid(logits, decimals)
        labels = np.asarray(labels, dtype=np.int64)
        out["metrics"].append({
            "name": name, "n": int(l32.shape[0]), "c": int(l32.shape[1]), "logits": vals,
            "labels": [int(v) for v in labels], "temperature": temperature, "numBins": num_bins,
            "expected": ref_calibration(l32, labels, temperature, num_bins),
        })

    n, c = 200, 10
    labels = rng.integers(0, c, n)
    logits = rng.normal(0, 2, (n, c))
    logits[np.arange(n), labels] += 2.0
    add_metrics("random-n200-c10", logits, labels)
    add_metrics("random-n200-c10-T1.7-b20", logits, labels, temperature=1.7, num_bins=20)
    n2, c2 = 60, 4
    tied = rng.integers(0, 3, (n2, c2)).astype(np.float64)  # many tied logits within rows
    add_metrics("ties", tied, rng.integers(0, c2, n2))
    ac = rng.normal(0, 1, (30, 5))
    lab = rng.integers(0, 5, 30)
    ac[np.arange(30), lab] += 6.0
    add_metrics("all-correct", ac, lab)
    aw = rng.normal(0, 1, (30, 5))
    lab2 = rng.integers(0, 5, 30)
    aw[np.arange(30), lab2] -= 6.0
    add_metrics("all-wrong", aw, lab2)
    add_metrics("single-class-present", rng.normal(0, 2, (25, 6)), np.full(25, 3))
    ext = rng.normal(0, 1, (40, 8)) * 400.0
    add_metrics("extreme-logits", ext, rng.integers(0, 8, 40), decimals=2)
    add_metrics("one-sample", [[0.5, 2.0, -1.0]], [1])
    add_metrics("scaled-cosines-n150-c100", 100.0 * rng.uniform(0.1, 0.35, (150, 100)), rng.integers(0, 100, 150), decimals=2)

    # --- temperature fitting
    def add_temp(name, logits, labels, bounds=T_BOUNDS, decimals=4):
        l32, vals = f32_grid(logits, decimals)
        labels = np.asarray(labels, dtype=np.int64)
        ref = ref_fit_temperature(l32, labels, bounds)
        out["temperature"].append({
            "name": name, "n": int(l32.shape[0]), "c": int(l32.shape[1]), "logits": vals,
            "labels": [int(v) for v in labels], "bounds": list(bounds), "expected": ref,
        })
        return ref

    def sampled(n, c, true_t, scale):
        base = rng.normal(0, 1, (n, c)) * scale
        p = ref_softmax(base.astype(np.float32), true_t)
        lab = np.array([rng.choice(c, p=row) for row in p])
        return base, lab

    base, lab = sampled(300, 10, 2.5, 3.0)
    r = add_temp("over-confident-n300-c10", base, lab)
    assert r["temperature"] > 1.5, r
    base, lab = sampled(300, 10, 0.5, 1.0)
    r = add_temp("under-confident-n300-c10", base, lab)
    assert r["temperature"] < 0.8, r
    base, lab = sampled(120, 50, 1.0, 2.0)
    add_temp("near-one-n120-c50", base, lab)
    ac2 = rng.normal(0, 1, (40, 5))
    lab3 = rng.integers(0, 5, 40)
    ac2[np.arange(40), lab3] += 4.0
    r = add_temp("all-correct-hits-lower-bound", ac2, lab3, bounds=(0.5, 5.0))
    assert abs(r["temperature"] - 0.5) < 1e-4, r
    return out


def ood_goldens():
    rng = np.random.default_rng(7031)
    out = {"meta": meta(), "scores": [], "mcm": [], "auc": [], "ood": []}

    # --- per-sample scores
    for name, x, temps, dec in [
        ("random", rng.normal(0, 3, (12, 6)), [1.0, 2.0, 0.5], 4),
        ("extreme", np.array([[1000, 999, -1000], [-3000, -3001.5, -2999.25], [5, 5, 5]], dtype=np.float64), [1.0, 10.0], 2),
    ]:
        l32, vals = f32_grid(x, dec)
        z = l32.astype(np.float64)
        p = scipy.special.softmax(z, axis=1)
        out["scores"].append({
            "name": name, "n": int(z.shape[0]), "c": int(z.shape[1]), "logits": vals,
            "msp": nums(p.max(axis=1)), "maxlogit": nums(z.max(axis=1)),
            "energy": [{"temperature": t, "scores": nums(t * scipy.special.logsumexp(z / t, axis=1))} for t in temps],
        })
    for name, tau in [("tau-1", 1.0), ("tau-0.01", 0.01)]:
        cos = rng.uniform(0.1, 0.35, (10, 20))
        c32, vals = f32_grid(cos, 5)
        z = c32.astype(np.float64) / tau
        out["mcm"].append({"name": name, "n": 10, "c": 20, "tau": tau, "cosines": vals,
                           "scores": nums(scipy.special.softmax(z, axis=1).max(axis=1))})

    # --- AUROC / AP (sklearn)
    def add_auc(name, scores, positive):
        scores = np.asarray(scores, dtype=np.float64)
        positive = np.asarray(positive, dtype=np.int64)
        out["auc"].append({
            "name": name, "scores": nums(scores), "positive": [int(v) for v in positive],
            "roc_auc": float(skm.roc_auc_score(positive, scores)),
            "average_precision": float(skm.average_precision_score(positive, scores)),
        })

    add_auc("random", np.round(rng.normal(0, 1, 80), 6), rng.integers(0, 2, 80))
    add_auc("ties", rng.integers(0, 5, 60) * 0.25, rng.integers(0, 2, 60))
    add_auc("all-tied", np.full(10, 0.5), [1, 0, 1, 1, 0, 0, 0, 1, 0, 0])
    add_auc("perfect", [0.9, 0.8, 0.7, 0.3, 0.2], [1, 1, 1, 0, 0])
    add_auc("inverted", [0.9, 0.8, 0.7, 0.3, 0.2], [0, 0, 1, 1, 1])
    add_auc("single-positive", [0.1, 0.4, 0.35, 0.8, 0.4], [0, 0, 1, 0, 0])

    # --- OOD metrics under both conventions
    def add_ood(name, id_s, ood_s, require_drop_effect=False):
        id_s = np.asarray(id_s, dtype=np.float64)
        ood_s = np.asarray(ood_s, dtype=np.float64)
        oo = openood_metrics(id_s, ood_s)
        if require_drop_effect:
            assert openood_fpr_without_drop(id_s, ood_s) != oo["fpr_at_95_tpr"], name
        out["ood"].append({
            "name": name, "id_scores": nums(id_s), "ood_scores": nums(ood_s),
            "id_positive": ref_ood_id_positive(id_s, ood_s),
            "ood_positive": oo,
        })

    add_ood("random-200-300", np.round(rng.normal(1.0, 1.0, 200), 6), np.round(rng.normal(0.0, 1.0, 300), 6))
    add_ood("random-37-53", np.round(rng.normal(0.8, 1.0, 37), 6), np.round(rng.normal(0.0, 1.2, 53), 6))
    add_ood("ties-quantized", rng.integers(0, 12, 150) * 0.125 + 0.5, rng.integers(0, 12, 170) * 0.125)
    add_ood("id-20-exact-95", np.round(rng.normal(1.0, 1.0, 20), 6), np.round(rng.normal(0.0, 1.0, 30), 6))
    add_ood("separable", np.linspace(1, 2, 30), np.linspace(-1, 0.5, 25))
    add_ood("inverted", np.linspace(-1, 0.5, 25), np.linspace(1, 2, 30))
    add_ood("identical", np.full(20, 0.3), np.full(15, 0.3))
    # equal-step diagonal through the 95% OOD-recall point: sklearn's drop_intermediate removes it
    diag_id = np.r_[np.arange(20) * 1.0, 30.0 + np.arange(80)]
    diag_ood = np.r_[np.arange(20) * 1.0, -10.0 - np.arange(60)]
    add_ood("openood-drop-intermediate", diag_id, diag_ood, require_drop_effect=True)
    add_ood("mcm-like", rng.uniform(0.05, 0.2, 100), rng.uniform(0.04, 0.12, 100))
    return out


def retrieval_goldens():
    rng = np.random.default_rng(90210)
    out = {"meta": meta(), "cases": []}

    def add(name, sim, text_image, ks, decimals):
        s32, vals = f32_grid(sim, decimals)
        i2t, t2i = ref_retrieval(s32, text_image, ks)
        out["cases"].append({
            "name": name, "n_images": int(s32.shape[0]), "n_texts": int(s32.shape[1]),
            "similarity": vals, "text_image": [int(v) for v in text_image], "ks": ks,
            "image_to_text": i2t, "text_to_image": t2i,
        })

    # 30 images x 5 captions, caption order grouped by image
    n_img = 30
    ti = np.repeat(np.arange(n_img), 5)
    sim = rng.normal(0.2, 0.05, (n_img, len(ti)))
    sim[ti, np.arange(len(ti))] += 0.08
    add("5-captions-grouped", sim, ti, [1, 5, 10], 4)
    # same with shuffled caption order and coarse quantisation (many ties)
    perm = rng.permutation(len(ti))
    ti2 = ti[perm]
    sim2 = np.round(rng.normal(0.2, 0.05, (n_img, len(ti2))) * 40) / 40
    sim2[ti2, np.arange(len(ti2))] += 0.05
    add("5-captions-shuffled-ties", sim2, ti2, [1, 5, 10], 3)
    # uneven caption counts, custom ks
    ti3 = np.r_[np.arange(12), rng.integers(0, 12, 13)]
    rng.shuffle(ti3)
    sim3 = np.round(rng.uniform(0, 1, (12, len(ti3))) * 8) / 8
    add("uneven-captions-ties-custom-ks", sim3, ti3, [1, 2, 3, 50], 3)
    # everything tied: ranks follow the index
    add("all-tied", np.full((4, 8), 0.5), np.repeat(np.arange(4), 2), [1, 2, 5], 3)
    return out


def write(path, obj):
    text = json.dumps(obj, separators=(",", ":"), allow_nan=False) + "\n"
    with open(path, "w") as f:
        f.write(text)
    kb = len(text) / 1024
    assert kb < 300, f"{path} is {kb:.0f} KB"
    print(f"wrote {os.path.relpath(path, REPO_ROOT)} ({kb:.0f} KB)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: test/golden/metrics)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "calibration.json"), calibration_goldens())
    write(os.path.join(args.out, "ood.json"), ood_goldens())
    write(os.path.join(args.out, "retrieval.json"), retrieval_goldens())


if __name__ == "__main__":
    main()
