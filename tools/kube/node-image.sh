#!/usr/bin/env bash
# Builds modelops' node image: one-node upstream Kubernetes (the binaries of
# tools/kube/kube-binaries.sh) with Debian's containerd, runc and CNI plugins, and a pause image and
# a CoreDNS image (tools/kube/coredns-binary.sh) built here, in one image that honours the rancher/k3s image's contract (tools/kube/node/k3s).
# It is what the end-to-end tests start through Testcontainers' k3s module and what
# tools/quickstart.sh runs. The project's own images are not in it: they are imported when the
# node starts, from /var/lib/rancher/k3s/agent/images/, so a code change never rebuilds it.
#
#   bash tools/kube/node-image.sh            # build unless present and current; load into podman; print the archive
#   bash tools/kube/node-image.sh --force    # rebuild
#
# The archive (docker-save format) goes to ${MODELOPS_IMAGE_CACHE:-~/.cache/modelops}/node-image.tar
# and is reused while this script, tools/kube/node/ and the Kubernetes release are unchanged.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
K8S_VERSION=${K8S_VERSION:-1.33.4}
IMAGE=${MODELOPS_NODE_IMAGE:-modelops/kube-node:v$K8S_VERSION}
cache=${MODELOPS_IMAGE_CACHE:-$HOME/.cache/modelops}
out="$cache/node-image.tar"
stamp="$cache/node-image.stamp"
suite=bookworm
die() { echo "error: $*" >&2; exit 1; }

want="$IMAGE $( (grep -v '^[[:space:]]*#' "$here/node-image.sh"; cat "$here"/coredns-binary.sh "$here"/node/k3s "$here"/node/*.toml "$here"/node/*.conflist "$here"/node/pause/*) | sha256sum | cut -c1-16)"

load_into_podman() {
  command -v podman >/dev/null || return 0
  local id
  id=$(tar -xOf "$out" manifest.json | sed 's/.*"Config":"\([0-9a-f]*\)\.json".*/\1/')
  if [ "$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null)" != "$id" ]; then
    podman load --quiet --input "$out" >/dev/null || die "podman load $out failed"
    echo "loaded $IMAGE into podman" >&2
  fi
}

if [ "${1:-}" != "--force" ] && [ -s "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  load_into_podman
  echo "$out"; exit 0
fi
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: apt-get install mmdebstrap"
[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap keeps the node's file owners and capabilities only as root)"
bins=$(bash "$here/kube-binaries.sh" | sed -n 's/^kube binaries present in \([^ ]*\) .*/\1/p')
[ -z "$bins" ] && bins=${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${K8S_VERSION}-linux-amd64
for b in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl etcd; do
  [ -x "$bins/$b" ] || die "$bins/$b is missing: bash tools/kube/kube-binaries.sh"
done
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH=$PATH:/usr/local/go/bin; }
command -v go >/dev/null || die "the Go toolchain is missing; it builds the pause program"
coredns=$(bash "$here/coredns-binary.sh" | tail -1)
coredns_version=$("$coredns" -version | sed -n 's/^CoreDNS-\([0-9.]*\).*/\1/p')
[ -n "$coredns_version" ] || die "$coredns does not tell its version: bash tools/kube/coredns-binary.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

# docker-save archive of one layer: <dir> <layer.tar> <tag> <config "config" object JSON>
pack() {
  local dir=$1 layer_tar=$2 tag=$3 config=$4 layer cfg
  layer=$(sha256sum "$layer_tar" | cut -d' ' -f1)
  mkdir -p "$dir/$layer"
  mv "$layer_tar" "$dir/$layer/layer.tar"
  printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"tools/kube/node-image.sh"}]}\n' \
    "$config" "$layer" > "$dir/config.json"
  cfg=$(sha256sum "$dir/config.json" | cut -d' ' -f1)
  mv "$dir/config.json" "$dir/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]\n' "$cfg" "$tag" "$layer" > "$dir/manifest.json"
}

archive() { # <dir made by pack> <archive>
  (cd "$1" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$2" \
    manifest.json $(ls | grep -E '^[0-9a-f]{64}\.json$') $(ls | grep -E '^[0-9a-f]{64}$' | sed 's|$|/layer.tar|'))
}

# The pause image: a static Go program, one layer.
echo "building the pause image..." >&2
mkdir -p "$work/pause-root" "$work/pause-image"
(cd "$here/node/pause" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$work/pause-root/pause" .)
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/pause-root" -cf "$work/pause-layer.tar" pause
pack "$work/pause-image" "$work/pause-layer.tar" registry.k8s.io/pause:3.10 \
  '{"Entrypoint":["/pause"],"User":"65535:65535","WorkingDir":"/"}'
# The CoreDNS image the node's DNS addon runs (tools/kube/node/k3s): the static binary, one layer.
mkdir -p "$work/coredns-root" "$work/coredns-image"
cp "$coredns" "$work/coredns-root/coredns"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/coredns-root" -cf "$work/coredns-layer.tar" coredns
pack "$work/coredns-image" "$work/coredns-layer.tar" "registry.k8s.io/coredns/coredns:v$coredns_version" \
  '{"Entrypoint":["/coredns"],"User":"65532:65532","WorkingDir":"/","ExposedPorts":{"53/tcp":{},"53/udp":{}}}'
mkdir -p "$work/files/opt/modelops-node/images" "$work/files/usr/local/bin" "$work/files/etc/containerd" "$work/files/etc/cni/net.d"
archive "$work/pause-image" "$work/files/opt/modelops-node/images/pause.tar"
archive "$work/coredns-image" "$work/files/opt/modelops-node/images/coredns.tar"
cp "$bins"/{kube-apiserver,kube-controller-manager,kube-scheduler,kubelet,kube-proxy,kubectl,etcd} "$work/files/usr/local/bin/"
install -m 0755 "$here/node/k3s" "$work/files/usr/local/bin/k3s"
cp "$here/node/containerd.toml" "$work/files/etc/containerd/config.toml"
cp "$here/node/10-modelops.conflist" "$work/files/etc/cni/net.d/"

mirror=()
[ -f /etc/apt/sources.list.d/debian.sources ] && mirror=(/etc/apt/sources.list.d/debian.sources)
echo "building the node image from Debian $suite packages..." >&2
SOURCE_DATE_EPOCH=0 mmdebstrap --quiet --variant=minbase \
  --include=containerd,runc,containernetworking-plugins,iptables,conntrack,iproute2,openssl,ca-certificates,procps,util-linux,mount,findutils,kmod \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook="copy-in $work/files/. /" \
  --customize-hook='ln -sf /usr/local/bin/k3s "$1/bin/k3s"' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*.log "$1"/var/cache/ldconfig/aux-cache' \
  "$suite" "$work/rootfs.tar" "${mirror[@]}"

mkdir -p "$work/node-image"
pack "$work/node-image" "$work/rootfs.tar" "$IMAGE" \
  '{"Entrypoint":["/bin/k3s"],"Cmd":["server"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","container=podman"],"Volumes":{"/var/lib/containerd":{},"/var/lib/kubelet":{}},"ExposedPorts":{"6443/tcp":{}},"StopSignal":"SIGTERM","Labels":{"org.opencontainers.image.description":"upstream Kubernetes one-node cluster in a k3s-compatible image (modelops tools/kube/node-image.sh)"}}'
mkdir -p "$cache"
archive "$work/node-image" "$(realpath -m "$out.tmp")"
mv "$out.tmp" "$out"
echo "$want" > "$stamp"
echo "node image $IMAGE built in $(( $(date +%s) - start )) s: $(du -h "$out" | cut -f1) $out" >&2
load_into_podman
echo "$out"
