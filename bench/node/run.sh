#!/usr/bin/env bash
# Benchmark on a real node (tools/kube/node-image.sh): node start → Ready, Experiment applied →
# first trial Pod Running (several single-trial Experiments, one after another, each step timed
# by watches: bench/src/test/java/dev/modelops/bench/NodeBenchmark.java) and resident memory of
# the node and the operator. Not a test: run by hand, record the figures in docs/benchmarks.md.
# The whole loop's figures (drift → retrained version serving, promotion under load) are printed
# by e2e's NodeLoopIT, which CI runs.
#
#   bash bench/node/run.sh            # needs the images: bash tools/image/base-image.sh && ./mvnw -B package -Pimages -DskipTests
#   BENCH_SAMPLES=20 bash bench/node/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
name=modelops-bench-node
port=${BENCH_PORT:-36443}
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
for m in operator trainer-job model-server; do
  [ -f "$m/target/jib-image.tar" ] || { echo "error: $m/target/jib-image.tar is missing: ./mvnw -B package -Pimages -DskipTests" >&2; exit 1; }
done
node_image=$(bash tools/kube/node-image.sh >/dev/null && echo localhost/modelops/kube-node:v1.33.4)
helm=$(bash tools/helm/helm-binary.sh)
work=$(mktemp -d)
cleanup() { podman stop -t 30 "$name" >/dev/null 2>&1 || true; podman rm -v "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
cleanup; work=$(mktemp -d)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F); node, operator and harness share the machine"

t0=$(date +%s%N)
podman run -d --name "$name" --runtime runc --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 --privileged --cgroupns=private \
  --tmpfs /run -p "127.0.0.1:$port:6443" \
  -v "$PWD/operator/target/jib-image.tar:/var/lib/rancher/k3s/agent/images/operator.tar:ro" \
  -v "$PWD/trainer-job/target/jib-image.tar:/var/lib/rancher/k3s/agent/images/trainer-job.tar:ro" \
  -v "$PWD/model-server/target/jib-image.tar:/var/lib/rancher/k3s/agent/images/model-server.tar:ro" \
  "$node_image" server --tls-san=127.0.0.1 >/dev/null
until podman logs "$name" 2>/dev/null | grep -q 'Node controller sync successful'; do
  podman container exists "$name" && [ "$(podman inspect -f '{{.State.Running}}' "$name")" = true ] || { podman logs "$name" | tail -20; exit 1; }
  sleep 0.2
done
echo "node start (3 image archives imported) → Ready: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
podman exec "$name" cat /etc/rancher/k3s/k3s.yaml | sed "s#https://127.0.0.1:6443#https://127.0.0.1:$port#" > "$work/kubeconfig"
export KUBECONFIG=$work/kubeconfig
"$helm" install modelops helm/modelops --namespace modelops-system --create-namespace --wait --timeout 5m >/dev/null
kubectl=~/.kubeapitest/k8s/1.33.4-linux-amd64/kubectl
"$kubectl" apply -f examples/cluster/storage.yaml >/dev/null
"$kubectl" wait --for=jsonpath='{.status.phase}'=Bound pvc/data --timeout=60s >/dev/null
dir=$("$kubectl" get pv "$("$kubectl" get pvc data -o jsonpath='{.spec.volumeName}')" -o jsonpath='{.spec.hostPath.path}')
podman cp examples/data/telco-churn-yearly.csv "$name:$dir/"

./mvnw -B -q -pl bench -am test -Dtest=NodeBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbench.kubeconfig="$work/kubeconfig" -Dbench.samples="${BENCH_SAMPLES:-10}" 2>&1 | grep '^BENCH' | sed 's/^BENCH //'

echo "resident memory (MiB) after the samples:"
podman exec "$name" ps -eo rss=,args= | awk '
  { split($2, p, "/"); prog = p[length(p)]; name = "other" }
  prog ~ /^(etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy|containerd)$/ { name = prog }
  prog == "containerd-shim-runc-v2" { name = "containerd shims" }
  prog == "java" && /dev\.modelops\.operator/ { name = "operator" }
  { rss[name] += $1 }
  END { for (n in rss) { printf "  %-24s %6.0f\n", n, rss[n] / 1024; if (n != "operator" && n != "other") node += rss[n] } printf "  %-24s %6.0f\n", "node (all but Pods)", node / 1024 }'
