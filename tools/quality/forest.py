"""The reference forest on the folds QualityBenchmark used, printed next to the trainer's figures.

For each target/quality/<example>.json (the CSV, the label, the example Experiment's numeric and
categorical columns, each row's fold, the trainer's held-out figures): scikit-learn's
RandomForest, 100 trees, trained on the other folds and measured on the held-out one. Numeric
columns: a missing cell (empty or NA) takes the training folds' median. Categorical columns:
one-hot, a missing cell is its own category "NA", a category unseen in training is all zeros.
Usage: forest.py [--train-share S] bench/target/quality/house-prices.json bench/target/quality/hpc-jobs.json
--train-share 0.9 trains the forest on a seeded 90% of the training folds, as many rows as the
trainer's bundle gets from them with validationSplit 0.1 and no dataset.refit (it keeps the rest
to compare trials; with refit the bundle is trained on all of them, like the forest by default).
"""
import csv
import json
import sys

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, r2_score
from sklearn.preprocessing import OneHotEncoder


def cell(value):
    value = value.strip()
    return None if value in ("", "NA") else value


def load(spec):
    with open(spec["csv"], newline="", encoding="utf-8") as f:
        rows = [{k: cell(v) for k, v in r.items()} for r in csv.DictReader(f)]
    if len(rows) != len(spec["folds"]):
        sys.exit(f"{spec['csv']}: {len(rows)} rows, but the folds cover {len(spec['folds'])}")
    numeric = np.array([[np.nan if r[c] is None else float(r[c]) for c in spec["numeric"]] for r in rows], dtype=float)
    categorical = np.array([["NA" if r[c] is None else r[c] for c in spec["categorical"]] for r in rows], dtype=object)
    label = [r[spec["label"]] for r in rows]
    y = np.array([float(v) for v in label]) if spec["kind"] == "regression" else np.array(label, dtype=object)
    return np.concatenate([numeric.astype(object), categorical], axis=1), y


def forest(spec, fold_seed):
    n_num, n_cat = len(spec["numeric"]), len(spec["categorical"])
    columns = ColumnTransformer([
        ("numeric", SimpleImputer(strategy="median"), list(range(n_num))),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), list(range(n_num, n_num + n_cat))),
    ])
    model = (RandomForestRegressor if spec["kind"] == "regression" else RandomForestClassifier)(
        n_estimators=100, random_state=fold_seed, n_jobs=2)
    return columns, model


def figures(spec, y_true, y_pred):
    if spec["kind"] == "regression":
        return {"rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))), "r2": float(r2_score(y_true, y_pred))}
    return {"accuracy": float(accuracy_score(y_true, y_pred)), "macro_f1": float(f1_score(y_true, y_pred, average="macro"))}


def measure(spec, train_share):
    x, y = load(spec)
    folds = np.array(spec["folds"])
    keys = ["rmse", "r2"] if spec["kind"] == "regression" else ["accuracy", "macro_f1"]
    fmt = {"rmse": "{:,.0f}", "r2": "{:.4f}", "accuracy": "{:.4f}", "macro_f1": "{:.4f}"}
    print(f"\n{spec['example']}: {len(y)} rows, {folds.max() + 1} folds; held-out figures, ours (trainer + Java scorer) against the forest"
          + (f" trained on {train_share:.0%} of the training folds" if train_share < 1 else ""))
    print("| fold | rows | " + " | ".join(f"ours {k} | forest {k}" for k in keys) + " | ours: best trial's params |")
    print("|---" * (2 + 2 * len(keys) + 1) + "|")
    totals = {k: [[], []] for k in keys}
    for ours in spec["ours"]:
        f = ours["fold"]
        held = folds == f
        columns, model = forest(spec, f)
        train = np.flatnonzero(~held)
        if train_share < 1:
            train = np.random.default_rng(f).permutation(train)[: int(round(len(train) * train_share))]
        model.fit(columns.fit_transform(x[train]), y[train])
        theirs = figures(spec, y[held], model.predict(columns.transform(x[held])))
        cells = []
        for k in keys:
            totals[k][0].append(ours[k])
            totals[k][1].append(theirs[k])
            cells += [fmt[k].format(ours[k]), fmt[k].format(theirs[k])]
        params = ", ".join(f"{k}={v}" for k, v in ours["params"].items())
        print(f"| {f} | {int(held.sum())} | " + " | ".join(cells) + f" | {params} |")
    means = []
    for k in keys:
        means += [fmt[k].format(np.mean(totals[k][0])), fmt[k].format(np.mean(totals[k][1]))]
    print("| **mean** | | " + " | ".join(means) + " | |")


if __name__ == "__main__":
    args = sys.argv[1:]
    share = 1.0
    if args[:1] == ["--train-share"]:
        share, args = float(args[1]), args[2:]
    for path in args:
        with open(path, encoding="utf-8") as f:
            measure(json.load(f), share)
