#!/usr/bin/env python3
"""Golden labels of ImageNet-D's LMM answer matching, made by running the reference script itself.

Reference: chenshuang-zhang/imagenet_d, LLaVA/compute_accuracy.py at commit
d8bb2dfdc91dc56ce8d39ae639b1f9cc1a663aac (fetched outside this repository; pass its checkout with --repo).
The script walks a results folder for `*LLava_predictions.csv` files (tab-separated: image_dir, gt_category,
pred_category, question, answer), labels each answer LLaVa TRUE / FALSE / DOUBLE / TODO, writes
`*_formated.csv` and prints TRUE / FALSE / accuracy. Here its source is run unchanged except for the results
folder (its hard-coded `orginal_txt_root`), on a table of real-world-style answers below; the labels it writes and
the accuracy it prints go to test/golden/lmm/answer-labels.json, which test/lmm-answers.test.ts checks
holoclip's labelAnswer() against.

    /usr/bin/python3 tools/goldens/make_lmm_answer_goldens.py --repo /work/.mirror/chenshuang-zhang+imagenet_d/repo

Needs pandas and numpy (Debian's python3-pandas 1.5, python3-numpy 1.24). Deterministic output.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

COMMIT = "d8bb2dfdc91dc56ce8d39ae639b1f9cc1a663aac"
Q = "What is the main object in this image? Choose from the following list: {}, {}."

# (true class, distractor, answer): answers in the styles LMMs give (a bare name, a sentence, both names, hedges,
# refusals, capitals, punctuation), including every kind of synonym and the two overlapping pairs.
CASES = [
    ("dog", "cat", "Dog"),
    ("dog", "cat", "The main object in this image is a dog."),
    ("dog", "cat", "CAT"),
    ("dog", "cat", "The main object in the image is a cat, not a dog."),
    ("dog", "cat", "I'm not sure what this is."),
    ("dog", "cat", "It looks like a caterpillar."),
    ("dog", "cat", "dogs"),
    ("dog", "cat", "A hotdog."),
    ("tv", "laptop (open)", "The main object is a television set."),
    ("tv", "laptop (open)", "Laptop"),
    ("tv", "laptop (open)", "laptop (open)"),
    ("weight (exercise)", "hammer", "A dumbbell."),
    ("weight (exercise)", "hammer", "A heavy weight on the floor."),
    ("hammer", "weight (exercise)", "The image shows a dumbbell."),
    ("t shirt", "sweater", "A red T-shirt."),
    ("t shirt", "sweater", "a shirt with a sweater pattern"),
    ("band aid", "envelope", "Bandaid"),
    ("band aid", "envelope", "A band-aid."),
    ("coffee or french press", "teapot", "This is a French press."),
    ("coffee or french press", "teapot", "A coffee maker next to a teapot."),
    ("cellphone", "remote control", "A mobile phone."),
    ("cellphone", "remote control", "Cell phone"),
    ("matchstick", "candle", "A match."),
    ("matchstick", "candle", "A candle being lit with a match."),
    ("ladle", "frying pan", "A large spoon."),
    ("alarm clock", "cup", "A clock."),
    ("pop can", "bottle", "A can of soda."),
    ("pop can", "bottle", "A soda can."),
    ("sandal", "dress shoe (men)", "Flip flop"),
    ("sandal", "dress shoe (men)", "A dress shoe."),
    ("still camera", "binoculars", "A camera."),
    ("computer mouse", "keyboard", "Mouse."),
    ("wheel", "tire", "A bicycle wheel."),
    ("lampshade", "lamp", "A lamp shade."),
    ("pen", "can opener", "A pen."),
    ("pen", "can opener", "A can opener."),
    ("pen", "can opener", "It is an open can."),
    ("can opener", "pen", "A can opener."),
    ("can opener", "pen", "A pen."),
    ("can opener", "pen", "Scissors"),
    ("plate", "drying rack for plates", "A plate."),
    ("plate", "drying rack for plates", "A drying rack for plates."),
    ("drying rack for plates", "plate", "The main object is a drying rack for plates."),
    ("drying rack for plates", "plate", "A plate"),
    ("drying rack for plates", "plate", "A dish rack"),
    ("bread loaf", "baseball", "Bread"),
    ("soup bowl", "mixing or salad bowl", "A bowl of soup"),
    ("soup bowl", "mixing or salad bowl", "A salad bowl"),
    ("soup bowl", "mixing or salad bowl", "A bowl"),
    ("water bottle", "pill bottle", "A bottle of water"),
    ("water bottle", "pill bottle", "Pills in a bottle"),
    ("trash bin", "bucket", "A trash can."),
    ("winter glove", "sock", "Gloves!"),
    ("iron (for clothes)", "kettle", "An iron."),
    ("nail (fastener)", "screw", "A nail"),
    ("binder (closed)", "book (closed)", "A binder"),
    ("portable heater", "fan", "A space heater."),
    ("dishcloth", "towel", "A dishrag"),
    ("swimming trunks", "shorts", "Swimming trunk"),
    ("weight scale", "clock", "A bathroom scale"),
    ("toilet paper roll", "paper towel", "A roll of toilet paper"),
    ("banana", "apple", "\"banana\""),
    ("banana", "apple", "banana, apple"),
    ("banana", "apple", "Answer: APPLE."),
    ("banana", "apple", ""),
    ("chair", "table", "The main object in this image is a chair; there is also a small table behind it."),
]


def run_reference(repo: Path) -> tuple[list[str], str]:
    source = subprocess.run(["git", "-C", str(repo), "show", f"{COMMIT}:LLaVA/compute_accuracy.py"], check=True, capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results" / "background" / "tiny"
        results.mkdir(parents=True)
        with open(results / "LLava_predictions.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, delimiter="\t")
            w.writerow(["image_dir", "gt_category", "pred_category", "question", "answer"])
            for i, (t, d, a) in enumerate(CASES):
                # pandas reads an empty field as NaN (the reference would crash on it): an empty answer is a space.
                w.writerow([f"background/x/{i}.jpg", t, d, Q.format(t, d), a if a != "" else " "])
        root_line = "orginal_txt_root = '/media/philipp/ssd1_2tb/zcs_projects/homework/imagenet_d/LLaVA/results_acceptance/'"
        assert root_line in source, "the reference's results folder line changed"
        patched = source.replace(root_line, f"orginal_txt_root = {str(Path(tmp) / 'results')!r}")
        out = io.StringIO()
        with redirect_stdout(out):
            exec(compile(patched, "compute_accuracy.py", "exec"), {"__name__": "__main__"})
        import pandas as pd

        df = pd.read_csv(results / "LLava_predictions_formated.csv", sep="\t", keep_default_na=False)
        labels = [str(v).replace("LLaVa ", "") for v in df["LLaVa_correct"]]
        return labels, out.getvalue().strip()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", type=Path, required=True, help="a git checkout of chenshuang-zhang/imagenet_d")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "test" / "golden" / "lmm" / "answer-labels.json")
    args = ap.parse_args()
    labels, printed = run_reference(args.repo)
    assert len(labels) == len(CASES)
    rows = [{"true": t, "distractor": d, "answer": a if a != "" else " ", "label": l} for (t, d, a), l in zip(CASES, labels)]
    n_true = labels.count("TRUE")
    n_false = labels.count("FALSE")
    doc = {
        "reference": f"chenshuang-zhang/imagenet_d@{COMMIT} LLaVA/compute_accuracy.py, run unchanged but for its results folder",
        "printed": printed,
        "counts": {k: labels.count(k) for k in ("TRUE", "FALSE", "DOUBLE", "TODO")},
        "accuracy": n_true / (n_true + n_false),
        "cases": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(rows)} cases, {doc['counts']}, accuracy {doc['accuracy']}")


if __name__ == "__main__":
    main()
