#!/usr/bin/env bash
# What shadowing costs the Production server: saturated /v1/predict on fresh, warmed Production
# servers with shadow off, share 1.0 and share 0.1, alternating round by round, the candidate a
# second real server (same bundle) on loopback that stays up for the whole run.
#
# The figure that answers "what does it cost Production" is Production's own CPU time a request,
# all its threads counted (the event loops that answer, the mirror's sender and HTTP client
# threads, GC and the JIT compiler), measured over the timed window only: a CPU-bound server's
# throughput is its cores divided by that. The request rate is printed too, but on this machine
# the candidate and wrk run on the same cores as Production, so the rate under shadowing also
# pays for the candidate's work, which in a cluster runs in its own Pod. Each run also prints
# Production's CPU by thread kind, so that a JIT still compiling (it should be near zero once
# warm) or a thread that costs more than it should shows.
#
#   bash bench/server/shadow-cost.sh [seconds per run, default 15] [rounds, default 2] [extra warm-up seconds, default 90]
secs=${1:-15}
rounds=${2:-2}
warm=${3:-90}
source "$(dirname "$0")/lib.sh"

cport=18081
cpid=
trap '[ -n "$cpid" ] && kill "$cpid" 2>/dev/null; cleanup' EXIT
env MODEL_BUNDLE="$work/bundle" MICRONAUT_SERVER_PORT=$cport MODEL_SHADOW_ACCEPT_IDS=true java -jar "$jar" > "$work/candidate.log" 2>&1 &
cpid=$!
for _ in $(seq 1 100); do curl -sf "localhost:$cport/v2/health/ready" >/dev/null && break; sleep 0.2; done

outcomes() { # the mirrors' outcomes and calls so far, from Production's metrics
  curl -s "localhost:$port/prometheus" | sed -nE 's/^model_shadow_requests_total\{.*outcome="([a-z]+)".*\} ([0-9.E]+)$/\1 \2/p' | awk '{printf "%s %d  ", $1, $2}'
  curl -s "localhost:$port/prometheus" | sed -nE 's/^model_shadow_latency_seconds_count\{.*\} ([0-9.E]+)$/calls \1/p' | awk '{printf "%s %d", $1, $2}'
}
threads() { # Production's CPU time so far by thread kind (digits dropped from thread names), in clock ticks
  for t in /proc/$pid/task/*; do
    echo "$(tr ' ' '_' < "$t/comm" 2>/dev/null) $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null)"
  done | awk 'NF == 2 {gsub(/[0-9#]+$/, "", $1); a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}

: > "$work/runs.txt"
for round in $(seq 1 "$rounds"); do
  for share in off 1.0 0.1; do
    if [ $share = off ]; then
      start
    else
      start MODEL_SHADOW_URL=http://127.0.0.1:$cport MODEL_SHADOW_SHARE=$share
    fi
    # Past lib.sh's warm-up, until the JIT has settled: the mirror's code is hot too.
    wrk -t2 -c16 -d"${warm}s" -s "$work/record.lua" "http://127.0.0.1:$port/v1/predict" > /dev/null
    threads > "$work/t0"
    line=$(load "/v1/predict, shadow $share (round $round)" record /v1/predict)
    threads > "$work/t1"
    n=$(awk '/requests in/{print $1}' "$work/wrk.txt")
    echo "$line   mirrors (warm-up included): $(outcomes)"
    join "$work/t0" "$work/t1" | awk -v n="$n" -v hz="$(getconf CLK_TCK)" '$3 > $2 {printf "    %-18s %5.2f us/req\n", $1, ($3 - $2) * 1e6 / hz / n}' | sort -k2 -nr
    jit=$(join "$work/t0" "$work/t1" | awk -v n="$n" -v hz="$(getconf CLK_TCK)" '$1 ~ /Compiler/ {s += $3 - $2} END {print s * 1e6 / hz / n}')
    echo "$share $(sed -E 's/.* ([0-9]+) req\/s.*server CPU +([0-9.]+) us\/req.*/\1 \2/' <<< "$line") $jit" >> "$work/runs.txt"
    stop
  done
done
python3 - "$work/runs.txt" <<'PY'
import sys
runs = {}
for line in open(sys.argv[1]):
    share, rate, cpu, jit = line.split()
    runs.setdefault(share, []).append((float(rate), float(cpu), float(jit)))
mean = lambda xs: sum(xs) / len(xs)
off_rate, off_cpu = mean([r for r, _, _ in runs["off"]]), mean([c for _, c, _ in runs["off"]])
print("shadow off: mean %.0f req/s, %.1f us of Production CPU a request (JIT compiler %.1f)" % (off_rate, off_cpu, mean([j for _, _, j in runs["off"]])))
for share in ("1.0", "0.1"):
    rate, cpu, jit = mean([r for r, _, _ in runs[share]]), mean([c for _, c, _ in runs[share]]), mean([j for _, _, j in runs[share]])
    print("shadow %s: mean %.0f req/s (%.2f of off), %.1f us of Production CPU a request (%+.1f%%; JIT compiler %.1f): Production keeps %.2f of its throughput"
          % (share, rate, rate / off_rate, cpu, 100 * (cpu / off_cpu - 1), jit, off_cpu / cpu))
PY
