#!/usr/bin/env bash
# What shadowing costs the Production server: saturated /v1/predict on fresh, warmed Production
# servers with shadow off, share 1.0 and share 0.1, alternating round by round, the candidate a
# second real server (same bundle) on loopback that stays up for the whole run. Prints each run
# (rate, latency, Production's CPU time a request, the mirrors' outcomes), then each share's mean
# rate and CPU a request against shadow off. The candidate shares the machine's cores with
# Production and wrk: in a cluster it runs in its own Pod, so the CPU a request is Production's
# own cost, and the rate also carries the candidate's work on the same cores.
#
#   bash bench/server/shadow-cost.sh [seconds per run, default 15] [rounds, default 3] [extra warm-up seconds, default 30]
secs=${1:-15}
rounds=${2:-3}
warm=${3:-30}
source "$(dirname "$0")/lib.sh"

cport=18081
cpid=
trap '[ -n "$cpid" ] && kill "$cpid" 2>/dev/null; cleanup' EXIT
env MODEL_BUNDLE="$work/bundle" MICRONAUT_SERVER_PORT=$cport MODEL_SHADOW_ACCEPT_IDS=true java -jar "$jar" > "$work/candidate.log" 2>&1 &
cpid=$!
for _ in $(seq 1 100); do curl -sf "localhost:$cport/v2/health/ready" >/dev/null && break; sleep 0.2; done

outcomes() { # the mirrors' outcomes so far, from Production's metrics
  curl -s "localhost:$port/prometheus" | sed -nE 's/^model_shadow_requests_total\{.*outcome="([a-z]+)".*\} ([0-9.E]+)$/\1 \2/p' | awk '{printf "%s %d  ", $1, $2}'
}

: > "$work/runs.txt"
for round in $(seq 1 "$rounds"); do
  for share in off 1.0 0.1; do
    if [ $share = off ]; then
      start
    else
      start MODEL_SHADOW_URL=http://127.0.0.1:$cport MODEL_SHADOW_SHARE=$share
    fi
    # Past lib.sh's warm-up, until the JIT has settled: with shadowing, the client's code and the
    # candidate's are hot too, and C2 still took a third of a core 15 s in.
    wrk -t2 -c16 -d"${warm}s" -s "$work/record.lua" "http://127.0.0.1:$port/v1/predict" > /dev/null
    line=$(load "/v1/predict, shadow $share (round $round)" record /v1/predict)
    echo "$line   mirrors (warm-up included): $(outcomes)"
    echo "$share $(sed -E 's/.* ([0-9]+) req\/s.*server CPU +([0-9.]+) us\/req.*/\1 \2/' <<< "$line")" >> "$work/runs.txt"
    stop
  done
done
python3 - "$work/runs.txt" <<'PY'
import sys
runs = {}
for line in open(sys.argv[1]):
    share, rate, cpu = line.split()
    runs.setdefault(share, []).append((float(rate), float(cpu)))
mean = lambda xs: sum(xs) / len(xs)
off_rate, off_cpu = mean([r for r, _ in runs["off"]]), mean([c for _, c in runs["off"]])
print("shadow off: mean %.0f req/s, %.1f us of Production CPU a request" % (off_rate, off_cpu))
for share in ("1.0", "0.1"):
    rate, cpu = mean([r for r, _ in runs[share]]), mean([c for _, c in runs[share]])
    print("shadow %s: mean %.0f req/s (%.2f of off, %+.0f%%), %.1f us a request (%+.0f%%)" % (share, rate, rate / off_rate, 100 * (rate / off_rate - 1), cpu, 100 * (cpu / off_cpu - 1)))
PY
