#!/usr/bin/env bash
# modelops' quickstart: the whole loop on one local node, narrated as it happens.
#
#   tools/quickstart.sh          build what is missing, start the node, install the operator, run the story
#   tools/quickstart.sh down     stop and remove the node
#   tools/quickstart.sh --help
#
# The node is upstream Kubernetes built from the Kubernetes Go modules, in one privileged podman
# container (modelops/kube-node, tools/kube/node-image.sh) that honours the rancher/k3s image's
# contract; it is not k3s. Its API server listens on 127.0.0.1:${QUICKSTART_PORT:-16443} and its
# kubeconfig is written to ~/.kube/modelops-quickstart.yaml. The story is the one of
# examples/quickstart/: churn v1 is trained on yearly-contract customers; month-to-month
# customers' traffic drifts the contract feature; the DriftPolicy retrains on everyone; v2 is
# promoted and the model's Service serves it.
#
# Environment: QUICKSTART_PORT (16443), QUICKSTART_STEP_TIMEOUT (seconds per step, 300).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
NODE=modelops-node
PORT=${QUICKSTART_PORT:-16443}
STEP_TIMEOUT=${QUICKSTART_STEP_TIMEOUT:-300}
KCFG=$HOME/.kube/modelops-quickstart.yaml
K8S_VERSION=${K8S_VERSION:-1.33.4}
NODE_IMAGE=${MODELOPS_NODE_IMAGE:-modelops/kube-node:v$K8S_VERSION}
KUBE_DIR=${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${K8S_VERSION}-linux-amd64
CACHE=${MODELOPS_IMAGE_CACHE:-$HOME/.cache/modelops}
HOST_STATE=$CACHE/quickstart-host.txt
NS=default
SYSTEM_NS=modelops-system
MODULES=(operator trainer-job model-server)
# The kernel settings the node's kubelet changes and restores on stop (tools/kube/node/k3s).
TUNABLES=(vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes)

say() { echo "[${SECONDS}s] $*"; }
die() { echo "error: $*" >&2; exit 1; }

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------------------------------------
# down

down() {
  if podman container exists "$NODE" 2>/dev/null; then
    local p
    p=$(podman port "$NODE" 6443/tcp 2>/dev/null | head -1 | sed 's/.*://')
    PORT=${p:-$PORT}
    echo "stopping $NODE (its entrypoint stops every Pod and restores the host's kernel settings)..."
    podman stop -t 30 "$NODE" >/dev/null
    podman rm -v "$NODE" >/dev/null
    echo "removed the container $NODE and its volumes"
  else
    echo "no container $NODE"
  fi
  rm -f "$KCFG"
  rm -rf "$HOME/.kube/cache/discovery/127.0.0.1_$PORT"
  local changed=()
  if [ -s "$HOST_STATE" ]; then
    while read -r t v; do
      [ "$(cat "/proc/sys/$t")" = "$v" ] || changed+=("$t is $(cat "/proc/sys/$t"), was $v")
    done < "$HOST_STATE"
  fi
  if [ ${#changed[@]} -gt 0 ]; then
    printf 'warning: a kernel setting differs from before the node started: %s\n' "${changed[@]}" >&2
    echo "(another Kubernetes node running on this host would change the same settings; $HOST_STATE kept)" >&2
    exit 1
  fi
  local settings="kernel settings as before the node started"
  [ -s "$HOST_STATE" ] || settings="the node's entrypoint restored the kernel settings it changed (no record of them from before: $0 did not start this node)"
  rm -f "$HOST_STATE"
  echo "the host is as it was: no container $NODE, $settings, $KCFG removed" \
    "(the built images and caches stay: */target, $CACHE, ${KUBE_DIR%/k8s/*})"
}

# ---------------------------------------------------------------------------------------------
# prerequisites: one line for each that is missing

prerequisites() {
  local missing=() gov jv
  [ "$(id -u)" -eq 0 ] || missing+=("run as root: the node is a privileged container and the images are built with mmdebstrap (sudo $0)")
  command -v podman >/dev/null || missing+=("podman is missing: apt-get install podman")
  command -v runc >/dev/null || missing+=("runc is missing (the node runs under it): apt-get install runc")
  command -v mmdebstrap >/dev/null || missing+=("mmdebstrap is missing (it builds the images from Debian packages): apt-get install mmdebstrap")
  command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH=$PATH:/usr/local/go/bin; }
  gov=$(go env GOVERSION 2>/dev/null || true)
  if ! [[ "$gov" =~ ^go1\.([0-9]+) ]] || [ "${BASH_REMATCH[1]}" -lt 24 ]; then
    missing+=("Go 1.24 or newer is needed to build Kubernetes and helm (found: ${gov:-none}): apt-get install golang-go where it is 1.24+ (Debian 13), else a Go release in /usr/local/go")
  fi
  jv=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  if [ -z "$jv" ] || [ "$jv" -lt 17 ] || ! command -v javac >/dev/null; then
    missing+=("a Java 17 JDK is needed (found: java ${jv:-none}, javac $(command -v javac >/dev/null && echo yes || echo none)): apt-get install openjdk-17-jdk-headless")
  fi
  command -v python3 >/dev/null || missing+=("python3 is missing (it sends the requests): apt-get install python3")
  command -v nsenter >/dev/null || missing+=("nsenter is missing: apt-get install util-linux")
  if [ ${#missing[@]} -gt 0 ]; then
    printf 'prerequisite: %s\n' "${missing[@]}" >&2
    exit 1
  fi
}

# ---------------------------------------------------------------------------------------------
# builds: each helper builds only what is missing or stale, and is instant otherwise

# Runs a build, saying every minute that it still runs; its stdout goes to the file $BUILD_OUT.
BUILD_OUT=$(mktemp)
trap 'rm -f "$BUILD_OUT"' EXIT
long_build() { # what command...
  local what=$1 t0=$SECONDS pid
  shift
  "$@" > "$BUILD_OUT" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    [ $(((SECONDS - t0) % 60)) -eq 59 ] && say "still building $what..." >&2
  done
  wait "$pid" || die "building $what failed: $*"
}

build() { # what command... (prints the command's last line of output)
  local what=$1 t0=$SECONDS
  long_build "$@"
  if [ $((SECONDS - t0)) -ge 2 ]; then say "$what: built in $((SECONDS - t0))s" >&2; else say "$what: present" >&2; fi
  tail -n 1 "$BUILD_OUT"
}

# The three image archives are rebuilt when one is missing, or when a file the images are made
# of is newer than the oldest archive: a pom.xml, anything under src/main of a module the images
# contain, or the base image archive. That is make's rule, by modification time; it may rebuild
# once too often (a touched file), never too rarely for a change to those files.
images_stale() {
  local oldest="" m
  for m in "${MODULES[@]}"; do
    [ -s "$root/$m/target/jib-image.tar" ] || { echo "$m/target/jib-image.tar is missing"; return 0; }
    if [ -z "$oldest" ] || [ "$root/$m/target/jib-image.tar" -ot "$oldest" ]; then oldest=$root/$m/target/jib-image.tar; fi
  done
  local newer
  newer=$(cd "$root" && find pom.xml */pom.xml api/src/main model-bundle/src/main "${MODULES[@]/%//src/main}" "$CACHE/base-image.tar" \
    -newer "$oldest" -type f -print -quit 2>/dev/null)
  [ -n "$newer" ] && { echo "$newer is newer than the image archives"; return 0; }
  return 1
}

builds() {
  build "Kubernetes binaries (${KUBE_DIR})" bash "$root/tools/kube/kube-binaries.sh" >/dev/null
  HELM=$(build "helm" bash "$root/tools/helm/helm-binary.sh")
  build "base image" bash "$root/tools/image/base-image.sh" >/dev/null
  build "node image $NODE_IMAGE" bash "$root/tools/kube/node-image.sh" >/dev/null
  local why
  if why=$(images_stale); then
    say "building the jars and the three images ($why)..."
    local t0=$SECONDS
    long_build "the jars and images (./mvnw -B -q package -Pimages -DskipTests)" sh -c 'cd "$1" && ./mvnw -B -q package -Pimages -DskipTests >&2' sh "$root"
    say "images modelops/{${MODULES[*]// /,}} built in $((SECONDS - t0))s"
  else
    say "images modelops/{${MODULES[*]// /,}}: present and newer than their sources"
  fi
  KUBECTL=$KUBE_DIR/kubectl
  [ -x "$KUBECTL" ] || die "$KUBECTL is missing"
}

# ---------------------------------------------------------------------------------------------
# the node

k() { "$KUBECTL" --kubeconfig "$KCFG" "$@"; }

# "<module> <mtime>" of each archive, as last imported into the node.
archive_stamps() { for m in "${MODULES[@]}"; do echo "$m $(stat -c %Y "$root/$m/target/jib-image.tar")"; done; }

write_kubeconfig() {
  mkdir -p "$(dirname "$KCFG")"
  podman exec "$NODE" cat /etc/rancher/k3s/k3s.yaml | sed "s#server: https://127.0.0.1:6443#server: https://127.0.0.1:$PORT#" > "$KCFG.tmp"
  chmod 600 "$KCFG.tmp"
  mv "$KCFG.tmp" "$KCFG"
}

start_node() {
  REUSED=0
  if [ "$(podman inspect -f '{{.State.Running}}' "$NODE" 2>/dev/null)" = true ]; then
    REUSED=1
    local p
    p=$(podman port "$NODE" 6443/tcp 2>/dev/null | head -1 | sed 's/.*://')
    [ -n "$p" ] && [ "$p" != "$PORT" ] && { say "the running $NODE serves its API on port $p (not $PORT): using it"; PORT=$p; }
    say "reusing the running node $NODE (API https://127.0.0.1:$PORT)"
    write_kubeconfig
    # Archives rebuilt since they were imported: import them again.
    local m stamps stamp now
    stamps=$(podman exec "$NODE" cat /var/lib/modelops-node/quickstart-images 2>/dev/null || true)
    for m in "${MODULES[@]}"; do
      stamp=$(echo "$stamps" | awk -v m="$m" '$1 == m {print $2}')
      now=$(stat -c %Y "$root/$m/target/jib-image.tar")
      if [ "$stamp" != "$now" ]; then
        podman exec -i "$NODE" k3s ctr images import - < "$root/$m/target/jib-image.tar" >/dev/null || die "cannot import the $m image into $NODE"
        say "imported the rebuilt image modelops/$m"
        [ "$m" = operator ] && RESTART_OPERATOR=1
      fi
    done
    archive_stamps | podman exec -i "$NODE" sh -c 'cat > /var/lib/modelops-node/quickstart-images'
    return
  fi
  if podman container exists "$NODE" 2>/dev/null; then
    say "removing the stopped container $NODE"
    podman rm -v "$NODE" >/dev/null
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "port 127.0.0.1:$PORT is in use: choose another with QUICKSTART_PORT=<port> $0"
  fi
  mkdir -p "$CACHE"
  for t in "${TUNABLES[@]}"; do echo "$t $(cat "/proc/sys/$t")"; done > "$HOST_STATE"
  local mounts=() m
  for m in "${MODULES[@]}"; do
    mounts+=(-v "$root/$m/target/jib-image.tar:/var/lib/rancher/k3s/agent/images/$m.tar:ro")
  done
  say "starting the node $NODE ($NODE_IMAGE) with the three images, API on 127.0.0.1:$PORT"
  podman run -d --name "$NODE" --runtime runc --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
    --privileged --cgroupns=private --tmpfs /run --tmpfs /var/run -p "127.0.0.1:$PORT:6443" \
    "${mounts[@]}" "$NODE_IMAGE" server --tls-san=127.0.0.1 >/dev/null || die "podman run failed"
  local deadline=$((SECONDS + STEP_TIMEOUT))
  until podman logs "$NODE" 2>&1 | grep -q 'Node controller sync successful'; do
    if [ "$(podman inspect -f '{{.State.Running}}' "$NODE" 2>/dev/null)" != true ] || [ $SECONDS -ge $deadline ]; then
      podman logs --tail 40 "$NODE" >&2
      die "the node did not become Ready (logs above; podman exec $NODE tail /var/log/kubernetes/*.log for more)"
    fi
    sleep 1
  done
  say "node Ready; imported $(podman logs "$NODE" 2>&1 | sed -n 's/.* node: imported \(operator\|trainer-job\|model-server\)\.tar .*/\1/p' | tr '\n' ' ' | sed 's/ $//')"
  write_kubeconfig
  archive_stamps | podman exec -i "$NODE" sh -c 'cat > /var/lib/modelops-node/quickstart-images'
}

# ---------------------------------------------------------------------------------------------
# waiting, and saying why a step did not finish

operator_log() { k -n "$SYSTEM_NS" logs deploy/modelops --tail="${1:-30}" 2>&1 | sed 's/^/  | /'; }

step_failed() { # what kind name
  echo "error: $1 (not done after ${STEP_TIMEOUT}s)" >&2
  if [ -n "${2:-}" ]; then
    echo "last status of $2/$3:" >&2
    k -n "$NS" get "$2" "$3" -o yaml 2>&1 | sed -n '/^status:/,$p' | sed 's/^/  /' >&2
  fi
  echo "recent events:" >&2
  k -n "$NS" get events --sort-by=.lastTimestamp 2>&1 | tail -n 8 | sed 's/^/  /' >&2
  echo "the operator's log:" >&2
  operator_log 30 >&2
  echo "the cluster is still running: export KUBECONFIG=$KCFG; stop it with $0 down" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------
# the operator and the story's inputs

install_operator() {
  say "installing the Helm chart helm/modelops (release modelops, namespace $SYSTEM_NS)"
  # Helm creates CRDs only on first install; apply them so a reused node has the current ones.
  k apply --server-side --force-conflicts -f "$root/helm/modelops/crds/" >/dev/null
  "$HELM" upgrade --install modelops "$root/helm/modelops" --kubeconfig "$KCFG" -n "$SYSTEM_NS" --create-namespace \
    --wait --timeout "${STEP_TIMEOUT}s" >/dev/null || step_failed "helm upgrade --install modelops"
  [ "${RESTART_OPERATOR:-0}" = 1 ] && k -n "$SYSTEM_NS" rollout restart deploy/modelops >/dev/null
  k -n "$SYSTEM_NS" rollout status deploy/modelops --timeout="${STEP_TIMEOUT}s" >/dev/null \
    || step_failed "the operator's rollout"
  say "operator running: $(k -n "$SYSTEM_NS" get deploy modelops -o jsonpath='{.spec.template.spec.containers[0].image}')"
}

# A reused node: the previous run's story goes, so this one starts from churn v1 again.
reset_story() {
  if [ -n "$(k -n "$NS" get experiments,modelversions,driftpolicies -o name 2>/dev/null)" ]; then
    say "removing the previous run's Experiments, ModelVersions and DriftPolicies"
    k -n "$NS" delete driftpolicies,experiments,modelversions --all --wait=true --timeout="${STEP_TIMEOUT}s" >/dev/null \
      || step_failed "deleting the previous run's resources"
  fi
  if [ -n "$(k -n "$NS" get pvc modelops-artifacts data -o name --ignore-not-found 2>/dev/null)" ]; then
    say "removing the previous run's claims (bundles and data)"
    k -n "$NS" delete pvc modelops-artifacts data --ignore-not-found --wait=true --timeout="${STEP_TIMEOUT}s" >/dev/null \
      || step_failed "deleting the previous run's claims"
  fi
}

storage_and_data() {
  k -n "$NS" apply -f "$root/examples/cluster/storage.yaml" >/dev/null
  local deadline=$((SECONDS + STEP_TIMEOUT)) pv=""
  until [ "$(k -n "$NS" get pvc data -o jsonpath='{.status.phase}' 2>/dev/null)" = Bound ]; do
    [ $SECONDS -ge $deadline ] && step_failed "claim data is not Bound" pvc data
    sleep 1
  done
  pv=$(k -n "$NS" get pvc data -o jsonpath='{.spec.volumeName}')
  local path
  path=$(k get pv "$pv" -o jsonpath='{.spec.hostPath.path}')
  [ -n "$path" ] || die "PersistentVolume $pv has no hostPath"
  podman cp "$root/examples/data/." "$NODE:$path/" || die "cannot copy examples/data into $NODE:$path"
  say "claims modelops-artifacts and data Bound; copied examples/data ($(cd "$root/examples/data" && ls | tr '\n' ' '| sed 's/ $//')) into claim data"
}

# ---------------------------------------------------------------------------------------------
# requests: python3 in the node's network namespace, where the Services' ClusterIPs route

send() { # predict|drift|version ARGS...
  local pid
  pid=$(podman inspect -f '{{.State.Pid}}' "$NODE" 2>/dev/null)
  nsenter --net="/proc/$pid/ns/net" python3 - "$@" <<'PY'
import csv, json, sys, time, urllib.error, urllib.request

cmd, ip = sys.argv[1], sys.argv[2]
base = "http://%s:8080" % ip

def call(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    # A Service's first endpoints reach kube-proxy a moment after the Service: a refused
    # connection (the request was never sent) is tried again for up to 5 s.
    for attempt in range(100):
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.load(r)
        except urllib.error.URLError as e:
            if not isinstance(e.reason, ConnectionRefusedError) or attempt == 99:
                raise
            time.sleep(0.05)

meta = call("/v2/models/churn")
numeric = {i["name"]: i["datatype"] == "FP64" for i in meta["inputs"]}

def record(row):
    rec = {}
    for name, is_number in numeric.items():
        cell = row[name].strip()
        rec[name] = None if cell in ("", "NA") else (float(cell) if is_number else cell)
    return rec

def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))

if cmd == "version":
    print(meta["versions"][0])
elif cmd == "predict":  # ip csv row(1-based): "<probability> <who>"
    row = rows(sys.argv[3])[int(sys.argv[4]) - 1]
    answer = call("/v1/predict", record(row))
    print("%.2f %s, %s months, %s" % (answer["probability"], row["contract"], row["tenure"],
                                     "churned" if row["churn"] == "Yes" else "stayed"))
elif cmd == "drift":  # ip csv n: n month-to-month customers, 100 a request
    drifted = [r for r in rows(sys.argv[3]) if r["contract"] == "Month-to-month"][: int(sys.argv[4])]
    probabilities = []
    for i in range(0, len(drifted), 100):
        probabilities += [a["probability"] for a in call("/v1/predict", [record(r) for r in drifted[i:i + 100]])]
    print("%d %.2f" % (len(probabilities), sum(probabilities) / len(probabilities)))
PY
}

# ---------------------------------------------------------------------------------------------
# narration: poll every second, one line per change

# Follows an Experiment's trials until it registers a ModelVersion; sets VERSION to its name.
follow_experiment() { # name
  local exp=$1 deadline=$((SECONDS + STEP_TIMEOUT)) metric status phase mv message succeeded=""
  local name tphase params objective reason tmessage
  declare -A said=()
  metric=$(k -n "$NS" get experiment "$exp" -o jsonpath='{.spec.objective.metric}')
  while :; do
    # One read per second: the Experiment's phase and version, then a line per trial.
    status=$(k -n "$NS" get experiment "$exp" -o jsonpath='{.status.phase}|{.status.modelVersion}|{.status.message}{"\n"}{range .status.trials[*]}{.name}|{.phase}|{.params}|{.objective}|{.reason}|{.message}{"\n"}{end}' 2>/dev/null || true)
    while IFS='|' read -r name tphase params objective reason tmessage; do
      [ -n "$name" ] && [ -n "$tphase" ] || continue
      [ "${said[$name]:-}" = "$tphase" ] && continue
      said[$name]=$tphase
      params=$(echo "$params" | tr -d '{}"' | tr ':,' '= ')
      case "$tphase" in
        Succeeded) say "trial $name Succeeded $metric=$(printf '%.2f' "$objective") ($params)" ;;
        Failed) say "trial $name Failed: $reason $tmessage" ;;
        *) say "trial $name $tphase ($params)" ;;
      esac
    done < <(echo "$status" | tail -n +2)
    IFS='|' read -r phase mv message < <(echo "$status" | head -n 1)
    if [ -n "$mv" ]; then VERSION=$mv; return; fi
    [ "$phase" = Failed ] && step_failed "Experiment $exp failed: $message" experiment "$exp"
    # Succeeded registers its version in the same or the next status update; without one after
    # a few seconds, the quality gate turned the best trial down.
    [ "$phase" = Succeeded ] && [ -z "$succeeded" ] && succeeded=$SECONDS
    [ -n "$succeeded" ] && [ $((SECONDS - succeeded)) -ge 15 ] && step_failed "Experiment $exp registered no ModelVersion: $message" experiment "$exp"
    [ $SECONDS -ge $deadline ] && step_failed "Experiment $exp did not register a ModelVersion" experiment "$exp"
    sleep 1
  done
}

# Follows a ModelVersion until it is Serving.
follow_version() { # name metric
  local mv=$1 metric=$2 deadline=$((SECONDS + STEP_TIMEOUT)) phase="" last="" value
  value=$(k -n "$NS" get modelversion "$mv" -o jsonpath="{.spec.metrics.$metric}")
  while :; do
    phase=$(k -n "$NS" get modelversion "$mv" -o jsonpath='{.status.phase}' 2>/dev/null || true)
    if [ -n "$phase" ] && [ "$phase" != "$last" ]; then
      if [ -z "$last" ]; then
        say "registered ModelVersion $mv ($metric $(printf '%.2f' "$value")), $phase"
      else
        say "ModelVersion $mv $phase"
      fi
      last=$phase
    fi
    case "$phase" in
      Serving) return ;;
      Failed) step_failed "ModelVersion $mv failed" modelversion "$mv" ;;
    esac
    [ $SECONDS -ge $deadline ] && step_failed "ModelVersion $mv is not Serving" modelversion "$mv"
    sleep 1
  done
}

# Waits until the model's Service routes to version N and answers from it; sets SERVICE_IP.
wait_for_service() { # model version
  local model=$1 version=$2 deadline=$((SECONDS + STEP_TIMEOUT))
  while :; do
    SERVICE_IP=$(k -n "$NS" get service "$model" -o jsonpath='{.spec.clusterIP}' 2>/dev/null || true)
    if [ -n "$SERVICE_IP" ] && [ "$(k -n "$NS" get service "$model" -o jsonpath='{.spec.selector.modelops\.dev/version}' 2>/dev/null)" = "$version" ] \
      && [ "$(send version "$SERVICE_IP" 2>/dev/null)" = "$version" ]; then
      return
    fi
    [ $SECONDS -ge $deadline ] && step_failed "Service $model does not answer from version $version" modelversion "$model-v$version"
    sleep 1
  done
}

# Follows the DriftPolicy until it starts a retrain; says which checks reached their retrain band.
follow_policy() { # name
  local dp=$1 deadline=$((SECONDS + STEP_TIMEOUT)) state watching message last="" experiment metric feature value band threshold verdict=""
  declare -A retrain_at=()
  while IFS='|' read -r metric feature threshold; do
    retrain_at["$metric|$feature"]=$threshold
  done < <(k -n "$NS" get driftpolicy "$dp" -o jsonpath='{range .spec.checks[*]}{.metric}|{.feature}|{.retrain}{"\n"}{end}')
  while :; do
    experiment=$(k -n "$NS" get driftpolicy "$dp" -o jsonpath='{.status.retrains[0].experiment}' 2>/dev/null || true)
    if [ -n "$experiment" ]; then
      while IFS='|' read -r metric feature value band; do
        [ "$band" = Retrain ] || continue
        threshold=${retrain_at["$metric|$feature"]:-?}
        case "$metric" in
          featureDrift) metric="$feature drift" ;;
          driftedFeatureShare) metric="share of drifted features" ;;
          predictionDrift) metric="prediction drift" ;;
        esac
        verdict="${verdict:+$verdict, }$metric $(printf '%.2f' "$value") > $threshold"
      done < <(k -n "$NS" get driftpolicy "$dp" -o jsonpath='{range .status.checks[*]}{.metric}|{.feature}|{.value}|{.band}{"\n"}{end}')
      say "drift verdict: Retrain (${verdict:-$(k -n "$NS" get driftpolicy "$dp" -o jsonpath='{.status.retrains[0].reason}')})"
      say "retraining Experiment $experiment on pvc://data/telco-churn.csv (everyone)"
      RETRAIN=$experiment
      return
    fi
    IFS='|' read -r state watching message < <(k -n "$NS" get driftpolicy "$dp" -o jsonpath='{.status.state}|{.status.modelVersion}|{.status.message}{"\n"}' 2>/dev/null || echo)
    # Retraining is said by the verdict, on the next read.
    if [ -n "$state" ] && [ "$state" != Retraining ] && [ "$state|$message" != "$last" ]; then
      [ ${#message} -gt 120 ] && message="${message:0:117}..."
      say "drift policy $dp watching ${watching:-nothing yet}: $state${message:+ ($message)}"
      last="$state|$message"
    fi
    [ $SECONDS -ge $deadline ] && step_failed "DriftPolicy $dp started no retrain" driftpolicy "$dp"
    sleep 1
  done
}

story() {
  # Customer #6 of telco-churn.csv: month-to-month, 8 months, churned (a kind v1 never saw).
  local customer=6 data=$root/examples/data/telco-churn.csv out metric v1 v2
  k -n "$NS" apply -f "$root/examples/quickstart/experiment.yaml" >/dev/null
  metric=$(k -n "$NS" get experiment churn-baseline -o jsonpath='{.spec.objective.metric}')
  say "applied Experiment churn-baseline: churn trained on yearly-contract customers (pvc://data/telco-churn-yearly.csv)"
  follow_experiment churn-baseline
  v1=$VERSION
  follow_version "$v1" "$metric"
  wait_for_service churn 1
  out=$(send predict "$SERVICE_IP" "$data" "$customer")
  local p1=${out%% *}
  say "prediction through Service churn ($SERVICE_IP): customer #$customer (${out#* }) churn probability $p1"

  out=$(send drift "$SERVICE_IP" "$data" 600) || die "sending the month-to-month customers failed"
  say "sent ${out%% *} month-to-month customers from telco-churn.csv through Service churn (mean churn probability ${out#* })"
  k -n "$NS" apply -f "$root/examples/quickstart/drift-policy.yaml" >/dev/null
  say "applied DriftPolicy churn-drift (every 10s; retrain when contract drift > 0.2)"
  follow_policy churn-drift
  follow_experiment "$RETRAIN"
  v2=$VERSION
  follow_version "$v2" "$metric"
  local n2
  n2=$(k -n "$NS" get modelversion "$v2" -o jsonpath='{.spec.version}')
  wait_for_service churn "$n2"
  local deadline=$((SECONDS + STEP_TIMEOUT))
  until [ "$(k -n "$NS" get modelversion "$v1" -o jsonpath='{.status.phase}')" = Superseded ]; do
    [ $SECONDS -ge $deadline ] && step_failed "$v1 is not Superseded" modelversion "$v1"
    sleep 1
  done
  say "$v2 promoted to $(k -n "$NS" get modelversion "$v2" -o jsonpath='{.spec.stage}'); $v1 Superseded; Service churn now serves version $n2"
  out=$(send predict "$SERVICE_IP" "$data" "$customer")
  say "prediction through Service churn ($SERVICE_IP): customer #$customer churn probability ${out%% *} (version 1 said $p1)"
}

# ---------------------------------------------------------------------------------------------

up() {
  prerequisites
  builds
  local t_built=$SECONDS
  start_node
  install_operator
  [ "$REUSED" = 1 ] && reset_story
  storage_and_data
  local t_ready=$SECONDS
  story
  echo
  echo "Done in ${SECONDS}s (builds $((t_built))s, node and operator $((t_ready - t_built))s, the loop $((SECONDS - t_ready))s). The cluster keeps running:"
  echo
  echo "  export KUBECONFIG=$KCFG"
  command -v kubectl >/dev/null || echo "  export PATH=$KUBE_DIR:\$PATH    # kubectl $K8S_VERSION, built with the node"
  echo "  kubectl get modelops"
  echo
  k -n "$NS" get modelops 2>&1 | sed 's/^/  /'
  echo
  echo "Stop it with: $0 down"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
