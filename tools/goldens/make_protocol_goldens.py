#!/usr/bin/python3
"""Goldens for the dataset protocols of issue 12, computed by the REFERENCE CODE ITSELF, run outside the repo.

Run from the repository root with Debian's Python (numpy, pandas, scipy, tqdm: apt python3-pandas python3-scipy
python3-tqdm):

    /usr/bin/python3 tools/goldens/make_protocol_goldens.py [--shared ../shared/refdata] [--mirror /work/.mirror]

The reference repositories are read from git checkouts (the `fetch` tool's mirrors, or any clone) at the commits
below; each file is exported to a temporary folder and imported or executed from there (nothing is copied into
holoclip):
- facebookresearch/imagenetx@6403d41a5cc435543a63060e336bc2452e3ad223: the `imagenet_x` package, run as is:
  `load_annotations(which_factor, partition, filter_prototypes)`, `augment_model_predictions`,
  `compute_factor_accuracies(..., error_type="is_correct")` and `error_ratio` (the body of aggregate.py's
  `get_factor_accuracies`, whose `load_model_predictions` would need a prediction for each of the 50,000 val images).
  (a) partition "train": the released train annotations (the shared copy) with synthetic predictions (rule below),
      filter_prototypes True and False. The 3,000 prototypical images are ImageNet VAL images, so nothing is dropped
      from the train annotations: both results are equal, which the golden records.
  (b) partition "val": the val annotation files are not in the mirror (git LFS-size objects absent), so a synthetic
      val annotation file is written into the exported package: 400 val images, half of them listed in
      prototypical_paths.csv; factors and predictions from a fixed seed. Both are committed next to the golden.
- chenshuang-zhang/imagenet_d@d8bb2dfdc91dc56ce8d39ae639b1f9cc1a663aac, evaluate_vlm.py: the statements of
  `test_model` that build `category_list` and the prompt are taken from the file's AST and executed on
  preprocessing/imgnet_d_dir2imgnet_d_id.txt (the rest of the function needs a GPU and OpenAI's clip).
- LAION-AI/CLIP_benchmark@48de38c1689fa6d8b4dd53e3370c669c3bb18117, clip_benchmark/datasets/objectnet.py imported as
  is with `torch` / `torchvision` stubbed (only `datasets.ImageFolder` is used, stubbed as an empty folder reader),
  `ObjectNetDataset(root)` built on a temporary root holding imagenet-testbed's mapping files (the same files the
  ObjectNet release ships; `pytorch_to_imagenet_2012_id.json` and `imagenet_to_label_2012_v2` are written as the
  identity / the ImageNet label strings, which only feed `class_sublist`, not the classes or labels); templates
  chosen by builder.py's `value_from_first_key_found(default_templates, [dataset_name, "imagenet1k"])` taken from
  its AST.

Writes test/golden/protocols/{imagenetx.json, imagenetx_val_synthetic.jsonl, imagenetx_val_synthetic_pred.csv,
imagenet_d.json, objectnet_113.json}. Deterministic: rerunning writes identical files.
"""
import argparse
import ast
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import types
from pathlib import Path

import numpy as np
import pandas as pd

IMAGENETX = ("facebookresearch+imagenetx", "6403d41a5cc435543a63060e336bc2452e3ad223")
IMAGENET_D = ("chenshuang-zhang+imagenet_d", "d8bb2dfdc91dc56ce8d39ae639b1f9cc1a663aac")
CLIP_BENCHMARK = ("LAION-AI+CLIP_benchmark", "48de38c1689fa6d8b4dd53e3370c669c3bb18117")


def git_dir(mirror: Path, name: str) -> Path:
    d = mirror / name / "repo"
    if not d.exists():
        sys.exit(f"{d} is missing: fetch the repository first (github:{name.replace('+', '/')})")
    return d


def export(repo: Path, commit: str, paths, dest: Path) -> None:
    """git archive the given paths at `commit` into dest (large objects absent from the mirror are skipped)."""
    for p in paths:
        try:
            data = subprocess.run(["git", "-C", str(repo), "archive", commit, p], check=True, capture_output=True).stdout
        except subprocess.CalledProcessError as e:
            sys.exit(f"git archive {p}@{commit} in {repo}: {e.stderr.decode()}")
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(dest)


def show(repo: Path, commit: str, path: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "show", f"{commit}:{path}"], check=True, capture_output=True).stdout.decode()


def none_nan(x):
    if isinstance(x, float) and x != x:
        return None
    return x


# --------------------------------------------------------------------------------------------------
# ImageNet-X
def train_prediction(i: int, cls: int) -> int:
    """Synthetic prediction of the i-th train annotation (file order): wrong for every 3rd and every 7th image."""
    return (cls + 1) % 1000 if (i % 3 == 1 or i % 7 == 0) else cls


def imagenetx(mirror: Path, shared: Path, out: Path) -> dict:
    repo = git_dir(mirror, IMAGENETX[0])
    tmp = Path(tempfile.mkdtemp(prefix="imagenetx-ref-"))
    export(repo, IMAGENETX[1], [
        "imagenet_x/__init__.py", "imagenet_x/utils.py", "imagenet_x/aggregate.py",
        "imagenet_x/annotations/__init__.py", "imagenet_x/annotations/filename_label.csv",
        "imagenet_x/annotations/imagenet_1k_classes_to_100_metaclasses.csv", "imagenet_x/annotations/imagenet_labels.txt",
        "imagenet_x/annotations/imagenet_real_labels.jsonl", "imagenet_x/annotations/prototypical_paths.csv",
    ], tmp)
    ann_dir = tmp / "imagenet_x" / "annotations"
    # The train annotations: the shared copy (same bytes as the repo's, registered by sha256).
    for which in ("top", "multi"):
        (ann_dir / f"imagenet_x_train_{which}_factor.jsonl").write_bytes((shared / "imagenetx" / f"imagenet_x_train_{which}_factor.jsonl").read_bytes())

    # Synthetic val annotations: 200 prototypical + 200 other val images.
    rng = np.random.default_rng(12)
    protos = pd.read_csv(ann_dir / "prototypical_paths.csv").file_name.tolist()
    labels = pd.read_csv(ann_dir / "filename_label.csv").set_index("file_name").label
    others = [f for f in labels.index if f not in set(protos)]
    files = sorted(list(rng.choice(protos, 200, replace=False)) + list(rng.choice(others, 200, replace=False)))
    from_repo_factors = [
        "pose", "background", "pattern", "color", "smaller", "shape", "partial_view", "subcategory",
        "texture", "larger", "darker", "object_blocking", "person_blocking", "style", "brighter", "multiple_objects",
    ]
    lines, preds = [], []
    for f in files:
        rec = {"file_name": f, "class": int(labels[f])}
        active = rng.random(len(from_repo_factors)) < 0.15
        active[rng.integers(len(from_repo_factors))] = True
        for name, a in zip(from_repo_factors, active):
            rec[name] = int(a)
        lines.append(json.dumps(rec))
        # prototypical images are easy (as in ImageNet-X): right 90% of the time, the others 55%.
        p_ok = 0.9 if f in set(protos) else 0.55
        cls = int(labels[f]) if rng.random() < p_ok else int((labels[f] + 1 + rng.integers(998)) % 1000)
        preds.append(f"{f},{cls},{rng.random():.6f}")
    val_text = "\n".join(lines) + "\n"
    (out / "imagenetx_val_synthetic.jsonl").write_text(val_text)
    (ann_dir / "imagenet_x_val_top_factor.jsonl").write_text(val_text)
    pred_text = "file_name,predicted_class,predicted_probability\n" + "\n".join(preds) + "\n"
    (out / "imagenetx_val_synthetic_pred.csv").write_text(pred_text)

    sys.path.insert(0, str(tmp))
    import imagenet_x  # noqa: E402  (the reference package, exported above)
    from imagenet_x import FACTORS, augment_model_predictions, compute_factor_accuracies, error_ratio, load_annotations  # noqa: E402

    def run(model_csv: str, partition: str, which: str, filter_prototypes: bool) -> dict:
        # get_factor_accuracies' body, with the predictions given as a DataFrame: its load_model_predictions
        # needs a prediction for each of the 50,000 val images in filename_label.csv order.
        ann = load_annotations(which_factor=which, partition=partition, filter_prototypes=filter_prototypes)
        models = {"synthetic": pd.read_csv(io.StringIO(model_csv))}
        acc = compute_factor_accuracies(augment_model_predictions(ann, models), FACTORS, error_type="is_correct")
        er = error_ratio(acc)
        row, err = acc.loc["synthetic"], er.loc["synthetic"]
        return {
            "filter_prototypes": filter_prototypes,
            "annotations_kept": int(len(ann)),
            "average": float(row["average"]),
            "worst_factor_accuracy": none_nan(float(row["worst_factor"])),
            "accuracy": {f: none_nan(float(row[f])) for f in FACTORS},
            "error_ratio": {f: none_nan(float(err[f])) for f in FACTORS},
        }

    train = pd.read_json(ann_dir / "imagenet_x_train_top_factor.jsonl", lines=True)
    train_csv = "file_name,predicted_class,predicted_probability\n" + "\n".join(
        f"{f},{train_prediction(i, int(c))},0.5" for i, (f, c) in enumerate(zip(train.file_name, train["class"]))
    ) + "\n"
    result = {
        "reference": f"facebookresearch/imagenetx@{IMAGENETX[1]} imagenet_x.get_factor_accuracies + error_ratio",
        "factors": FACTORS,
        "train": {
            "annotations": "imagenetx/imagenet_x_train_top_factor.jsonl",
            "prediction_rule": "i-th annotation in file order: (class + 1) % 1000 when i % 3 == 1 or i % 7 == 0, else class",
            "runs": [run(train_csv, "train", "top", True), run(train_csv, "train", "top", False)],
        },
        "val_synthetic": {
            "annotations": "imagenetx_val_synthetic.jsonl",
            "predictions": "imagenetx_val_synthetic_pred.csv",
            "prototypical_in_annotations": 200,
            "runs": [run(pred_text, "val", "top", True), run(pred_text, "val", "top", False)],
        },
    }
    sys.path.remove(str(tmp))
    return result


# --------------------------------------------------------------------------------------------------
# ImageNet-D
def imagenet_d(mirror: Path) -> dict:
    repo = git_dir(mirror, IMAGENET_D[0])
    src = show(repo, IMAGENET_D[1], "evaluate_vlm.py")
    fn = next(n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name == "test_model")
    with_block = next(n for n in fn.body if isinstance(n, ast.With))
    tmp = Path(tempfile.mkdtemp(prefix="imagenet-d-ref-"))
    export(repo, IMAGENET_D[1], ["preprocessing/imgnet_d_dir2imgnet_d_id.txt"], tmp)
    cwd = os.getcwd()
    os.chdir(tmp)  # the reference opens 'preprocessing/imgnet_d_dir2imgnet_d_id.txt' relative to the working dir
    try:
        scope = {"json": json}
        exec(compile(ast.Module(body=[with_block], type_ignores=[]), "evaluate_vlm.py", "exec"), scope)
    finally:
        os.chdir(cwd)
    # The prompt: the f-string passed to clip.tokenize in `text_inputs = torch.cat([...])`.
    tokenize = next(
        n for n in ast.walk(fn)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "tokenize"
    )
    fstring = tokenize.args[0]
    template = "".join(v.value if isinstance(v, ast.Constant) else "{c}" for v in fstring.values)
    raw = [v[1] for v in scope["sorted_categories"]]
    return {
        "reference": f"chenshuang-zhang/imagenet_d@{IMAGENET_D[1]} evaluate_vlm.py test_model",
        "template": template,
        "raw_names": raw,
        "category_list": scope["category_list"],
        "names_changed_by_cleaning": sum(1 for a, b in zip(raw, scope["category_list"]) if a != b),
        "folders_whose_name_changes": sum(1 for folder, v in scope["category_mapping"].items() if folder != scope["category_list"][v[0]]),
    }


# --------------------------------------------------------------------------------------------------
# CLIP_benchmark ObjectNet
def objectnet_113(mirror: Path, shared: Path) -> dict:
    repo = git_dir(mirror, CLIP_BENCHMARK[0])
    tmp = Path(tempfile.mkdtemp(prefix="clipb-ref-"))
    export(repo, CLIP_BENCHMARK[1], ["clip_benchmark/datasets/objectnet.py", "clip_benchmark/datasets/builder.py",
                                    "clip_benchmark/datasets/en_zeroshot_classification_templates.json",
                                    "clip_benchmark/datasets/en_classnames.json"], tmp)
    # Stubs: objectnet.py imports torch / torchvision / PIL but only subclasses datasets.ImageFolder.
    class ImageFolder:
        def __init__(self, root, transform=None):
            self.root, self.transform, self.samples = root, transform, []
    tv = types.ModuleType("torchvision"); tv.datasets = types.SimpleNamespace(ImageFolder=ImageFolder)
    tvt = types.ModuleType("torchvision.transforms"); tvt.Compose = object
    for name, mod in {"torch": types.ModuleType("torch"), "torchvision": tv, "torchvision.transforms": tvt, "PIL": types.ModuleType("PIL")}.items():
        sys.modules.setdefault(name, mod)
    spec_src = (tmp / "clip_benchmark/datasets/objectnet.py").read_text()
    objectnet = types.ModuleType("objectnet")
    exec(compile(spec_src, "objectnet.py", "exec"), objectnet.__dict__)

    root = tmp / "objectnet_root"
    (root / "objectnet-1.0" / "images").mkdir(parents=True)
    tb = shared / "imagenet_testbed"
    for f in ("folder_to_objectnet_label.json", "objectnet_to_imagenet_1k.json"):
        (root / f).write_bytes((tb / f).read_bytes())
    labels = json.loads((tb / "imagenet_to_labels.json").read_text())
    (root / "pytorch_to_imagenet_2012_id.json").write_text(json.dumps({str(i): i for i in range(1000)}))
    (root / "imagenet_to_label_2012_v2").write_text("".join(labels[str(i)] + "\n" for i in range(1000)))
    ds = objectnet.ObjectNetDataset(root=str(root), transform=None)

    builder = (tmp / "clip_benchmark/datasets/builder.py").read_text()
    vff = next(n for n in ast.parse(builder).body if isinstance(n, ast.FunctionDef) and n.name == "value_from_first_key_found")
    scope = {}
    exec(compile(ast.Module(body=[vff], type_ignores=[]), "builder.py", "exec"), scope)
    default_templates = json.loads((tmp / "clip_benchmark/datasets/en_zeroshot_classification_templates.json").read_text())
    default_classnames = json.loads((tmp / "clip_benchmark/datasets/en_classnames.json").read_text())
    templates = scope["value_from_first_key_found"](default_templates, keys=["objectnet", "imagenet1k"])
    return {
        "reference": f"LAION-AI/CLIP_benchmark@{CLIP_BENCHMARK[1]} clip_benchmark/datasets/objectnet.py ObjectNetDataset + builder.py templates",
        "classes": ds.classes,
        "label_map": ds.label_map,
        "classnames_file_has_objectnet": "objectnet" in default_classnames,
        "templates_key": "objectnet" if "objectnet" in default_templates else "imagenet1k",
        "templates": templates,
        "class_sublist_size": len(ds._class_sublist),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared/refdata")
    ap.add_argument("--mirror", default="/work/.mirror")
    ap.add_argument("--out", default="test/golden/protocols")
    a = ap.parse_args()
    shared, mirror, out = Path(a.shared), Path(a.mirror), Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    goldens = {
        "imagenet_d.json": imagenet_d(mirror),
        "objectnet_113.json": objectnet_113(mirror, shared),
        "imagenetx.json": imagenetx(mirror, shared, out),
    }
    for name, value in goldens.items():
        (out / name).write_text(json.dumps(value, indent=1, sort_keys=False) + "\n")
        print(f"wrote {out / name}")


if __name__ == "__main__":
    main()
