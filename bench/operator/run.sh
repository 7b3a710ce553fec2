#!/usr/bin/env bash
# Operator benchmark on a real kube-apiserver (tools/kube/kube-binaries.sh), the operator as its
# own process: Experiment creation -> first trial Job latency, and resident memory with 1,000
# ModelVersions at steady state. Not a test: run by hand and record the figures in
# docs/benchmarks.md.
#
#   bash bench/operator/run.sh [extra -D options, e.g. -Dbench.javaOptions="-Xmx192m -XX:+UseSerialGC"]
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/kube/kube-binaries.sh >/dev/null
./mvnw -B -q install -DskipTests
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F); API server, etcd, operator and harness share the machine"
./mvnw -B -q -pl e2e verify -Dit.test=OperatorBenchmark -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false "$@" 2>&1 | grep '^BENCH' | sed 's/^BENCH //'
