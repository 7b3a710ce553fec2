#!/usr/bin/env bash
# Makes the cached virtualenv with Evidently (pinned) that the drift agreement test
# (trainer-job EvidentlyAgreementTest) runs tools/evidently/verdicts.py in, to compare the model
# server's drift verdicts with Evidently's DataDriftPreset on real shifts. Python packages come
# from PyPI into ~/.cache/modelops/evidently-venv (MODELOPS_EVIDENTLY_VENV; about two minutes the
# first time). Evidently 0.7.23 does not import with pandas 3, hence the pandas pin.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${MODELOPS_EVIDENTLY_VENV:-$HOME/.cache/modelops/evidently-venv}"
PINS=("evidently==0.7.23" "pandas==2.3.3" "numpy==2.4.6" "scipy==1.17.1")
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import evidently, pandas; assert evidently.__version__ == '0.7.23'" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "${PINS[@]}"
fi
# a run on a small real shift proves the venv works end to end
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
head -n 1201 examples/data/telco-churn.csv > "$tmp/reference.csv"
{ head -n 1 examples/data/telco-churn.csv; tail -n 300 examples/data/telco-churn.csv; } > "$tmp/current.csv"
"$VENV/bin/python" tools/evidently/verdicts.py "$tmp/reference.csv" "$tmp/current.csv" --numeric tenure --categorical contract > /dev/null
echo "$VENV"
