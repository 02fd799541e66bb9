#!/usr/bin/env python3
"""Golden values for src/metrics/correspondence.ts: a numpy transcription of probe3d's matching and PCK code.

Reference: mbanani/probe3d, commit a1f14640076e38b8bc07b66d0fe2d01d15691e9d
  - evaluate_spair_correspondence.py   compute_errors (L2 normalise, grid_sample(align_corners=True) of the source
                                       keypoints, heatmap einsum, argmax_2d / feats.shape[-1], error / thresh_scale,
                                       keypoints in both images), evaluate_dataset (errors < thresh)
  - evals/datasets/spair.py            process_keypoints + __getitem__ (bbox shift, square padding, scaling into
                                       an int tensor = truncation), thresh_scale
  - evals/utils/correspondence.py      knn_points(cosine), calculate_ratio_test, get_topk_matches,
                                       get_correspondences_ratio_test (bidirectional / ratio_test), argmax_2d,
                                       compute_binned_performance; grid_sample as in sample_pointcloud_features
                                       (align_corners=False)
probe3d imports faiss (GPU); its kNN is replaced by an exact brute-force search over the same normalised vectors
(faiss' GpuIndexFlatL2 is exact). Ties (which faiss and torch.topk leave unspecified) are broken by the lower index.
The numpy grid_sample transcription is checked here against torch.nn.functional.grid_sample, and the
whole SPair error path against the same path written with torch ops, before anything is written.

Needs numpy and torch (the /work/venv-pre stack: torch 2.13 CPU, numpy 2.4; any torch >= 1.13 gives the same file):

    python tools/goldens/make_correspondence_goldens.py    # writes test/golden/correspondence/matching.json

Deterministic: rerunning writes byte-identical files.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as nn_F

PROBE3D_COMMIT = "a1f14640076e38b8bc07b66d0fe2d01d15691e9d"


# ---------------------------------------------------------------------------------------------- numpy transcription

def normalize(x, axis):
    """torch.nn.functional.normalize(x, p=2, dim=axis, eps=1e-12)."""
    n = np.sqrt((x ** 2).sum(axis=axis, keepdims=True))
    return x / np.maximum(n, 1e-12)


def grid_sample(feats, pts, align_corners):
    """grid_sample(feats[None], pts[None, None], mode='bilinear', padding_mode='zeros')[0, :, 0].T -> [n, C]."""
    C, H, W = feats.shape
    out = np.zeros((len(pts), C))
    for i, (gx, gy) in enumerate(pts):
        if align_corners:
            ix, iy = (gx + 1) / 2 * (W - 1), (gy + 1) / 2 * (H - 1)
        else:
            ix, iy = ((gx + 1) * W - 1) / 2, ((gy + 1) * H - 1) / 2
        x0, y0 = int(np.floor(ix)), int(np.floor(iy))
        tx, ty = ix - x0, iy - y0
        for cx, cy, w in [(x0, y0, (1 - tx) * (1 - ty)), (x0 + 1, y0, tx * (1 - ty)), (x0, y0 + 1, (1 - tx) * ty), (x0 + 1, y0 + 1, tx * ty)]:
            if 0 <= cx < W and 0 <= cy < H:
                out[i] += w * feats[:, cy, cx]
    return out


def argmax_2d(x):
    """probe3d argmax_2d(max_value=True): (col, row) of the first maximum of each [.., h, w] map."""
    h, w = x.shape[-2:]
    flat = x.reshape(*x.shape[:-2], h * w).argmax(axis=-1)
    return np.stack((flat % w, flat // w), axis=-1)


def process_keypoints(kps, bbox, padded_side, image_size):
    """SPairDataset.process_keypoints + the scaling in __getitem__ (int tensor: truncation)."""
    out = []
    for k in kps:
        if k is None:
            out.append([0, 0, 0])
            continue
        x, y = int(k[0]), int(k[1])
        if bbox:
            x -= bbox[0]
            y -= bbox[1]
        out.append([int(x * image_size / padded_side), int(y * image_size / padded_side), 1])
    return np.array(out, dtype=np.int64)


def thresh_scale(trg_bbox, trg_imsize, use_bbox):
    if use_bbox:
        return 1.0
    l, u, r, d = trg_bbox
    return float(max(r - l, d - u)) / max(trg_imsize[:2])


def compute_errors(feats_i, feats_j, kps_i, kps_j, image_size, scale):
    """compute_errors of evaluate_spair_correspondence.py (no masks), for one pair."""
    feats_i = normalize(feats_i, 0)
    feats_j = normalize(feats_j, 0)
    ki = kps_i.astype(np.float64)
    kj = kps_j.astype(np.float64)
    ki[:, :2] /= image_size
    kj[:, :2] /= image_size
    kp_i_F = grid_sample(feats_i, ki[:, :2] * 2 - 1, True)
    heat = np.einsum("kf,fhw->khw", kp_i_F, feats_j)
    pred = argmax_2d(heat).astype(np.float64) / feats_j.shape[-1]
    errors = np.linalg.norm(pred[:, None, :] - kj[None, :, :2], axis=-1) / scale
    valid = (ki[:, None, 2] * kj[None, :, 2]) == 1
    in_both = valid.diagonal()
    return np.nonzero(in_both)[0], errors.diagonal()[in_both], pred[in_both]


def cosine_knn(X, Y, k):
    """knn_points(X, Y, K, 'cosine') with an exact search; ties by lower index."""
    Xn, Yn = normalize(X, -1), normalize(Y, -1)
    sims = Xn @ Yn.T
    idx = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    nn = Yn[idx]
    dot = (nn * Xn[:, None, :]).sum(-1)
    den = np.maximum(np.sqrt((nn ** 2).sum(-1) * (Xn ** 2).sum(-1)[:, None]), 1e-8)
    return 1 - dot / den, idx


def ratio_test(d):
    d = np.maximum(d, 1e-9)
    return 1 - d[..., 0] / np.maximum(d[..., 1], 1e-9)


def topk_matches(w, idx, k):
    k = min(k, w.shape[-1])
    src = np.argsort(-w, kind="stable")[:k]
    return src, idx[src], w[src]


def correspondences(P1, P2, num, bidirectional=False, use_ratio=True):
    d1, i1 = cosine_knn(P1, P2, 2)
    i1 = i1[:, 0]
    w1 = ratio_test(d1) if use_ratio else d1[:, 0]
    if not bidirectional:
        return topk_matches(w1, i1, num)
    d2, i2 = cosine_knn(P2, P1, 2)
    i2 = i2[:, 0]
    w2 = ratio_test(d2) if use_ratio else d2[:, 0]
    a1, a2, ad = topk_matches(w1, i1, num // 2)
    b2, b1, bd = topk_matches(w2, i2, num // 2)
    return np.concatenate([a1, b1]), np.concatenate([a2, b2]), np.concatenate([ad, bd])


def mutual_nn(P1, P2):
    d12, i12 = cosine_knn(P1, P2, 1)
    _, i21 = cosine_knn(P2, P1, 1)
    src = [i for i in range(len(P1)) if i21[i12[i, 0], 0] == i]
    return np.array(src, dtype=np.int64), i12[src, 0], 1 - d12[src, 0]


def binned(y, x, bins):
    out = []
    for lo, hi in zip(bins[:-1], bins[1:]):
        m = (x >= lo) & (x < hi)
        out.append(float(y[m].mean()) if m.any() else None)
    return out


# ------------------------------------------------------------------------------------------------- torch cross-checks

def torch_grid_sample(feats, pts, align):
    t = nn_F.grid_sample(torch.tensor(feats)[None], torch.tensor(pts)[None, None], mode="bilinear", align_corners=align)
    return t[0, :, 0].T.numpy()


def torch_compute_errors(feats_i, feats_j, kps_i, kps_j, image_size, scale):
    fi = nn_F.normalize(torch.tensor(feats_i), p=2, dim=0)
    fj = nn_F.normalize(torch.tensor(feats_j), p=2, dim=0)
    ki = torch.tensor(kps_i).double()
    kj = torch.tensor(kps_j).double()
    ki[:, :2] = ki[:, :2] / image_size
    kj[:, :2] = kj[:, :2] / image_size
    kp_F = nn_F.grid_sample(fi[None], (ki[:, :2] * 2 - 1)[None, None], mode="bilinear", align_corners=True)[0, :, 0].t()
    heat = torch.einsum("kf,fhw->khw", kp_F, fj)
    h, w = heat.shape[-2:]
    flat = heat.flatten(start_dim=-2).argmax(dim=-1)
    pred = torch.stack((flat % w, flat // w), dim=-1).double() / fj.shape[-1]
    errors = (pred[:, None, :] - kj[None, :, :2]).norm(p=2, dim=-1) / scale
    valid = (ki[:, None, 2] * kj[None, :, 2]) == 1
    in_both = valid.diagonal()
    return errors.diagonal()[in_both].numpy()


# ------------------------------------------------------------------------------------------------------------ cases

def grid(rng, shape, step=1 / 64):
    """Values on a binary grid, exact in float32 and in JSON."""
    return np.round(rng.normal(size=shape) / step) * step


def sampling_cases(rng):
    cases = []
    feats = grid(rng, (5, 4, 6))
    pts = np.array([[-1, -1], [1, 1], [-1, 1], [1, -1], [0, 0], [0.3, -0.7], [-1.25, 0.5], [1.1, 1.1], [-0.9999, 0.9999],
                    [2.5, 0], [0.2, -1.4], [-1 + 1 / 6, -1 + 1 / 4]])
    for align in (True, False):
        ours = grid_sample(feats, pts, align)
        ref = torch_grid_sample(feats, pts, align)
        assert np.abs(ours - ref).max() < 1e-12, ("grid_sample transcription", align, np.abs(ours - ref).max())
        cases.append({"feats": feats.tolist(), "shape": list(feats.shape), "points": pts.tolist(), "align_corners": align,
                      "expected": ours.tolist()})
    return cases


def normalize_case(rng):
    feats = grid(rng, (3, 2, 3))
    feats[:, 1, 2] = 0  # a zero vector stays zero (eps)
    return {"feats": feats.tolist(), "shape": list(feats.shape), "expected": normalize(feats, 0).tolist()}


def keypoint_frame_cases():
    kps = [[10.7, 20.2], None, [199, 0], [57, 133.9], [0, 149]]
    return [
        {"kps": kps, "bbox": None, "padded_side": 200, "image_size": 800, "expected": process_keypoints(kps, None, 200, 800).tolist()},
        {"kps": kps, "bbox": [5, 3, 180, 150], "padded_side": 175, "image_size": 64, "expected": process_keypoints(kps, [5, 3, 180, 150], 175, 64).tolist()},
        {"kps": kps, "bbox": None, "padded_side": 333, "image_size": 224, "expected": process_keypoints(kps, None, 333, 224).tolist()},
    ]


def transfer_cases(rng):
    cases = []
    specs = [
        # name, C, h, w, image_size, n kps, tie
        ("random", 8, 6, 6, 800, 12, False),
        ("ties", 4, 5, 5, 800, 8, True),
        ("small-frame", 16, 7, 7, 224, 10, False),
        ("borders", 6, 4, 4, 64, 9, False),
    ]
    for name, C, h, w, size, n, tie in specs:
        fi = grid(rng, (C, h, w))
        fj = grid(rng, (C, h, w))
        if tie:
            # every cell of the target one of two unit axis vectors: heatmaps with exact ties (each value is one
            # sampled component, exactly, whatever the summation order), so the first maximal cell must win
            a, b = np.eye(C)[0], np.eye(C)[2]
            for y in range(h):
                for x in range(w):
                    fj[:, y, x] = a if (x + y) % 2 == 0 else b
        kps_i = np.stack([rng.integers(0, size, n), rng.integers(0, size, n), (rng.random(n) > 0.2).astype(np.int64)], 1)
        kps_j = np.stack([rng.integers(0, size, n), rng.integers(0, size, n), (rng.random(n) > 0.2).astype(np.int64)], 1)
        if name == "borders":
            kps_i[:4, :2] = [[0, 0], [size - 1, size - 1], [0, size - 1], [size - 1, 0]]
            kps_i[:4, 2] = 1
            kps_j[:4, 2] = 1
        kps_i[kps_i[:, 2] == 0, :2] = 0
        kps_j[kps_j[:, 2] == 0, :2] = 0
        bbox = [int(rng.integers(0, 50)), int(rng.integers(0, 50)), int(rng.integers(150, 300)), int(rng.integers(120, 250))]
        imsize = [int(rng.integers(300, 500)), int(rng.integers(250, 500)), 3]
        scale = thresh_scale(bbox, imsize, False)
        index, errors, pred = compute_errors(fi, fj, kps_i, kps_j, size, scale)
        ref = torch_compute_errors(fi, fj, kps_i, kps_j, size, scale)
        assert np.abs(errors - ref).max() < 1e-9, (name, "compute_errors transcription", errors, ref, index)
        thresholds = [0.05, 0.10, 0.15]
        cases.append({
            "name": name, "source": fi.tolist(), "target": fj.tolist(), "shape": [C, h, w], "image_size": size,
            "kps_source": kps_i.tolist(), "kps_target": kps_j.tolist(), "bbox": bbox, "imsize": imsize,
            "thresh_scale": scale, "thresh_scale_bbox": thresh_scale(bbox, imsize, True),
            "index": index.tolist(), "errors": errors.tolist(), "predicted": pred.tolist(),
            "thresholds": thresholds, "pck": [float((errors < t).mean()) for t in thresholds],
        })
    return cases


def recall_cases():
    errors = np.array([0.0, 0.05, 0.0999, 0.1, 0.15, 0.2, 1e3, 0.049999])
    th = [0.05, 0.10, 0.15]
    return [{"errors": errors.tolist(), "thresholds": th, "expected": [float((errors < t).mean()) for t in th]}]


def binned_cases(rng):
    x = np.array([0, 10, 29.999, 30, 45, 60, 89, 90, 119.5, 120, 150, -1.0])
    y = grid(rng, (len(x),))
    bins = [0, 30, 60, 90, 120]
    extra_bins = [0, 30, 35, 40, 200]  # (30, 35) holds a value, (35, 40) none -> NaN (null)
    return [{"x": x.tolist(), "y": y.tolist(), "bins": b, "expected": binned(y, x, b)} for b in (bins, extra_bins)]


def matching_cases(rng):
    cases = []
    for name, n1, n2, dim, num, tie in [("random", 30, 25, 8, 10, False), ("ties", 20, 16, 4, 12, True), ("few", 6, 5, 3, 50, False)]:
        P1 = grid(rng, (n1, dim))
        P2 = grid(rng, (n2, dim))
        if tie:
            P2[5] = P2[2]  # duplicate candidates: equal distances, lower index first
            P2[9] = P2[2] * 2  # same direction, same cosine
            P1[7] = P1[3]  # duplicate queries: equal weights in top-k
        d, i = cosine_knn(P1, P2, 2)
        case = {"name": name, "p1": P1.tolist(), "p2": P2.tolist(), "n1": n1, "n2": n2, "dim": dim, "num_corres": num,
                "knn_dists": d.tolist(), "knn_idx": i.tolist(), "ratio_weights": ratio_test(d).tolist()}
        for key, bi, ra in [("uni_ratio", False, True), ("bi_ratio", True, True), ("uni_dist", False, False), ("bi_dist", True, False)]:
            s, t, w = correspondences(P1, P2, num, bi, ra)
            case[key] = {"source": s.tolist(), "target": t.tolist(), "weight": w.tolist()}
        s, t, w = mutual_nn(P1, P2)
        case["mnn"] = {"source": s.tolist(), "target": t.tolist(), "weight": w.tolist()}
        cases.append(case)
    return cases


def float16_case(rng):
    """numpy's float32 -> float16 rounding (nearest, ties to even), the dense store's storage precision."""
    np.seterr(over="ignore")
    v = np.concatenate([
        rng.normal(size=40).astype(np.float32) * np.float32(3),
        np.array([0, -0.0, 1, -1, 65504, 65519, 65520, 1e6, -1e6, 6.1e-5, 6.0e-8, 2.9e-8, 3.0e-8, 1e-9, 0.1, 1 / 3,
                  1 + 2 ** -11, 1 + 3 * 2 ** -11, 2048 + 1, 2048 + 3, 5.96e-8, 1.0009765625], dtype=np.float32),
        (rng.normal(size=20) * 1e-5).astype(np.float32),
    ]).astype(np.float32)
    return {"values": [float(x) for x in v], "bits": v.astype(np.float16).view(np.uint16).astype(int).tolist(),
            "decoded": [float(x) if np.isfinite(x) else str(x) for x in v.astype(np.float16).astype(np.float64)]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "test" / "golden" / "correspondence"))
    args = ap.parse_args()
    rng = np.random.default_rng(16)
    golden = {
        "reference": f"mbanani/probe3d@{PROBE3D_COMMIT} (numpy transcription, checked against torch {torch.__version__})",
        "sampling": sampling_cases(rng),
        "normalize": normalize_case(rng),
        "keypoint_frame": keypoint_frame_cases(),
        "transfer": transfer_cases(rng),
        "recall": recall_cases(),
        "binned": binned_cases(rng),
        "matching": matching_cases(rng),
        "float16": float16_case(rng),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(golden, indent=None, separators=(",", ":")) + "\n"
    (out / "matching.json").write_text(text)
    print(f"wrote {out / 'matching.json'} ({len(text)} bytes)")


if __name__ == "__main__":
    main()
