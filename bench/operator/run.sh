#!/usr/bin/env bash
# Operator benchmark on a real kube-apiserver (tools/kube/kube-binaries.sh), the operator as its
# own process: Experiment creation -> first trial Job latency, and resident memory with 1,000
# ModelVersions at steady state. Not a test: run by hand and record the figures in
# docs/benchmarks.md. The harness is bench/src/test/java/dev/modelops/bench/OperatorBenchmark.java.
#
#   bash bench/operator/run.sh [extra -D options, e.g. -Dbench.javaOptions="-Xmx192m -XX:+UseSerialGC"]
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/kube/kube-binaries.sh >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F); API server, etcd, operator and harness share the machine"
# Builds operator.jar and runs only the benchmark (no other test, nothing installed into ~/.m2).
./mvnw -B -q -pl operator,bench -am package -Dtest=OperatorBenchmark -Dsurefire.failIfNoSpecifiedTests=false "$@" 2>&1 | grep '^BENCH' | sed 's/^BENCH //'
