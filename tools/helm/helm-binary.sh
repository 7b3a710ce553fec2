#!/usr/bin/env bash
# Builds the helm CLI from its Go module (the Go module proxy is reachable where release
# downloads are not) into ~/.cache/modelops/helm/<version>/helm, and prints that path.
# About 3 minutes the first time on 2 cores; instant afterwards.
set -euo pipefail
VERSION="${HELM_VERSION:-v3.17.3}"
DIR="${MODELOPS_HELM_DIR:-$HOME/.cache/modelops/helm/$VERSION}"
if [ -x "$DIR/helm" ]; then
  echo "$DIR/helm"
  exit 0
fi
command -v go >/dev/null || { echo "error: Go is needed to build helm" >&2; exit 1; }
mkdir -p "$DIR"
STAGE="$(mktemp -d "$DIR/.stage.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
GOBIN="$STAGE" GOFLAGS=-mod=mod go install "helm.sh/helm/v3/cmd/helm@$VERSION" >&2
mv "$STAGE/helm" "$DIR/helm"
echo "$DIR/helm"
