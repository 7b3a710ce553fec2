"""Evidently's per-column drift verdicts (DataDriftPreset, all defaults) for one reference and
one or more current CSVs, as JSON on stdout: {"evidently": version, "currents": [{name:
{"method", "score", "threshold", "drifted"}}, ...]}, one entry per current file, in order.

Usage: verdicts.py REFERENCE.csv CURRENT.csv [CURRENT.csv ...] --numeric a,b --categorical c,d [--text e]

Columns are declared, as an Experiment declares them (Evidently would otherwise guess the type
of 0/1 columns); empty cells and NA are missing values.
"""
import argparse
import json
import sys

import pandas as pd
import evidently
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset


def names(value):
    return [n for n in (value or "").split(",") if n]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("reference")
    parser.add_argument("current", nargs="+")
    parser.add_argument("--numeric", default="")
    parser.add_argument("--categorical", default="")
    parser.add_argument("--text", default="")
    args = parser.parse_args()
    numeric, categorical, text = names(args.numeric), names(args.categorical), names(args.text)
    columns = numeric + categorical + text
    types = {c: "float64" for c in numeric}
    types.update({c: "string" for c in categorical + text})
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical, text_columns=text)

    def dataset(path):
        frame = pd.read_csv(path, usecols=columns, dtype=types, keep_default_na=False, na_values=["", "NA"])
        for c in categorical + text:
            frame[c] = frame[c].astype(object)
        return Dataset.from_pandas(frame, data_definition=definition)

    reference = dataset(args.reference)
    currents = [verdicts(reference, dataset(path), columns) for path in args.current]
    json.dump({"evidently": evidently.__version__, "currents": currents}, sys.stdout, indent=1)


def verdicts(reference, current, columns):
    snapshot = Report([DataDriftPreset()], include_tests=True).run(current, reference).dict()
    out = {}
    for metric in snapshot["metrics"]:
        config = metric["config"]
        if config.get("type") == "evidently:metric_v2:ValueDrift":
            out[config["column"]] = {"method": config.get("method"), "score": metric["value"], "threshold": config.get("threshold")}
    for test in snapshot.get("tests", []):
        prefix = "Value Drift for column "
        if test["name"].startswith(prefix):
            out[test["name"][len(prefix):]]["drifted"] = test["status"] == "FAIL"
    missing = [c for c in columns if c not in out or "drifted" not in out[c]]
    if missing:
        sys.exit(f"Evidently gave no verdict for {missing}")
    return out


if __name__ == "__main__":
    main()
