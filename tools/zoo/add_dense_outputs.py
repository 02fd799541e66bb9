#!/usr/bin/env python3
"""Give the zoo's ViT (`base`) and convnet (`arch-convnet`) image towers a dense output (issue 16), without retraining.

Adds a second output `dense_features` [batch, C, H', W'] to `onnx/vision_model.onnx`, in the layout the exporter's
`--dense` writes (tools/export/holoclip_export/dense.py), and the matching `dense` block to `holoclip.json` (and the
card's new vision_model.onnx sha256):
  - base (ViT, 64 px, patch 8): the last encoder layer's output (before post_layernorm, as the exporter and HF
    `last_hidden_state` do), class token removed, tokens reshaped to the 8x8 patch grid: Slice + Transpose + Reshape
    nodes on the tensor that feeds the class-token Gather.
  - arch-convnet: the last stage's feature map (the last conv3x3-(BN folded)-ReLU, 128 x 4 x 4), the tensor the
    global average pool reads.
The graph is otherwise untouched, so `image_embeds` is unchanged (checked: max |diff| must be 0).

Torch reference: the tower is rebuilt in torch from the ONNX weights (ViT: tools/fixtures/build_fixtures.py's
ClipVisionTransformer, the module the zoo was trained with; convnet: the conv chain with BatchNorm folded as the
exporter folded it); the rebuilt tower's image_embeds must equal onnxruntime's within 1e-5, and its dense map is
written as a golden (test/golden/correspondence/zoo-dense.json) on a synthetic input.

    /work/venv-pre/bin/python tools/zoo/add_dense_outputs.py       # onnx, onnxruntime, torch, numpy

Idempotent: a folder whose vision_model.onnx already has dense_features is only re-checked.
"""
import hashlib
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools", "fixtures"))

VIT_LAST = "/vision_model/encoder/layers.3/Add_1_output_0"
CONV_LAST = "/vision_model/features/features.14/Relu_output_0"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def synthetic(shape):
    """pixel[i] = ((i * 37) % 101) / 50 - 1, as tools/export/make_dense_golden.py and test/export-dense.test.ts."""
    n = int(np.prod(shape))
    return (((np.arange(n) * 37) % 101) / 50 - 1).astype(np.float32).reshape(shape)


def add_vit_output(model, grid, width):
    g = model.graph
    const = lambda name, vals: g.initializer.append(numpy_helper.from_array(np.array(vals, dtype=np.int64), name))
    const("dense/starts", [1]); const("dense/ends", [2 ** 62]); const("dense/axes", [1]); const("dense/shape", [0, width, grid, grid])
    g.node.extend([
        helper.make_node("Slice", [VIT_LAST, "dense/starts", "dense/ends", "dense/axes"], ["dense/patch_tokens"], name="dense/Slice"),
        helper.make_node("Transpose", ["dense/patch_tokens"], ["dense/channels_first"], perm=[0, 2, 1], name="dense/Transpose"),
        helper.make_node("Reshape", ["dense/channels_first", "dense/shape"], ["dense_features"], name="dense/Reshape"),
    ])
    g.output.append(helper.make_tensor_value_info("dense_features", TensorProto.FLOAT, ["batch_size", width, grid, grid]))


def add_conv_output(model, channels, side):
    g = model.graph
    g.node.append(helper.make_node("Identity", [CONV_LAST], ["dense_features"], name="dense/Identity"))
    g.output.append(helper.make_tensor_value_info("dense_features", TensorProto.FLOAT, ["batch_size", channels, side, side]))


def run(path, px):
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, {"pixel_values": px})))


def weights(model):
    return {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}


def matmul_weights(model):
    """module path -> torch Linear weight, from MatMul nodes named after their module (/vision_model/.../fc1/MatMul)."""
    init = weights(model)
    out = {}
    for n in model.graph.node:
        if n.op_type == "MatMul" and n.input[1] in init:
            path = n.output[0].strip("/").rsplit("/", 1)[0].replace("/", ".")
            if n.output[0] == "image_embeds":
                path = "visual_projection"
            out[path] = init[n.input[1]].T
    return out


def torch_vit(model, cfg):
    import build_fixtures as bf
    vt = bf.ClipVisionTransformer(cfg["vision_config"])
    proj = torch.nn.Linear(cfg["vision_config"]["hidden_size"], cfg["projection_dim"], bias=False)
    init = weights(model)
    state = {k[len("m.vision_model."):]: torch.tensor(v) for k, v in init.items() if k.startswith("m.vision_model.")}
    for path, w in matmul_weights(model).items():
        if path == "visual_projection":
            proj.weight.data = torch.tensor(np.ascontiguousarray(w))
        else:
            state[path[len("vision_model."):] + ".weight"] = torch.tensor(np.ascontiguousarray(w))
    expand = [v for k, v in init.items() if k.startswith("onnx::Expand")]
    state["class_embedding"] = torch.tensor(expand[0]).reshape(-1)
    missing, unexpected = vt.load_state_dict(state, strict=False)
    missing = [m for m in missing if m != "class_embedding"]
    assert not missing and not unexpected, (missing, unexpected)

    def forward(px):
        last, pooled = vt(px)
        grid = int(round((last.shape[1] - 1) ** 0.5))
        dense = last[:, 1:].transpose(1, 2).reshape(last.shape[0], -1, grid, grid)
        return proj(pooled), dense
    return forward


def torch_convnet(model):
    init = weights(model)
    convs = [(init[n.input[1]], init[n.input[2]], list(helper.get_attribute_value(a) for a in n.attribute if a.name == "strides")[0])
             for n in model.graph.node if n.op_type == "Conv"]
    ln_w, ln_b = init["m.vision_model.post_layernorm.weight"], init["m.vision_model.post_layernorm.bias"]
    proj = matmul_weights(model)["visual_projection"]

    def forward(px):
        x = px
        for w, b, s in convs:
            x = F.relu(F.conv2d(x, torch.tensor(w), torch.tensor(b), stride=s, padding=1))
        pooled = F.layer_norm(x.flatten(2).mean(dim=2), (x.shape[1],), torch.tensor(ln_w), torch.tensor(ln_b), eps=1e-5)
        return pooled @ torch.tensor(proj).T, x
    return forward


def main():
    golden = {"input": "pixel[i] = ((i * 37) % 101) / 50 - 1, shape [2, 3, 64, 64]", "models": {}}
    for name, kind in [("base", "vit"), ("arch-convnet", "convnet")]:
        folder = os.path.join(REPO, "models", "zoo", name)
        path = os.path.join(folder, "onnx", "vision_model.onnx")
        cfg = json.load(open(os.path.join(folder, "config.json")))
        model = onnx.load(path)
        px = synthetic((2, 3, 64, 64))
        if "dense_features" not in [o.name for o in model.graph.output]:
            before = run(path, px)["image_embeds"]
            if kind == "vit":
                add_vit_output(model, 8, cfg["vision_config"]["hidden_size"])
            else:
                add_conv_output(model, 128, 4)
            onnx.checker.check_model(model)
            onnx.save(model, path)
            after = run(path, px)
            diff = float(np.abs(after["image_embeds"] - before).max())
            assert diff == 0.0, f"{name}: image_embeds changed by {diff}"
            print(f"{name}: added dense_features {list(after['dense_features'].shape)}; image_embeds unchanged (max |diff| 0)")
        out = run(path, px)
        forward = torch_vit(model, cfg) if kind == "vit" else torch_convnet(model)
        with torch.no_grad():
            t_emb, t_dense = forward(torch.tensor(px))
        emb_diff = float(np.abs(t_emb.numpy() - out["image_embeds"]).max())
        dense_diff = float(np.abs(t_dense.numpy() - out["dense_features"]).max())
        assert emb_diff < 1e-5 and dense_diff < 1e-4, (name, emb_diff, dense_diff)
        print(f"{name}: torch rebuild vs onnxruntime: image_embeds {emb_diff:.2e}, dense {dense_diff:.2e}")
        dense = {
            "output": "dense_features",
            "layout": "NCHW",
            "source": ("vision_model.encoder.layers[-1] output (before post_layernorm), class token removed, 8x8 patch grid"
                       if kind == "vit" else "vision_model.features: the last conv3x3-BN-ReLU stage (global-average-pooled for image_embeds)"),
            "normalised": False,
            "stride": 8 if kind == "vit" else 16,
            **({"patch_size": 8} if kind == "vit" else {}),
            "grid": [8, 8] if kind == "vit" else [4, 4],
            "added_by": "tools/zoo/add_dense_outputs.py (graph outputs added to the trained export; image_embeds unchanged)",
        }
        card_path = os.path.join(folder, "holoclip.json")
        card = json.load(open(card_path))
        card["dense"] = dense
        card["files_sha256"]["onnx/vision_model.onnx"] = sha256(path)
        with open(card_path, "w") as f:
            json.dump(card, f, indent=2)
            f.write("\n")
        t = t_dense.numpy().astype(np.float64)
        flat = t.reshape(-1)
        idx = sorted(set([0, 1, len(flat) - 1] + list(range(7, len(flat), max(1, len(flat) // 40)))))
        golden["models"][name] = {
            "shape": list(t.shape), "sum": float(flat.sum()), "abs_sum": float(np.abs(flat).sum()),
            "samples": {str(i): float(flat[i]) for i in idx},
            "torch_vs_onnxruntime_max_abs_diff": {"image_embeds": emb_diff, "dense": dense_diff},
        }
    out = os.path.join(REPO, "test", "golden", "correspondence", "zoo-dense.json")
    with open(out, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
