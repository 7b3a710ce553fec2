#!/usr/bin/env bash
# A/B of two model-server jars in one run on one machine: the headline cases of run.sh
# (/v1/predict and V2 saturated, batch CSV and NDJSON, drift on), each side on a fresh, warmed
# server, the two sides alternating round by round so that the machine's drift hits both.
# Compare the two sides of one run, never figures of different runs.
#
#   bash bench/server/ab.sh <baseline jar> [seconds per run, default 15] [rounds, default 3]
#   (the other side is model-server/target/model-server.jar)
baseline=$(realpath "$1")
secs=${2:-15}
rounds=${3:-3}
source "$(dirname "$0")/lib.sh"
candidate=$jar

for round in $(seq 1 "$rounds"); do
  for side in baseline candidate; do
    jar=${!side}
    start MODEL_DRIFT_ENABLED=true
    load "$side /v1/predict (round $round)" record /v1/predict
    load "$side /v2 infer (round $round)" v2 /v2/models/churn/infer
    batch "$side batch CSV (round $round)" 3
    batch "$side batch NDJSON (round $round)" 3 "$work/batch.ndjson" application/x-ndjson
    stop
  done
done
