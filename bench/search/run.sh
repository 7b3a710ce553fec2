#!/usr/bin/env bash
# TPE against random search on the churn example, with real trials of the trainer
# (bench/src/test/java/dev/modelops/bench/SearchBenchmark.java): the trials each strategy needs to
# reach random search's best objective, per search seed and the median. Not a test: run it by
# hand and record the figures in docs/benchmarks.md.
#
#   bash bench/search/run.sh                 # 5 seeds, 20 trials each
#   bash bench/search/run.sh -Dbench.seeds=9 -Dbench.trials=30
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u '+%F %H:%M') UTC"
./mvnw -B -q -pl bench -am test -Dtest=SearchBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DtrimStackTrace=false "$@" 2>&1 \
  | grep '^BENCH' | sed 's/^BENCH //'
