#!/usr/bin/env bash
# Held-out quality of the real-data examples against the reference RandomForest, on the same
# k folds (bench/src/test/java/dev/modelops/bench/QualityBenchmark.java, tools/quality/forest.py):
# house-prices (RMSE, R²) and hpc-jobs (accuracy, macro-F1), fold by fold and the mean. Not a
# test: run it by hand and record the figures in docs/benchmarks.md. The forest needs
# scikit-learn, from a cached virtualenv (tools/quality/quality-venv.sh; a minute the first time).
#
#   bash bench/quality/run.sh                                   # 5 folds, the examples' whole search
#   bash bench/quality/run.sh -Dbench.examples=hpc-jobs -Dbench.folds=3 -Dbench.trials=2
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="$(bash tools/quality/quality-venv.sh)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u '+%F %H:%M') UTC"
rm -rf bench/target/quality
mkdir -p bench/target
if ! ./mvnw -B -q -pl bench -am test -Dtest=QualityBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DtrimStackTrace=false "$@" \
    >bench/target/quality.log 2>&1; then
  tail -40 bench/target/quality.log >&2
  exit 1
fi
grep '^BENCH' bench/target/quality.log | sed 's/^BENCH //'
"$PYTHON" tools/quality/forest.py bench/target/quality/*.json
