# Regenerate the goldens read by test/corruptions-3dcc.test.ts:  cd test/golden/corruptions-3dcc && /usr/bin/python3 make_goldens.py
#
# A numpy transcription of the reference depth-of-field code (EPFL-VILAB/3DCommonCorruptions,
# create_3dcc/create_dof.py: compute_quantiles, compute_quantile_membership, separable_gaussian with
# cutoff_multiplier=3, composite_blur_stack, apertures severity + 2 / severity + 0.5, focus quantiles 0 / 7),
# plus fog_3d (create_fog.py) and flash (create_flash.py) with holoclip's depth normalisations
# (fog: 0.5 * min-max depth; flash: shading (d_min / d)^2). Outputs are truncated to bytes like the
# reference's ToPILImage / np.uint8 (with the same 1e-3 round-off allowance holoclip uses).
import numpy as np

H, W = 24, 32
rng = np.random.default_rng(20220617)

# A textured image and a depth map with a near blob, a far background and a ramp; max depth exactly 1.
image = rng.integers(0, 256, size=(H, W, 3), dtype=np.uint8)
yy, xx = np.mgrid[0:H, 0:W]
depth = 0.25 + 0.6 * (yy / (H - 1)) + 0.15 * rng.random((H, W))
depth[(yy - 8) ** 2 + (xx - 10) ** 2 < 30] = 0.2
depth = (depth / depth.max()).astype(np.float32)
np.save("image_24x32.npy", image)
np.save("depth_24x32.npy", depth)


def to_byte(x):
    return np.floor(np.clip(x, 0, 255) + 1e-3).clip(0, 255).astype(np.uint8)


def gaussian(m, std):
    if m == 1:
        return np.ones(1)
    n = np.arange(m) - (m - 1.0) / 2.0
    return np.exp(-(n ** 2) / (2 * std * std))


def separable_gaussian(img, r):
    # img: (H, W, 3) float; replicate padding, conv along x then y, each pass divided by the kernel sum.
    if r < 1e-1:
        return img
    cutoff = int(r * 3)
    if cutoff % 2 == 0:
        cutoff += 1
    fil = gaussian(cutoff, r)
    s = fil.sum()
    pad = cutoff // 2
    p = np.pad(img, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    a = sum(fil[k] * p[:, k:k + W, :] for k in range(cutoff)) / s
    return sum(fil[k] * a[k:k + H, :, :] for k in range(cutoff)) / s


def refocus(rgb, d, focus_idx, aperture, n=8):
    q = np.quantile(d.reshape(-1).astype(np.float64), np.arange(n + 1) / n)
    q[0] -= 1e-4
    q[-1] += 1e-4
    focus = q[focus_idx]
    radii = aperture * np.abs(q - focus) / q
    stack = [separable_gaussian(rgb, r) for r in radii]
    right = np.searchsorted(q, d.astype(np.float64), side="left")
    left = right - 1
    ql, qr = q[left], q[right]
    dl = (d - ql) / (qr - ql)
    dr = (qr - d) / (qr - ql)
    wl, wr = 1 - dl ** 2, 1 - dr ** 2
    out = np.zeros_like(rgb)
    for j in range(n + 1):
        wj = np.where(left == j, wl, 0) + np.where(right == j, wr, 0)
        out += wj[:, :, None] * stack[j]
    out /= (wl + wr)[:, :, None]
    return out


rgb = image.astype(np.float64)
for s in range(1, 6):
    np.save(f"near_focus_{s}.npy", to_byte(refocus(rgb, depth, 0, s + 2.0)))
    np.save(f"far_focus_{s}.npy", to_byte(refocus(rgb, depth, 7, s + 0.5)))
    alpha = [4, 8, 12, 16, 20][s - 1]
    d01 = (depth - depth.min()) / (depth.max() - depth.min())
    t = np.exp(-alpha * 0.5 * d01.astype(np.float64))[:, :, None]
    np.save(f"fog_3d_{s}.npy", to_byte(t * rgb + rgb.mean() * (1 - t)))
    scaler = [2.4, 1.4, 0.9, 0.6, 0.4][s - 1]
    shading = (depth.min() / depth.astype(np.float64)) ** 2
    np.save(f"flash_{s}.npy", to_byte(rgb * (1 + shading[:, :, None] / scaler)))

# Depth files as numpy writes them, for readDepthMap.
np.save("depth_u16_3x4.npy", np.array([[0, 1, 512, 8000], [65535, 2, 3, 4], [10, 20, 30, 40]], dtype="<u2"))
np.save("depth_f64_2x3.npy", np.array([[0.5, 1.25, 3.0], [7.5, 1e-3, 42.0]], dtype="<f8"))
np.save("depth_f32_2x3x1.npy", np.arange(6, dtype="<f4").reshape(2, 3, 1) * 0.5)
