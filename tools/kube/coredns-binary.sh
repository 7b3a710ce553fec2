#!/usr/bin/env bash
# Builds CoreDNS, the node image's cluster DNS (tools/kube/node-image.sh), from the Go module of one
# release, the way tools/kube/kube-binaries.sh builds Kubernetes: a wrapper module requiring
# github.com/coredns/coredns, static (CGO_ENABLED=0), with the local Go toolchain. Installs it into
# ${KUBE_API_TEST_DIR:-~/.kubeapitest}/coredns/<version>-linux-amd64/coredns, skips the build when it
# is already there, and prints that path. About 5 minutes the first time on 2 cores (72 MB).
#
#   bash tools/kube/coredns-binary.sh
set -euo pipefail

COREDNS_VERSION=${COREDNS_VERSION:-1.12.1}
dest="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/coredns/${COREDNS_VERSION}-linux-amd64"
if [ -x "$dest/coredns" ]; then
  echo "$dest/coredns"
  exit 0
fi

command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH=$PATH:/usr/local/go/bin; }
command -v go >/dev/null || { echo "error: the Go toolchain is missing; install Go 1.24 or newer to build CoreDNS" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest"
start=$(date +%s)

cd "$work"
cat > go.mod <<MOD
module modelops.dev/coredns-binary

go 1.24

require github.com/coredns/coredns v${COREDNS_VERSION}
MOD
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/coredns/coredns"
GO
go mod tidy -e >/dev/null 2>&1 || true
# tools.go only feeds go mod tidy: no -tags tools here, a dependency (quic-go) has its own tools.go.
echo "building coredns v${COREDNS_VERSION}..." >&2
go build -trimpath -ldflags "-s -w" -o "$work/coredns" github.com/coredns/coredns
mv "$work/coredns" "$dest/coredns"
echo "built $("$dest/coredns" -version | head -1) into $dest in $(( $(date +%s) - start )) s; $(du -h "$dest/coredns" | cut -f1)" >&2
echo "$dest/coredns"
