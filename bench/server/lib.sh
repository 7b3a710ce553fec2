# The model-server benchmarks' setup and helpers, sourced by run.sh and ab.sh: a trained
# churn bundle, request bodies, and start/stop/load/batch against the jar in $jar.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
jar=${jar:-$root/model-server/target/model-server.jar}
work=$(mktemp -d)
port=18080
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get update -qq >/dev/null; apt-get install -y -qq wrk >/dev/null; }
[ -f model-server/target/model-server.jar ] && [ -f trainer-job/target/trainer-job.jar ] || ./mvnw -B -q -pl model-server -am package -DskipTests
# The example reads pvc://data/telco-churn.csv: with the pvc root examples/, claim "data" is examples/data.
MODELOPS_PVC_ROOT="$root/examples" java -jar trainer-job/target/trainer-job.jar --experiment examples/churn/experiment.yaml \
     --param max_depth=4 --param eta=0.05 --output "$work/bundle" > /dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F); wrk and server share the machine"

record='{"tenure":1,"monthly_charges":70.7,"total_charges":70.7,"female":1,"senior_citizen":0,"partner":0,"dependents":0,"phone_service":1,"paperless_billing":1,"multiple_lines":"No","internet_service":"Fiber optic","online_security":"No","online_backup":"No","device_protection":"No","tech_support":"No","streaming_tv":"No","streaming_movies":"No","contract":"Month-to-month","payment_method":"Electronic check"}'
echo "$record" > "$work/record.json"
python3 - "$work" <<'PY'
import json, sys
r = json.load(open(sys.argv[1] + "/record.json"))
inputs = [{"name": k, "shape": [1], "datatype": "BYTES" if isinstance(v, str) else "FP64", "data": [v]} for k, v in r.items()]
json.dump({"inputs": inputs}, open(sys.argv[1] + "/v2.json", "w"))
PY
for f in record v2; do
  cat > "$work/$f.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/$f.json", "r")
wrk.body = f:read("*a")
f:close()
LUA
done
# Paced: each of the 16 connections waits 1 ms between requests, which offers about 10-12k
# requests/s, so latency is read at the target rate rather than at saturation (wrk without a
# pause drives the 2 cores it shares with the server to 100%).
cp "$work/record.lua" "$work/paced.lua"
echo 'function delay() return 1 end' >> "$work/paced.lua"
(head -1 examples/data/telco-churn.csv; for i in $(seq 1 15); do sed 1d examples/data/telco-churn.csv; done) > "$work/batch.csv"
python3 - "$work" <<'PY'
import csv, json, sys
numeric = {"tenure", "monthly_charges", "total_charges", "female", "senior_citizen", "partner", "dependents", "phone_service", "paperless_billing"}
with open(sys.argv[1] + "/batch.csv") as f, open(sys.argv[1] + "/batch.ndjson", "w") as out:
    for row in csv.DictReader(f):
        out.write(json.dumps({k: (None if v in ("", "NA") else float(v)) if k in numeric else v for k, v in row.items()}) + "\n")
PY

start() {
  env MODEL_BUNDLE="$work/bundle" MICRONAUT_SERVER_PORT=$port "$@" java -jar "$jar" > "$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "localhost:$port/v2/health/ready" >/dev/null && break; sleep 0.2; done
  # JIT warm-up of both protocols' code paths.
  wrk -t2 -c16 -d5s -s "$work/record.lua" "http://127.0.0.1:$port/v1/predict" > /dev/null
  wrk -t2 -c16 -d5s -s "$work/v2.lua" "http://127.0.0.1:$port/v2/models/churn/infer" > /dev/null
  wrk -t2 -c16 -d5s -s "$work/record.lua" "http://127.0.0.1:$port/v1/predict" > /dev/null
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }   # server CPU time so far, in clock ticks
load() { # name script path
  local c0 c1 n
  c0=$(cpu)
  wrk -t2 -c16 -d"${secs}s" --latency -s "$work/$2.lua" "http://127.0.0.1:$port$3" > "$work/wrk.txt"
  c1=$(cpu)
  n=$(awk '/requests in/{print $1}' "$work/wrk.txt")
  printf '%-36s %8.0f req/s   p50 %-8s p99 %-8s server CPU %5.1f us/req   %s\n' "$1" "$(awk '/Requests\/sec/{print $2}' "$work/wrk.txt")" \
    "$(awk '$1=="50%"{print $2}' "$work/wrk.txt")" "$(awk '$1=="99%"{print $2}' "$work/wrk.txt")" \
    "$(python3 -c "print(($c1 - $c0) * 1e6 / $(getconf CLK_TCK) / $n)")" \
    "$(grep -q 'Non-2xx' "$work/wrk.txt" && grep 'Non-2xx' "$work/wrk.txt" | xargs || echo 'all 2xx')"
}
rows=$(($(wc -l < "$work/batch.csv") - 1))
batch() { # name requests [file content-type]: warms the batch path up (its own code), then times requests one by one
  local rates=() c0 c1 t0 t1 out file=${3:-$work/batch.csv} type=${4:-text/csv}
  for _ in $(seq 1 10); do curl -s -XPOST "localhost:$port/v1/predict/batch" -H "content-type: $type" --data-binary @"$file" > /dev/null; done
  c0=$(cpu)
  for _ in $(seq 1 "$2"); do
    t0=$(date +%s.%N)
    out=$(curl -s -XPOST "localhost:$port/v1/predict/batch" -H "content-type: $type" --data-binary @"$file" | wc -l)
    t1=$(date +%s.%N)
    [ "$type" = text/csv ] || out=$((out + 1))   # NDJSON answers have no header line
    [ "$out" -eq $((rows + 1)) ] || { echo "batch answered $((out - 1)) rows of $rows" >&2; exit 1; }
    rates+=("$(python3 -c "print(round($rows / ($t1 - $t0)))")")
  done
  c1=$(cpu)
  printf '%-36s %8s rows/s   server CPU %.2f us/row   (median of %d requests of %d rows: %s)\n' "$1" \
    "$(printf '%s\n' "${rates[@]}" | sort -n | sed -n "$((($2 + 1) / 2))p")" \
    "$(python3 -c "print(($c1 - $c0) * 1e6 / $(getconf CLK_TCK) / ($2 * $rows))")" "$2" "$rows" "${rates[*]}"
}

drift_rounds() { # rounds: fresh, warmed servers with drift off and on alternating, saturated /v1/predict and batch CSV on each
  local round drift
  for round in $(seq 1 "$1"); do
    for drift in false true; do
      start MODEL_DRIFT_ENABLED=$drift
      load "/v1/predict, drift $([ $drift = true ] && echo on || echo off) (round $round)" record /v1/predict
      batch "batch CSV, drift $([ $drift = true ] && echo on || echo off) (round $round)" 3
      stop
    done
  done
}
