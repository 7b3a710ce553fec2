#!/usr/bin/env bash
# Makes the plain ONNX model (scikit-learn gradient boosting converted by skl2onnx) that the
# model server's ONNX tests serve, in model-server/target/onnx, with the probabilities
# onnxruntime gives for it. Python packages come from PyPI into a cached virtualenv
# (~/.cache/modelops/onnx-venv; about a minute the first time).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${MODELOPS_ONNX_VENV:-$HOME/.cache/modelops/onnx-venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import skl2onnx, sklearn, onnxruntime" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "skl2onnx==1.20.0" "onnx==1.23.2" "scikit-learn==1.9.1" "onnxruntime==1.32.0" "numpy==2.4.6"
fi
"$VENV/bin/python" tools/onnx/make-churn-onnx.py model-server/target/onnx
