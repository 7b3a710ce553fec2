#!/usr/bin/env bash
# Drift tracking's cost alone (the rounds of run.sh): fresh, warmed servers with drift off and on
# alternating, each measured on saturated /v1/predict and on batch CSV, with the server's CPU time
# per request or row beside the rates (the machine is noisy; compare the two sides of one run).
#
#   bash bench/server/drift-cost.sh [seconds per run, default 15] [rounds, default 3]
secs=${1:-15}
rounds=${2:-3}
source "$(dirname "$0")/lib.sh"
drift_rounds "$rounds"
