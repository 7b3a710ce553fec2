#!/usr/bin/env bash
# Prints the python of a cached virtualenv with scikit-learn and numpy, for tools/quality/forest.py.
# The ONNX test model's virtualenv (tools/onnx/make-test-model.sh) has both, so it is used when it
# is there; otherwise ~/.cache/modelops/quality-venv is made (about a minute the first time).
set -euo pipefail
for VENV in "${MODELOPS_QUALITY_VENV:-$HOME/.cache/modelops/quality-venv}" "${MODELOPS_ONNX_VENV:-$HOME/.cache/modelops/onnx-venv}"; do
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import sklearn, numpy" 2>/dev/null; then
    echo "$VENV/bin/python"
    exit 0
  fi
done
VENV="${MODELOPS_QUALITY_VENV:-$HOME/.cache/modelops/quality-venv}"
python3 -m venv "$VENV" >&2
"$VENV/bin/pip" install -q "scikit-learn==1.9.1" "numpy==2.4.6" >&2
echo "$VENV/bin/python"
