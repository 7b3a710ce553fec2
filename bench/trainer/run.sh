#!/usr/bin/env bash
# Trainer benchmark: quality and cost of one trial, side by side with the baseline most teams
# start from (scikit-learn RandomForest, 100 trees) on the same split. Prints its figures;
# record them in docs/benchmarks.md. Not a test: run it by hand.
#
#   bash bench/trainer/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
# The examples read pvc://data/<file>: with this pvc root, claim "data" is examples/data.
export MODELOPS_PVC_ROOT="$root/examples"
work=$(mktemp -d)
# Debian's python3 (with its python3-sklearn) may not be the first python3 on PATH.
py=/usr/bin/python3
trap 'rm -rf "$work"' EXIT

if ! "$py" -c 'import sklearn, pandas' 2>/dev/null; then
  echo "installing python3-sklearn and python3-pandas (Debian)..." >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq python3-sklearn python3-pandas >/dev/null
fi
[ -f trainer-job/target/trainer-job.jar ] || ./mvnw -B -q -pl trainer-job -am package -DskipTests

jar="$root/trainer-job/target/trainer-job.jar"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%F)"
echo

echo "== telco churn: XGBoost trial (train + evaluate + write bundle, JVM start included)"
/usr/bin/time -f "wall %e s, max RSS %M KB" -o "$work/time.txt" \
  java -jar "$jar" --experiment examples/churn/experiment.yaml --param max_depth=4 --param eta=0.05 \
       --param min_child_weight=5 --param subsample=0.8 --output "$work/churn-bundle" \
       --export-split "$work/churn-valid-rows.txt" > "$work/churn.json"
xgb_auc=$(tail -1 "$work/churn.json" | python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["metrics"]["roc_auc"])')
echo "xgboost roc_auc $xgb_auc; $(cat "$work/time.txt"); timings $(tail -1 "$work/churn.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["timings"])')"

echo "== telco churn: scikit-learn RandomForest(100 trees) on the same split"
"$py" - "$work/churn-valid-rows.txt" <<'PY'
import sys, time
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
df = pd.read_csv("examples/data/telco-churn.csv")
valid = set(int(l) for l in open(sys.argv[1]))
y = (df.pop("churn") == "Yes").astype(int)
numeric = ["tenure", "monthly_charges", "total_charges", "female", "senior_citizen", "partner",
           "dependents", "phone_service", "paperless_billing"]
X = df[numeric].copy()
X["total_charges"] = pd.to_numeric(X["total_charges"], errors="coerce")
cat = [c for c in df.columns if c not in numeric]
X = pd.concat([X, pd.get_dummies(df[cat].astype(str))], axis=1)
is_valid = df.index.isin(valid)
X = X.fillna(X[~is_valid].median(numeric_only=True))
t = time.time()
rf = RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=7).fit(X[~is_valid], y[~is_valid])
auc = roc_auc_score(y[is_valid], rf.predict_proba(X[is_valid])[:, 1])
print("random forest roc_auc %.4f (fit+predict %.1f s, %d train / %d validation rows)" % (auc, time.time() - t, (~is_valid).sum(), is_valid.sum()))
PY

echo "== telco churn, the example command's parameters (max_depth=6, eta default 0.3)"
java -jar "$jar" --experiment examples/churn/experiment.yaml --param max_depth=6 --output "$work/churn-example" > "$work/example.json"
echo "xgboost roc_auc $(tail -1 "$work/example.json" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.4f" % r["metrics"]["roc_auc"], r["timings"])')"

echo "== telco churn bundle: single-record scoring (what the model server pays per prediction)"
java -cp "$jar" bench/trainer/ScorerBench.java "$work/churn-bundle" examples/data/telco-churn.csv 4

echo
echo "== review sentiment, text only: XGBoost gblinear on TF-IDF 1-2 grams"
/usr/bin/time -f "wall %e s, max RSS %M KB" -o "$work/time.txt" \
  java -jar "$jar" --experiment bench/trainer/sentiment-text-only.yaml --output "$work/sentiment-bundle" > "$work/sentiment.json"
echo "roc_auc $(tail -1 "$work/sentiment.json" | python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["metrics"]["roc_auc"])'); $(cat "$work/time.txt")"
java -cp "$jar" bench/trainer/ScorerBench.java "$work/sentiment-bundle" examples/data/review-sentiment.csv 4

echo
echo "== memory: 100,000 rows x 30 columns (the churn data resampled, 11 extra columns), -Xmx512m"
"$py" - "$work/big.csv" <<'PY'
import sys
import numpy as np, pandas as pd
df = pd.read_csv("examples/data/telco-churn.csv")
rng = np.random.default_rng(1)
big = df.sample(n=100_000, replace=True, random_state=1).reset_index(drop=True)
for i in range(6):
    big["num_extra_%d" % i] = big["monthly_charges"] * rng.uniform(0.5, 1.5, len(big))
for i in range(5):
    big["cat_extra_%d" % i] = big["payment_method"].sample(frac=1, random_state=i).values
big.to_csv(sys.argv[1], index=False)
print("wrote %d rows x %d columns (%.1f MB)" % (big.shape[0], big.shape[1], big.memory_usage(deep=True).sum() / 1e6))
PY
sed -e "s|uri: pvc://data/telco-churn.csv|uri: $work/big.csv|" \
    -e "s|        - paperless_billing|        - paperless_billing\n        - num_extra_0\n        - num_extra_1\n        - num_extra_2\n        - num_extra_3\n        - num_extra_4\n        - num_extra_5|" \
    -e "s|        - payment_method|        - payment_method\n        - cat_extra_0\n        - cat_extra_1\n        - cat_extra_2\n        - cat_extra_3\n        - cat_extra_4|" \
    examples/churn/experiment.yaml > "$work/big.yaml"
/usr/bin/time -f "wall %e s, max RSS %M KB" -o "$work/time.txt" \
  java -Xmx512m -Xlog:gc:file="$work/gc.log" -jar "$jar" --experiment "$work/big.yaml" --param max_depth=4 --output "$work/big-bundle" > "$work/big.json"
peak=$(grep -oE '[0-9]+M->[0-9]+M' "$work/gc.log" | cut -dM -f1 | sort -n | tail -1)
echo "status $(tail -1 "$work/big.json" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["status"], "roc_auc %.4f" % r["metrics"]["roc_auc"], r["timings"])')"
echo "peak heap before a collection: ${peak:-?} MiB of 512 MiB; $(cat "$work/time.txt")"
