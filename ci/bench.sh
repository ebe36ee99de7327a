#!/usr/bin/env bash
# Reruns the speed figures of docs/bench.md and writes Reports/bench.md: `bench fleet` over MQTT
# and HTTPS against the fake in process and against `dpsconform serve` (throttling off), the same
# load client against the mosquitto broker when it is installed (plain MQTT publish/subscribe
# round trips of the same shape), and `bench --dice-certs`. Loopback only; every process it
# starts is stopped by its PID on exit.
#
#   ci/bench.sh                      release build, 2000 devices, 64 at a time
#   DEVICES=500 CONCURRENCY=32 BUILD=debug ci/bench.sh
#   SKIP_BUILD=1 ci/bench.sh         use the binary already built
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICES=${DEVICES:-2000}
CONCURRENCY=${CONCURRENCY:-64}
BUILD=${BUILD:-release}

if [ -z "${SKIP_BUILD:-}" ]; then swift build -c "$BUILD" --product dpsconform 2>&1 | tail -1; fi
BIN=".build/$BUILD/dpsconform"
WORK=$(mktemp -d)
PIDS=()
SHARD_PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p Reports

cpu_ticks() { # PID: user + system CPU time of a process so far, in clock ticks (/proc/PID/stat fields 14 and 15)
  awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0
}

fleet() { # NAME ARGS...: one bench fleet run, its JSON kept as $WORK/NAME.json; with SERVER_PID
  local name=$1; shift  # set, the server's CPU time over the run is kept as $WORK/NAME.cpu (ticks)
  echo "== $name"
  local before=0
  [ -n "${SERVER_PID:-}" ] && before=$(cpu_ticks "$SERVER_PID")
  "$BIN" bench fleet --devices "$DEVICES" --concurrency "$CONCURRENCY" --json "$WORK/$name.json" "$@" || true
  [ -n "${SERVER_PID:-}" ] && echo $(( $(cpu_ticks "$SERVER_PID") - before )) > "$WORK/$name.cpu"
  return 0
}

# 1. The fake in process (one event-loop thread per core, throttling off).
fleet inprocess-mqtt --transport mqtt
fleet inprocess-https --transport https

# 2. `serve` in its own process, throttling off, retry-after 0, assigned at the first poll.
GROUP_KEY=$(openssl rand -base64 32)
export GROUP_KEY
cat > "$WORK/enrollments.yaml" <<YAML
groups:
  - groupId: bench
    symmetricKey: {primaryKey: "$GROUP_KEY"}
YAML
"$BIN" serve --enrollments "$WORK/enrollments.yaml" --mqtt-port 0 --https-port 0 --state-dir "$WORK/serve" \
  --service-limit off --poll-limit off --retry-after 0 --assigning-polls 0 --max-connections 4096 \
  >"$WORK/serve.log" 2>&1 &
PIDS+=($!)
SERVER_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/serve/endpoint.json" ] && break; sleep 0.1; done
read -r MQTT_PORT HTTPS_PORT SCOPE CA < <(python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(e["mqttPort"], e["httpsPort"], e["idScope"], e["caFile"])' "$WORK/serve/endpoint.json")
fleet serve-mqtt --transport mqtt --target "mqtts://127.0.0.1:$MQTT_PORT" --ca "$CA" --id-scope "$SCOPE" --group-key-env GROUP_KEY
fleet serve-https --transport https --target "https://127.0.0.1:$HTTPS_PORT" --ca "$CA" --id-scope "$SCOPE" --group-key-env GROUP_KEY
# The same fleet in two shards side by side, joined by bench merge (percentiles from the merged histograms).
echo "== serve-mqtt-shards"
for k in 1 2; do
  "$BIN" bench fleet --devices "$DEVICES" --concurrency $((CONCURRENCY / 2)) --transport mqtt --shard "$k/2" \
    --target "mqtts://127.0.0.1:$MQTT_PORT" --ca "$CA" --id-scope "$SCOPE" --group-key-env GROUP_KEY --prefix shards \
    --json "$WORK/shard-$k.json" >/dev/null &
  SHARD_PIDS+=($!)
done
for pid in "${SHARD_PIDS[@]}"; do wait "$pid" || true; done
"$BIN" bench merge "$WORK/shard-1.json" "$WORK/shard-2.json" --json "$WORK/serve-mqtt-shards.json" || true
SERVER_PID=""
SERVE_RSS_KIB=$(grep VmHWM "/proc/${PIDS[0]}/status" 2>/dev/null | awk '{print $2}' || echo "")

# 3. mosquitto, when installed: TLS listener on loopback, anonymous, the same load client.
if command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; then
  MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench CA" \
    -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$WORK/broker.key" -out "$WORK/broker.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$WORK/san.ext"
  openssl x509 -req -in "$WORK/broker.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -days 2 \
    -extfile "$WORK/san.ext" -out "$WORK/broker.pem" 2>/dev/null
  BROKER_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  cat > "$WORK/mosquitto.conf" <<CONF
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
cafile $WORK/ca.pem
certfile $WORK/broker.pem
keyfile $WORK/broker.key
max_connections -1
persistence false
log_dest none
user $(id -un)
CONF
  "$MOSQUITTO" -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
  PIDS+=($!)
  SERVER_PID=$!
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$BROKER_PORT") 2>/dev/null && break; sleep 0.1; done
  fleet mosquitto --transport mqtt-broker --target "mqtts://127.0.0.1:$BROKER_PORT" --ca "$WORK/ca.pem"
  SERVER_PID=""
else
  echo "== mosquitto not installed: no broker comparison"
fi

# 4. DICE derivation.
echo "== dice"
DICE=$("$BIN" bench --dice-certs 5000 2>/dev/null | grep 'per second' | head -1 || true)
echo "$DICE"

python3 - "$WORK" "$BUILD" "$DICE" "${SERVE_RSS_KIB:-}" "$(getconf CLK_TCK)" > Reports/bench.md <<'PY'
import json, os, subprocess, sys, datetime
work, build, dice, serve_rss, ticks = sys.argv[1:6]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
print(f"# dpsconform bench ({build} build)\n")
print(f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; machine: {cores} cores, {cpu}.")
print("Load generator and server on the same machine, loopback. Latencies in ms from the merged histograms.")
print("Server CPU: user + system time of the server process over the run, per exchange (serve and mosquitto only).\n")
print("| run | transport | devices | concurrency | assigned | exchanges/s | total p50 | p90 | p99 | p99.9 | max | register p50 | tcp+tls p50 | server CPU ms/exchange | errors | peak RSS |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
names = ["inprocess-mqtt", "inprocess-https", "serve-mqtt", "serve-https", "serve-mqtt-shards", "mosquitto"]
labels = {"inprocess-mqtt": "fake in process", "inprocess-https": "fake in process", "serve-mqtt": "serve (own process)",
          "serve-https": "serve (own process)", "serve-mqtt-shards": "serve, 2 shards merged", "mosquitto": "mosquitto broker (same shape)"}
for name in names:
    path = os.path.join(work, name + ".json")
    if not os.path.exists(path):
        continue
    r = json.load(open(path))
    t = r["phases"]["total"]; reg = r["phases"]["register"]; tls = r["phases"]["tcpTLS"]
    ms = lambda v: f"{v / 1000:.1f}"
    errors = ", ".join(f"{k} {v}" for k, v in sorted(r["errors"].items())) or "none"
    rss = f'{r["peakResidentBytes"] // 1048576} MiB' if r.get("peakResidentBytes") else ""
    cpu = ""
    cpu_path = os.path.join(work, name + ".cpu")
    if os.path.exists(cpu_path) and r["provisioned"]:
        cpu = f'{int(open(cpu_path).read()) * 1000 / int(ticks) / r["provisioned"]:.2f}'
    if name.startswith("serve") and serve_rss:
        rss = f"{int(serve_rss) // 1024} MiB (serve)"
    print(f'| {labels[name]} | {r["transport"]} | {r["attempted"]} | {r["concurrency"]} | {r["provisioned"]} | {r["exchangesPerSecond"]:.0f} | '
          f'{ms(t["p50"])} | {ms(t["p90"])} | {ms(t["p99"])} | {ms(t["p999"])} | {ms(t["max"])} | {ms(reg["p50"])} | {ms(tls["p50"])} | {cpu} | {errors} | {rss} |')
if dice:
    print(f"\nDICE: {dice}")
PY
cat Reports/bench.md
