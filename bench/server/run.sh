#!/usr/bin/env bash
# Model-server load benchmark on loopback: wrk with 16 connections against the telco-churn
# bundle. Prints requests/s and latency percentiles for single-record /v1/predict (drift
# tracking on and off), V2 infer, and rows/s for CSV batch scoring. Not a test: run by hand
# on a quiet machine and record the figures in docs/benchmarks.md.
#
#   bash bench/server/run.sh [seconds per run, default 20]
# (setup and helpers in lib.sh; ab.sh compares two jars; drift-cost.sh runs the drift rounds alone)
secs=${1:-20}
source "$(dirname "$0")/lib.sh"

start MODEL_DRIFT_ENABLED=true
load "/v1/predict, drift on, paced" paced /v1/predict
# V2 against /v1: alternate them, twice, on one warm server.
load "/v1/predict, drift on" record /v1/predict
load "/v2/models/churn/infer, drift on" v2 /v2/models/churn/infer
load "/v1/predict, drift on (again)" record /v1/predict
load "/v2/models/churn/infer, drift on (again)" v2 /v2/models/churn/infer
batch "/v1/predict/batch CSV, drift on" 5
batch "/v1/predict/batch NDJSON, drift on" 3 "$work/batch.ndjson" application/x-ndjson
stop
# Drift tracking's cost. The machine is noisy (identical runs differ by up to 20%): alternate
# servers with drift off and on, and compare the server's CPU time per request as well as rates.
drift_rounds 3
# One request of a million rows (180 MB of CSV), streamed in and out by a server whose heap is
# capped at 128 MB: it cannot hold the batch, so this shows the stream is never held in memory.
for _ in $(seq 1 10); do sed 1d "$work/batch.csv"; done | sed "1i $(head -1 "$work/batch.csv")" > "$work/million.csv"
big=$(($(wc -l < "$work/million.csv") - 1))
start MODEL_DRIFT_ENABLED=true JAVA_TOOL_OPTIONS=-Xmx128m
for _ in $(seq 1 5); do curl -s -XPOST "localhost:$port/v1/predict/batch" -H 'content-type: text/csv' --data-binary @"$work/batch.csv" > /dev/null; done
t0=$(date +%s.%N)
out=$(curl -s -XPOST "localhost:$port/v1/predict/batch" -H 'content-type: text/csv' -T "$work/million.csv" | wc -l)
t1=$(date +%s.%N)
python3 -c "print('%-36s %8.0f rows/s   (%d rows in one request, %.2f s; -Xmx128m, server peak RSS %s)' % ('/v1/predict/batch CSV, 1M rows', $big / ($t1 - $t0), $out - 1, $t1 - $t0, '$(awk '/VmHWM/{print $2 " " $3}' /proc/$pid/status)'))"
stop
