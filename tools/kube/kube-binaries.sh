#!/usr/bin/env bash
# Provides kube-apiserver, kube-controller-manager, kubectl and etcd for the integration tests, and
# kube-scheduler, kubelet and kube-proxy for the node image (tools/kube/node-image.sh), built from
# the official Go modules of one release (no prebuilt Kubernetes binaries can be downloaded here).
# Installs them where kube-api-test looks: ${KUBE_API_TEST_DIR:-~/.kubeapitest}/k8s/<version>-linux-amd64/
# and skips the build when they are already there.
#
#   bash tools/kube/kube-binaries.sh          # build or reuse; prints the folder
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-1.33.4}        # a release Fabric8 7.4 supports
ETCD_VERSION=${ETCD_VERSION:-3.5.21}
root=${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}
dest="$root/k8s/${K8S_VERSION}-linux-amd64"
binaries=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl etcd)

have_all() { for b in "${binaries[@]}"; do [ -x "$dest/$b" ] || return 1; done; }
if have_all; then
  echo "kube binaries present in $dest ($("$dest/kube-apiserver" --version), etcd $("$dest/etcd" --version | head -1 | awk '{print $3}'))"
  exit 0
fi

command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH=$PATH:/usr/local/go/bin; }
command -v go >/dev/null || { echo "error: the Go toolchain is missing; install Go 1.24 or newer to build the Kubernetes binaries" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest"
start=$(date +%s)

# Kubernetes: a wrapper module requiring k8s.io/kubernetes and pinning each staging module to
# its published v0 release (the main module's go.mod points them at ./staging, which the
# module proxy does not carry).
minor=${K8S_VERSION#1.}
staging_version="v0.${minor}"
mkdir -p "$work/k8s" && cd "$work/k8s"
cat > go.mod <<MOD
module modelops.dev/kube-binaries

go 1.24

require k8s.io/kubernetes v${K8S_VERSION}
MOD
staging=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider cluster-bootstrap
  code-generator component-base component-helpers controller-manager cri-api cri-client csi-translation-lib
  dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator kube-controller-manager kube-proxy
  kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission sample-apiserver)
for m in "${staging[@]}"; do
  echo "replace k8s.io/$m => k8s.io/$m $staging_version" >> go.mod
done
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
go mod tidy -e >/dev/null 2>&1 || true
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v${K8S_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor%%.*} -X k8s.io/component-base/version.gitTreeState=clean"
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
  [ -x "$dest/$cmd" ] && continue
  echo "building $cmd v${K8S_VERSION}..." >&2
  go build -trimpath -tags tools -ldflags "$ldflags" -o "$dest/$cmd" "k8s.io/kubernetes/cmd/$cmd"
done

# etcd: the same way, from its server module.
mkdir -p "$work/etcd" && cd "$work/etcd"
cat > go.mod <<MOD
module modelops.dev/etcd-binary

go 1.24

require go.etcd.io/etcd/server/v3 v${ETCD_VERSION}
MOD
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
go mod tidy -e >/dev/null 2>&1 || true
echo "building etcd v${ETCD_VERSION}..." >&2
[ -x "$dest/etcd" ] || go build -trimpath -tags tools -ldflags "-s -w" -o "$dest/etcd" go.etcd.io/etcd/server/v3

echo "built into $dest in $(( $(date +%s) - start )) s: $("$dest/kube-apiserver" --version), etcd v${ETCD_VERSION}; $(du -sh "$dest" | cut -f1)"
