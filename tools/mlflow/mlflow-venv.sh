#!/usr/bin/env bash
# Installs the MLflow tracking server (the `mlflow` package from PyPI, pinned) into a cached
# virtualenv, ~/.cache/modelops/mlflow-venv (about three minutes the first time), for the tests
# that log trials and keep a registry in step against a real MLflow with a SQLite store.
# Prints the venv's path.
set -euo pipefail
VENV="${MODELOPS_MLFLOW_VENV:-$HOME/.cache/modelops/mlflow-venv}"
VERSION=3.17.2
if [ ! -x "$VENV/bin/mlflow" ] || [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("mlflow"))' 2>/dev/null)" != "$VERSION" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "mlflow==$VERSION"
fi
echo "$VENV"
