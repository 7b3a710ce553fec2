#!/usr/bin/env bash
# Measures the container images: sizes (base and application layers), model-server container
# start → V2 ready, and the churn trial inside the trainer image against the plain jar.
# Runs on loopback only, with podman (--runtime runc) and the archives of ./mvnw package -Pimages.
#
#   bash bench/images/run.sh [rounds]      # default 5 rounds, alternating where two sides compare
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
version=$(sed -n 's/^appVersion: "\(.*\)"/\1/p' helm/modelops/Chart.yaml)
pod() { podman --runtime runc "$@"; }
restricted=(--user 65532:65532 --read-only --read-only-tmpfs=false --tmpfs /tmp:rw,size=512m,mode=1777
  --cap-drop ALL --security-opt no-new-privileges --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
for m in operator trainer-job model-server; do
  [ -f "$m/target/jib-image.tar" ] || { echo "error: $m/target/jib-image.tar is missing: run ./mvnw -B package -Pimages -DskipTests" >&2; exit 1; }
  pod load -q -i "$m/target/jib-image.tar" >/dev/null
done
[ -f trainer-job/target/trainer-job.jar ] && [ -f model-server/target/model-server.jar ] || { echo "error: trainer-job.jar or model-server.jar is missing: run ./mvnw -B package -DskipTests" >&2; exit 1; }
work=$(mktemp -d); chmod 777 "$work"
trap 'pod rm -f -t 0 bench-ms >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%F)"

echo "== sizes"
base=${MODELOPS_IMAGE_CACHE:-$HOME/.cache/modelops}/base-image.tar
echo "base archive (uncompressed root filesystem): $(( $(stat -c %s "$base") / 1000000 )) MB ($(cat "${base%.tar}.stamp" | cut -d' ' -f1) variant)"
for m in operator trainer-job model-server; do
  total=$(pod image inspect --format '{{.Size}}' "localhost/modelops/$m:$version")
  layers=$(( total - $(stat -c %s "$base") ))
  printf '%-13s image %4d MB, of which application layers %3d MB; archive %4d MB (gzip layers)\n' "$m" \
    $((total / 1000000)) $((layers / 1000000)) $(( $(stat -c %s "$m/target/jib-image.tar") / 1000000 ))
done

echo "== trainer: the churn trial (max_depth=4), image vs jar, $rounds alternating rounds"
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
for i in $(seq "$rounds"); do
  t=$(date +%s%N)
  # The example reads pvc://data/telco-churn.csv: examples/data where a trial Pod mounts claim
  # "data" (the image's pvc root is /mnt/modelops), and examples/ as the jar's pvc root.
  pod run --rm --network none "${restricted[@]}" -v "$PWD/examples/churn:/examples/churn:ro" -v "$PWD/examples/data:/mnt/modelops/data:ro" \
    -v "$work:/out" "localhost/modelops/trainer-job:$version" --experiment /examples/churn/experiment.yaml --param max_depth=4 --output "/out/image-$i" >/dev/null
  image=$(ms "$t")
  t=$(date +%s%N)
  MODELOPS_PVC_ROOT=examples java -jar trainer-job/target/trainer-job.jar --experiment examples/churn/experiment.yaml --param max_depth=4 --output "$work/jar-$i" >/dev/null
  jar=$(ms "$t")
  echo "round $i: image ${image} ms, jar ${jar} ms"
done

echo "== model-server: start → /v2/health/ready, container and plain jar alternating, $rounds rounds"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for i in $(seq "$rounds"); do
  t=$(date +%s%N)
  pod run -d --name bench-ms --network host "${restricted[@]}" -v "$work/image-1:/model:ro" \
    -e MODEL_BUNDLE=/model -e MICRONAUT_SERVER_PORT=$port "localhost/modelops/model-server:$version" >/dev/null
  until curl -fs -o /dev/null "http://127.0.0.1:$port/v2/health/ready"; do sleep 0.02; done
  ready=$(ms "$t")
  t=$(date +%s%N)
  pod stop -t 30 bench-ms >/dev/null
  stop=$(ms "$t")
  code=$(pod inspect --format '{{.State.ExitCode}}' bench-ms)
  pod rm -f bench-ms >/dev/null
  t=$(date +%s%N)
  MODEL_BUNDLE="$work/image-1" MICRONAUT_SERVER_PORT=$port java -jar model-server/target/model-server.jar >/dev/null 2>&1 &
  jar_pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/v2/health/ready"; do sleep 0.02; done
  jar=$(ms "$t")
  kill "$jar_pid"; wait "$jar_pid" || true
  echo "round $i: container ready after ${ready} ms (podman run included), jar ${jar} ms; container SIGTERM → exited in ${stop} ms, exit code $code"
done
