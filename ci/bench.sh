#!/usr/bin/env bash
# Reruns the speed figures of docs/bench.md and writes Reports/bench.md (Markdown tables) and
# Reports/bench-profile.md. Loopback only; every process it starts is stopped by its PID on exit,
# and every wait has a deadline. Sections, in order (each is reported, or the report says why not):
#
#   1. `bench fleet` over MQTT and HTTPS against the fake in process;
#   2. the same against `dpsconform serve` (throttling off, retry-after 0), and in two shards
#      joined by `bench merge`;
#   3. Microsoft's Python SDK (azure-iot-device, in .venv-interop) and `bench fleet` provisioning
#      the same fleet against the same `serve`, C at a time each: the ratio of throughputs;
#   4. a profile of `serve` over MQTT (perf record -g; valgrind callgrind when perf cannot run);
#   5. the mosquitto broker doing the same shape of exchange (when installed);
#   6. nginx over HTTPS answering with the fake's own response bodies (Debian nginx, installed
#      when missing), server CPU of master and workers;
#   7. openssl s_server + s_time -new: the TLS handshake ceiling on the same cores, P-256;
#   8. `serve` with 100,000 individual enrollments: load time, memory, and the exchange rate of
#      devices at the start of the file against devices at its end;
#   9. `bench --dice-certs`.
#
#   ci/bench.sh                                  release build, 2000 devices, 64 at a time
#   DEVICES=300 CONCURRENCY=16 ci/bench.sh       a quicker run
#   SKIP_BUILD=1 ci/bench.sh                     use the binary already built
#   BUILD=debug | SDK_DEVICES=100 SDK_CONCURRENCY=16 | SCALE_ENROLLMENTS=100000 SCALE_DEVICES=2000
#   PROFILER=perf|callgrind|none | NGINX=0 | SDK=0 | SCALE=0 | TLS_CEILING=0   (0: skip that section)
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICES=${DEVICES:-2000}
CONCURRENCY=${CONCURRENCY:-64}
BUILD=${BUILD:-release}
SDK_DEVICES=${SDK_DEVICES:-100}
SDK_CONCURRENCY=${SDK_CONCURRENCY:-16}
SDK_TOTAL_SECONDS=${SDK_TOTAL_SECONDS:-300}
SCALE_ENROLLMENTS=${SCALE_ENROLLMENTS:-100000}
SCALE_DEVICES=${SCALE_DEVICES:-2000}
TLS_SECONDS=${TLS_SECONDS:-10}
PROFILER=${PROFILER:-perf}
FLEET_CAP_SECONDS=${FLEET_CAP_SECONDS:-900}   # one bench fleet run at most

if [ -z "${SKIP_BUILD:-}" ]; then swift build -c "$BUILD" --product dpsconform 2>&1 | tail -1; fi
BIN=".build/$BUILD/dpsconform"
WORK=$(mktemp -d)
PIDS=()
SERVER_PID=""
SERVE_PID=""
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p Reports
: > "$WORK/facts.tsv"

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

note() { # KEY VALUE: a fact for the report (one line of $WORK/facts.tsv)
  printf '%s\t%s\n' "$1" "$2" >> "$WORK/facts.tsv"
}

alive() { # PID: running (a zombie child that has not been waited for is not)
  local state
  state=$(awk '{sub(/^.*\) /, ""); print $1}' "/proc/$1/stat" 2>/dev/null || true)
  [ -n "$state" ] && [ "$state" != Z ]
}

stop_pid() { # PID [SIGNAL]: sends SIGNAL (TERM), waits at most 15 s, then SIGKILL
  local pid=$1 signal=${2:-TERM}
  if alive "$pid"; then
    kill -"$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

start_bg() { # NAME CMD...: starts CMD in the background (output in $WORK/NAME.log), PID in BG_PID and PIDS
  local name=$1; shift
  "$@" </dev/null >"$WORK/$name.log" 2>&1 &
  BG_PID=$!
  PIDS+=("$BG_PID")
}

wait_for_file() { # FILE SECONDS [PID]: until FILE is written; gives up early when process PID has ended
  local tries=$(( $2 * 20 ))
  for _ in $(seq 1 "$tries"); do
    [ -s "$1" ] && return 0
    [ -n "${3:-}" ] && ! alive "$3" && return 1
    sleep 0.05
  done
  return 1
}

wait_for_port() { # PORT SECONDS: until a TCP connect to 127.0.0.1:PORT succeeds
  local tries=$(( $2 * 10 ))
  for _ in $(seq 1 "$tries"); do
    timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

cpu_ticks() { # PID: user + system CPU time so far of the process and its live children, in clock
  local pid total=0  # ticks (/proc/PID/stat fields 14 and 15); nginx's workers are its master's children
  for pid in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
    total=$(( total + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}

kib_of() { # PID FIELD: VmRSS or VmHWM of a process, in KiB
  awk -v field="$2:" '$1 == field {print $2}' "/proc/$1/status" 2>/dev/null || true
}

fleet() { # NAME ARGS...: one bench fleet run, its JSON kept as $WORK/NAME.json; with SERVER_PID
  local name=$1; shift  # set, the server's CPU time over the run is kept as $WORK/NAME.cpu (ticks).
  local devices=${FLEET_DEVICES:-$DEVICES} concurrency=${FLEET_CONCURRENCY:-$CONCURRENCY} before=0
  echo "== $name ($devices devices, $concurrency at a time)"
  [ -n "$SERVER_PID" ] && before=$(cpu_ticks "$SERVER_PID")
  timeout -k 10 "$FLEET_CAP_SECONDS" "$BIN" bench fleet --devices "$devices" --concurrency "$concurrency" \
    --json "$WORK/$name.json" "$@" >"$WORK/$name.out" 2>&1 || true
  grep -E '^(assigned|completed|errors)' "$WORK/$name.out" || tail -2 "$WORK/$name.out"
  [ -n "$SERVER_PID" ] && echo $(( $(cpu_ticks "$SERVER_PID") - before )) > "$WORK/$name.cpu"
  return 0
}

make_ca() { # a throwaway CA and a P-256 server certificate for localhost / 127.0.0.1 ($WORK/ca.pem, server.pem, server.key)
  [ -s "$WORK/server.pem" ] && return 0
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench CA" \
    -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$WORK/san.ext"
  openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -days 2 \
    -extfile "$WORK/san.ext" -out "$WORK/server.pem" 2>/dev/null
}

install_debian_package() { # PACKAGE: as ci/install-deps.sh does it (apt-get; sudo only when not root)
  local sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo -n"
  command -v apt-get >/dev/null 2>&1 || return 1
  echo "== installing $1 (Debian)"
  { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "$1"; } \
    >"$WORK/apt-$1.log" 2>&1
}

start_serve() { # NAME ENROLLMENTS: `serve` at capacity (throttling off, retry-after 0, assigned at the first poll)
  local name=$1 enrollments=$2  # in the background; SERVE_STARTED (s.ns) when launched, BG_PID its PID
  SERVE_STARTED=$(date +%s.%N)
  start_bg "$name" "$BIN" serve --enrollments "$enrollments" --mqtt-port 0 --https-port 0 --state-dir "$WORK/$name" \
    --service-limit off --poll-limit off --retry-after 0 --assigning-polls 0 --max-connections 4096
}

endpoint_field() { # NAME FIELD: a field of $WORK/NAME/endpoint.json
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/$1/endpoint.json" "$2"
}

# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------

section_in_process() { # 1. the fake in process (one event-loop thread per core, throttling off)
  fleet inprocess-mqtt --transport mqtt
  fleet inprocess-https --transport https
}

section_serve() { # 2. `serve` in its own process; leaves it running (SERVE_PID) for section 3
  cat > "$WORK/enrollments.yaml" <<YAML
groups:
  - groupId: bench
    symmetricKey: {primaryKey: "$GROUP_KEY"}
YAML
  start_serve serve "$WORK/enrollments.yaml"
  if ! wait_for_file "$WORK/serve/endpoint.json" 60 "$BG_PID"; then
    note serve.status "not run: serve wrote no endpoint file within 60 s"
    return 0
  fi
  SERVE_PID=$BG_PID
  MQTT_PORT=$(endpoint_field serve mqttPort); HTTPS_PORT=$(endpoint_field serve httpsPort)
  SCOPE=$(endpoint_field serve idScope); CA=$(endpoint_field serve caFile)
  local target=(--ca "$CA" --id-scope "$SCOPE" --group-key-env GROUP_KEY)
  SERVER_PID=$SERVE_PID
  fleet serve-mqtt --transport mqtt --target "mqtts://127.0.0.1:$MQTT_PORT" "${target[@]}"
  fleet serve-https --transport https --target "https://127.0.0.1:$HTTPS_PORT" "${target[@]}"
  SERVER_PID=""
  # The same fleet in two shards side by side, joined by bench merge (percentiles from the merged histograms).
  echo "== serve-mqtt-shards"
  local k shard_pids=()
  for k in 1 2; do
    timeout -k 10 "$FLEET_CAP_SECONDS" "$BIN" bench fleet --devices "$DEVICES" --concurrency $((CONCURRENCY / 2)) \
      --transport mqtt --shard "$k/2" --target "mqtts://127.0.0.1:$MQTT_PORT" "${target[@]}" --prefix shards \
      --json "$WORK/shard-$k.json" >/dev/null &
    shard_pids+=($!); PIDS+=($!)
  done
  for k in "${shard_pids[@]}"; do wait "$k" || true; done
  "$BIN" bench merge "$WORK/shard-1.json" "$WORK/shard-2.json" --json "$WORK/serve-mqtt-shards.json" >/dev/null || true
}

record_fake_responses() { # the fake's own HTTPS answers, for nginx to send: one device's register (202) and
  # poll (200 assigned), recorded with curl against `serve`. The device is probe-000001, whose ID has the
  # length of the fleet's (fleet-000001...), so the bodies have the size the fake sends each fleet device.
  [ -n "$SERVE_PID" ] || return 0
  local base="https://127.0.0.1:$HTTPS_PORT/$SCOPE/registrations/probe-000001" query="?api-version=2019-03-31"
  # The SAS token (a key derived from the group key, valid for an hour) goes into a header file, never to the terminal.
  python3 - "$SCOPE" probe-000001 > "$WORK/probe.header" <<'PY'
import base64, hashlib, hmac, os, sys, time, urllib.parse
scope, rid = sys.argv[1:3]
key = base64.b64encode(hmac.new(base64.b64decode(os.environ["GROUP_KEY"]), rid.encode(), hashlib.sha256).digest())
sr = urllib.parse.quote(f"{scope}/registrations/{rid}", safe="")
se = int(time.time()) + 3600
sig = base64.b64encode(hmac.new(base64.b64decode(key), f"{sr}\n{se}".encode(), hashlib.sha256).digest()).decode()
print(f"Authorization: SharedAccessSignature sr={sr}&sig={urllib.parse.quote(sig, safe='')}&se={se}&skn=registration")
PY
  curl -sS --max-time 10 --cacert "$CA" -X PUT -H @"$WORK/probe.header" -H "Content-Type: application/json; charset=utf-8" \
    --data '{"registrationId":"probe-000001"}' -D "$WORK/fake-202.head" -o "$WORK/fake-202.body" "$base/register$query" || return 0
  local operation
  operation=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["operationId"])' "$WORK/fake-202.body" 2>/dev/null) || return 0
  curl -sS --max-time 10 --cacert "$CA" -H @"$WORK/probe.header" -D "$WORK/fake-200.head" -o "$WORK/fake-200.body" \
    "$base/operations/$operation$query" || return 0
  rm -f "$WORK/probe.header"
  note fake.202.bytes "$(wc -c < "$WORK/fake-202.body")"
  note fake.200.bytes "$(wc -c < "$WORK/fake-200.body")"
}

section_python_sdk() { # 3. Microsoft's Python SDK against the same serve as bench fleet, same fleet size and concurrency
  if [ "${SDK:-1}" = 0 ]; then note sdk.status "skipped (SDK=0)"; return 0; fi
  if [ -z "$SERVE_PID" ]; then note sdk.status "not run: serve did not start"; return 0; fi
  if [ ! -x .venv-interop/bin/python ]; then
    echo "== making .venv-interop (ci/setup-interop-venv.sh)"
    if ! timeout 600 ci/setup-interop-venv.sh >"$WORK/venv.log" 2>&1; then
      note sdk.status "not run: ci/setup-interop-venv.sh failed (azure-iot-device not installed)"; return 0
    fi
  fi
  note sdk.version "$(.venv-interop/bin/python -c 'import importlib.metadata as m; print(m.version("azure-iot-device"))' 2>/dev/null || echo unknown)"
  echo "== python-sdk ($SDK_DEVICES devices, $SDK_CONCURRENCY at a time, asyncio)"
  timeout -k 10 $(( SDK_TOTAL_SECONDS + 60 )) .venv-interop/bin/python ci/interop/sdk_fleet.py \
    --endpoint-file "$WORK/serve/endpoint.json" --group-key-env GROUP_KEY --devices "$SDK_DEVICES" \
    --concurrency "$SDK_CONCURRENCY" --prefix pysdk --device-timeout 30 --total-timeout "$SDK_TOTAL_SECONDS" \
    --json "$WORK/sdk-python.json" 2>"$WORK/sdk-python.log" || true
  FLEET_DEVICES=$SDK_DEVICES FLEET_CONCURRENCY=$SDK_CONCURRENCY fleet sdk-fleet --transport mqtt \
    --target "mqtts://127.0.0.1:$MQTT_PORT" --ca "$CA" --id-scope "$SCOPE" --group-key-env GROUP_KEY --prefix fleetsdk
  note sdk.status "ran"
}

demangle() { # swift demangle --simplified when swift is there, else unchanged
  if command -v swift >/dev/null 2>&1; then swift demangle --simplified; else cat; fi
}

report_profile() { # KIND SELF INCLUSIVE [DSO]: Reports/bench-profile.md from demangled listings (perf or callgrind)
  python3 - "$1" "$2" "$3" "${4:-}" "$PROFILE_DEVICES" "$PROFILE_CONCURRENCY" "$BUILD" > Reports/bench-profile.md <<'PY'
import datetime, os, re, subprocess, sys
kind, self_path, incl_path, dso_path, devices, concurrency, build = sys.argv[1:8]
tidy = lambda line: re.sub(r"\s+-\s+-\s*$", "", line.rstrip())
lines = lambda path: [tidy(l) for l in open(path, encoding="utf-8", errors="replace") if l.strip() and not l.startswith("#")] if path and os.path.exists(path) else []
self_lines, incl_lines, dso_lines = lines(self_path), lines(incl_path), lines(dso_path)
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
print(f"# Where the fake's time goes over MQTT ({kind})\n")
print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; {cores} cores; `serve` started for the profile ({build} build, throttling off, retry-after 0) "
      f"during `bench fleet --transport mqtt` against it ({devices} devices, {concurrency} at a time); the load client runs on the same cores "
      "and is not profiled. Symbols demangled with `swift demangle --simplified`. Written by ci/bench.sh.\n")
if kind.startswith("perf"):
    # perf lines: "children%  self%  [.] symbol" (inclusive listing) and "self%  [.] symbol" (self listing).
    incl = []
    for l in incl_lines:
        m = re.match(r"\s*([\d.]+)%\s+([\d.]+)%\s+\[(.)\]\s+(.*)", l)
        if m: incl.append((float(m.group(1)), float(m.group(2)), m.group(3), m.group(4)))
    selfs = []
    for l in self_lines:
        m = re.match(r"\s*([\d.]+)%\s+\[(.)\]\s+(.*)", l)
        if m: selfs.append((float(m.group(1)), m.group(2), m.group(3)))
    def inclusive(pattern):
        return max((c for c, _, _, sym in incl if re.search(pattern, sym)), default=0.0)
    def self_sum(pattern, space="."):
        return sum(v for v, sp, sym in selfs if sp == space and re.search(pattern, sym))
    areas = [
        ("TLS handshakes (BoringSSL SSL_do_handshake, both flights)", inclusive(r"SSL_do_handshake$")),
        ("  of which an X25519MLKEM768 key exchange (BoringSSL clients offer it first; the fake offers classical groups only)", inclusive(r"X25519MLKEM768KeyShare::Encap")),
        ("  of which the ECDSA P-256 signature (CertificateVerify)", inclusive(r"ecdsa_sign|ECDSA_do_sign|ecdsa_do_sign")),
        ("TLS record layer (encrypting what is written; AES-GCM)", inclusive(r"NIOSSLHandler\.writeDataToNetwork")),
        ("socket writes (NIO flush to the kernel, TCP on loopback)", inclusive(r"^Socket\.write\(pointer:\)")),
        ("socket reads", inclusive(r"^Socket\.read\(pointer:")),
        ("MQTT session handler (everything after TLS decryption)", inclusive(r"^MQTTSessionHandler\.channelRead")),
        ("  the provisioning service (ProvisioningService.handle)", inclusive(r"^ProvisioningService\.handle")),
        ("    completing an operation (ServiceState.complete)", inclusive(r"ServiceState\.complete")),
        ("    SAS token verification (Attestor)", inclusive(r"^(static )?Attestor\.|SASToken")),
        ("  JSON (JSONText, JSONEncoder/Decoder)", inclusive(r"JSONText\.|JSONEncoder|JSONDecoder|__JSONEncoder|JSONMap")),
        ("  transcript (WireRecorder.record: the wire events kept for the report)", inclusive(r"^WireRecorder\.record")),
        ("  logging (swift-log)", inclusive(r"^Logger\.|LogHandler")),
        ("malloc/free (self)", self_sum(r"^(malloc|_int_malloc|_int_free|cfree|free|realloc|unlink_chunk|malloc_consolidate)")),
        ("Swift reference counting (self: swift_retain/release)", self_sum(r"^swift_(retain|release|bridgeObjectRetain|bridgeObjectRelease)")),
        ("hashing (self: Hasher)", self_sum(r"^Hasher\.|Hasher\._")),
        ("kernel (self, all [k] symbols)", self_sum(r".", space="k")),
    ]
    print("## Areas (percent of serve's sampled CPU time)\n")
    print("Inclusive figures (a function with everything it calls) overlap: a nested row is part of the row above it. "
          "Self figures are summed over the symbols named.\n")
    print("| area | % of serve's CPU |\n|---|---|")
    for label, value in areas:
        print(f"| {label.replace('  ', '&nbsp;&nbsp;')} | {value:.1f} |")
    print()
if dso_lines:
    print("## By shared object (self)\n\n```")
    print("\n".join(dso_lines[:15]))
    print("```\n")
print("## Self time (top entries)\n\n```")
print("\n".join(self_lines[:45]))
print("```\n\n## Inclusive time (children included; top entries)\n\n```")
print("\n".join(incl_lines[:80]))
print("```")
PY
}

section_profile() { # 4. where serve's time goes over MQTT
  PROFILE_DEVICES=${PROFILE_DEVICES:-$DEVICES}; PROFILE_CONCURRENCY=$CONCURRENCY
  if [ "$PROFILER" = none ]; then note profile.status "skipped (PROFILER=none)"; return 0; fi
  if [ ! -s "$WORK/enrollments.yaml" ]; then note profile.status "not run: serve did not start"; return 0; fi
  if [ "$PROFILER" = perf ] && command -v perf >/dev/null 2>&1 && perf record -q -o "$WORK/perf-check.data" -- true >/dev/null 2>&1; then
    # A serve of its own, fresh as in the serve-mqtt run (no operations or assignments of earlier runs). -g: frame-pointer call chains (Swift and NIO's C code on Linux keep frame pointers); 999 Hz.
    start_serve profile-serve "$WORK/enrollments.yaml"
    local serve_pid=$BG_PID
    if wait_for_file "$WORK/profile-serve/endpoint.json" 60 "$serve_pid"; then
      start_bg perf perf record -g -F 999 -o "$WORK/perf.data" -p "$serve_pid"
      local perf_pid=$BG_PID
      sleep 1
      FLEET_DEVICES=$PROFILE_DEVICES fleet profile-mqtt --transport mqtt --target "mqtts://127.0.0.1:$(endpoint_field profile-serve mqttPort)" \
        --ca "$(endpoint_field profile-serve caFile)" --id-scope "$(endpoint_field profile-serve idScope)" --group-key-env GROUP_KEY --prefix profile
      stop_pid "$perf_pid" INT  # perf writes its data on SIGINT
    fi
    stop_pid "$serve_pid"
    local report=(perf report -i "$WORK/perf.data" --stdio -g none --percent-limit 0.01)
    timeout 300 "${report[@]}" --sort symbol --no-children 2>/dev/null | demangle > "$WORK/profile-self.txt" || true
    timeout 300 "${report[@]}" --sort symbol --children 2>/dev/null | demangle > "$WORK/profile-inclusive.txt" || true
    timeout 300 "${report[@]}" --sort dso --no-children 2>/dev/null > "$WORK/profile-dso.txt" || true
    if grep -q '%' "$WORK/profile-self.txt" 2>/dev/null; then
      report_profile "perf record -g, cpu-clock at 999 Hz, $PROFILE_DEVICES devices" "$WORK/profile-self.txt" "$WORK/profile-inclusive.txt" "$WORK/profile-dso.txt"
      note profile.status "perf"
      return 0
    fi
  fi
  if command -v valgrind >/dev/null 2>&1; then
    # callgrind runs serve 20-50x slower: a small fleet, on a serve of its own. The copy it runs has no
    # DWARF (objcopy --strip-debug; function names stay): valgrind 3.19 cannot read the DWARF 5 of Swift 6 builds.
    PROFILE_DEVICES=${CALLGRIND_DEVICES:-100}; PROFILE_CONCURRENCY=8
    objcopy --strip-debug "$BIN" "$WORK/dpsconform-nodebug" 2>/dev/null || cp "$BIN" "$WORK/dpsconform-nodebug"
    start_bg callgrind-serve valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" \
      "$WORK/dpsconform-nodebug" serve --enrollments "$WORK/enrollments.yaml" --mqtt-port 0 --state-dir "$WORK/callgrind-serve" \
      --service-limit off --poll-limit off --retry-after 0 --assigning-polls 0 --tls-handshake-timeout 60 --connect-timeout 60
    local vg_pid=$BG_PID
    if wait_for_file "$WORK/callgrind-serve/endpoint.json" 180 "$vg_pid"; then
      FLEET_DEVICES=$PROFILE_DEVICES FLEET_CONCURRENCY=$PROFILE_CONCURRENCY fleet profile-mqtt --transport mqtt \
        --target "mqtts://127.0.0.1:$(endpoint_field callgrind-serve mqttPort)" --ca "$(endpoint_field callgrind-serve caFile)" \
        --id-scope "$(endpoint_field callgrind-serve idScope)" --group-key-env GROUP_KEY --prefix profile --timeout 60
    fi
    stop_pid "$vg_pid" TERM
    if [ -s "$WORK/callgrind.out" ] && [ -s "$WORK/profile-mqtt.json" ]; then
      timeout 300 callgrind_annotate --inclusive=no "$WORK/callgrind.out" 2>/dev/null | head -70 | demangle > "$WORK/profile-self.txt" || true
      timeout 300 callgrind_annotate --inclusive=yes "$WORK/callgrind.out" 2>/dev/null | head -100 | demangle > "$WORK/profile-inclusive.txt" || true
      report_profile "valgrind --tool=callgrind, instructions, $PROFILE_DEVICES devices" "$WORK/profile-self.txt" "$WORK/profile-inclusive.txt"
      note profile.status "callgrind"
      return 0
    fi
  fi
  local why="perf could not record serve"
  [ "$PROFILER" = perf ] || why="perf not tried (PROFILER=$PROFILER)"
  if [ -s "$WORK/callgrind-serve.log" ]; then
    why="$why, and valgrind could not run serve: $(grep -m1 -E 'INTERNAL ERROR|Giving up|impossible|error' "$WORK/callgrind-serve.log" | sed 's/^[=-]*[0-9]*[=-]* *//')"
  fi
  note profile.status "not run: $why"
  printf '# Where the fake'"'"'s time goes over MQTT\n\nNot measured in the run of %s UTC: %s.\n' "$(date -u '+%Y-%m-%d %H:%M')" "$why" \
    > Reports/bench-profile.md
}

stop_serve() {
  [ -n "$SERVE_PID" ] || return 0
  SERVE_HWM_KIB=$(kib_of "$SERVE_PID" VmHWM)
  note serve.hwm.kib "${SERVE_HWM_KIB:-}"
  stop_pid "$SERVE_PID"
  SERVE_PID=""
}

section_mosquitto() { # 5. mosquitto, when installed: TLS listener on loopback, anonymous, the same load client.
  # set_tcp_nodelay: without it (mosquitto's default) each exchange stalls about 40 ms on Nagle's algorithm
  # against delayed ACKs (at 16 devices at a time: 325 exchanges/s and a p50 of 45 ms, against 1,100-1,200/s
  # and 13-14 ms with it); the fake's SwiftNIO sockets do not wait either.
  local mosquitto
  mosquitto=$(command -v mosquitto || { [ -x /usr/sbin/mosquitto ] && echo /usr/sbin/mosquitto; } || true)
  if [ -z "$mosquitto" ]; then note mosquitto.status "not run: mosquitto is not installed (ci/install-deps.sh installs it)"; return 0; fi
  make_ca
  local port; port=$(free_port)
  cat > "$WORK/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
cafile $WORK/ca.pem
certfile $WORK/server.pem
keyfile $WORK/server.key
max_connections -1
persistence false
log_dest none
set_tcp_nodelay true
user $(id -un)
CONF
  start_bg mosquitto "$mosquitto" -c "$WORK/mosquitto.conf"
  local pid=$BG_PID
  if ! wait_for_port "$port" 10; then note mosquitto.status "not run: the broker did not listen within 10 s"; stop_pid "$pid"; return 0; fi
  SERVER_PID=$pid
  fleet mosquitto --transport mqtt-broker --target "mqtts://127.0.0.1:$port" --ca "$WORK/ca.pem"
  SERVER_PID=""
  stop_pid "$pid"
  note mosquitto.status "ran"
}

write_nginx_conf() { # DIR PORT: nginx.conf answering the fake's recorded register (202) and poll (200)
  python3 - "$1" "$2" "$(nproc)" "$WORK" "$(id -u)" "$(id -un)" > "$1/nginx.conf" <<'PY'
import sys
conf_dir, port, cores, work, uid, user = sys.argv[1:7]
def body(name):
    text = open(f"{work}/{name}.body", encoding="utf-8").read()
    if "$" in text:  # nginx would read it as a variable
        sys.exit(f"the fake's {name} body holds '$'; it cannot be an nginx return text")
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
def header(name, field):
    for line in open(f"{work}/{name}.head", encoding="utf-8"):
        if line.lower().startswith(field.lower() + ":"):
            return "'" + line.split(":", 1)[1].strip().replace("'", "") + "'"
    return "''"
print(f"""# Written by ci/bench.sh: answers as the fake does, with its own bodies.
worker_processes {cores};
daemon off;
master_process on;
pid {conf_dir}/nginx.pid;
error_log {conf_dir}/logs/error.log warn;
{"user " + user + ";" if uid == "0" else ""}
worker_rlimit_nofile 16384;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    server_tokens off;
    client_body_temp_path {conf_dir}/tmp/body;
    proxy_temp_path {conf_dir}/tmp/proxy;
    fastcgi_temp_path {conf_dir}/tmp/fastcgi;
    uwsgi_temp_path {conf_dir}/tmp/uwsgi;
    scgi_temp_path {conf_dir}/tmp/scgi;
    keepalive_timeout 30s;
    keepalive_requests 100000;
    default_type "application/json; charset=utf-8";
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {work}/server.pem;
        ssl_certificate_key {work}/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache off;
        ssl_session_tickets off;
        location ~ ^/[^/]+/registrations/[^/]+/register$ {{
            add_header x-ms-request-id {header("fake-202", "x-ms-request-id")} always;
            add_header Retry-After 0 always;
            add_header Location {header("fake-202", "location")} always;
            return 202 {body("fake-202")};
        }}
        location ~ ^/[^/]+/registrations/[^/]+/operations/[^/]+$ {{
            add_header x-ms-request-id {header("fake-200", "x-ms-request-id")} always;
            return 200 {body("fake-200")};
        }}
        location / {{ return 404; }}
    }}
}}""")
PY
}

section_nginx() { # 6. nginx over HTTPS with the fake's responses: same shape, same body sizes
  if [ "${NGINX:-1}" = 0 ]; then note nginx.status "skipped (NGINX=0)"; return 0; fi
  if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    install_debian_package nginx || true
  fi
  local nginx; nginx=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true)
  if [ -z "$nginx" ]; then note nginx.status "not run: nginx is not installed and apt-get could not install it"; return 0; fi
  if [ ! -s "$WORK/fake-202.body" ] || [ ! -s "$WORK/fake-200.body" ]; then
    note nginx.status "not run: the fake's responses could not be recorded from serve"; return 0
  fi
  make_ca
  local dir="$WORK/nginx" port; port=$(free_port)
  mkdir -p "$dir/logs" "$dir/tmp"
  if ! write_nginx_conf "$dir" "$port" 2>"$WORK/nginx-conf.log"; then
    note nginx.status "not run: $(tail -1 "$WORK/nginx-conf.log")"; return 0
  fi
  note nginx.version "$("$nginx" -v 2>&1 | sed 's/^nginx version: //')"
  start_bg nginx "$nginx" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/logs/error.log"
  local pid=$BG_PID
  if ! wait_for_port "$port" 10; then
    note nginx.status "not run: nginx did not listen within 10 s ($(tail -1 "$dir/logs/error.log" 2>/dev/null))"; stop_pid "$pid"; return 0
  fi
  SERVER_PID=$pid  # the master; cpu_ticks adds its worker processes
  fleet nginx-https --transport https --target "https://127.0.0.1:$port" --ca "$WORK/ca.pem" --id-scope "$SCOPE" --group-key-env GROUP_KEY
  SERVER_PID=""
  local workers worker
  workers=$(pgrep -P "$pid" || true)
  note nginx.workers "$(echo "$workers" | grep -c . || true)"
  stop_pid "$pid"  # TERM: nginx's fast shutdown, the master stops its workers
  for worker in $workers; do alive "$worker" && kill -KILL "$worker" 2>/dev/null || true; done
  note nginx.status "ran"
}

section_tls_ceiling() { # 7. openssl s_server + s_time -new, one pair per core, P-256 key as the fake's
  if [ "${TLS_CEILING:-1}" = 0 ]; then note tls.status "skipped (TLS_CEILING=0)"; return 0; fi
  make_ca
  local cores k port ports=() client_pids=() start end
  cores=$(nproc)
  for k in $(seq 1 "$cores"); do
    port=$(free_port)
    start_bg "s_server-$k" openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/server.pem" -key "$WORK/server.key" -quiet
    wait_for_port "$port" 10 || { note tls.status "not run: openssl s_server did not listen"; return 0; }
    ports+=("$port")
  done
  timeout 5 openssl s_client -connect "127.0.0.1:${ports[0]}" -brief </dev/null >"$WORK/s_client.log" 2>&1 || true
  note tls.protocol "$(awk -F': ' '/Protocol version/ {print $2}' "$WORK/s_client.log")"
  note tls.group "$(awk -F': ' '/Server Temp Key/ {print $2}' "$WORK/s_client.log")"
  echo "== tls-ceiling ($cores s_server + $cores s_time -new, $TLS_SECONDS s)"
  start=$(date +%s.%N)
  for k in $(seq 1 "$cores"); do
    timeout -k 5 $(( TLS_SECONDS + 30 )) openssl s_time -connect "127.0.0.1:${ports[$((k - 1))]}" -new -time "$TLS_SECONDS" \
      >"$WORK/s_time-$k.log" 2>&1 &
    client_pids+=($!); PIDS+=($!)
  done
  for k in "${client_pids[@]}"; do wait "$k" || true; done
  end=$(date +%s.%N)
  local total
  total=$(cat "$WORK"/s_time-*.log | awk '/connections in .* real seconds/ {sum += $1} END {print sum + 0}')
  note tls.handshakes "$total"
  note tls.seconds "$(python3 -c "print(f'{$end - $start:.2f}')")"
  note tls.pairs "$cores"
  note tls.status "ran"
}

section_scale() { # 8. serve with SCALE_ENROLLMENTS individual symmetric-key enrollments
  if [ "${SCALE:-1}" = 0 ]; then note scale.status "skipped (SCALE=0)"; return 0; fi
  echo "== scale: $SCALE_ENROLLMENTS enrollments"
  # Random keys, made here and deleted on exit: scale-000001 ... in order. start.yaml and end.yaml hold the
  # first and the last SCALE_DEVICES of them: bench fleet takes a file's enrollments in order, while
  # --shard picks every N-th device (i % N), not a contiguous range.
  python3 - "$WORK" "$SCALE_ENROLLMENTS" "$SCALE_DEVICES" <<'PY'
import base64, os, sys
work, total, part = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
part = min(part, total)
entries = [f"  - registrationId: scale-{i:06d}\n    symmetricKey: {{primaryKey: \"{base64.b64encode(os.urandom(32)).decode()}\"}}\n"
           for i in range(1, total + 1)]
for name, chunk in (("scale", entries), ("scale-start", entries[:part]), ("scale-end", entries[-part:])):
    with open(f"{work}/{name}.yaml", "w") as handle:
        handle.write("individual:\n" + "".join(chunk))
PY
  note scale.file.bytes "$(wc -c < "$WORK/scale.yaml")"
  # One freshly started serve per run, so that no run inherits the operations and assignments of another
  # (until 2026-12-07 ServiceState.complete counted every assignment on each completion). Four runs in the order start, end, end, start (ABBA),
  # so that a drift of the shared machine over the section falls on both sides alike.
  local k=0 part pid name
  for part in start end end start; do
    k=$((k + 1)); name="scale-$k-$part"
    start_serve "serve-$name" "$WORK/scale.yaml"
    pid=$BG_PID
    if ! wait_for_file "$WORK/serve-$name/endpoint.json" 300 "$pid"; then
      note scale.status "not run: serve did not load the file within 300 s"; stop_pid "$pid"; return 0
    fi
    note "$name.load.seconds" "$(python3 -c "import os,sys; print(f'{os.path.getmtime(sys.argv[1]) - $SERVE_STARTED:.2f}')" "$WORK/serve-$name/endpoint.json")"
    note "$name.rss.kib" "$(kib_of "$pid" VmRSS)"
    note "$name.hwm.kib" "$(kib_of "$pid" VmHWM)"
    SERVER_PID=$pid
    FLEET_DEVICES=$SCALE_DEVICES fleet "$name" --transport mqtt --target "mqtts://127.0.0.1:$(endpoint_field "serve-$name" mqttPort)" \
      --ca "$(endpoint_field "serve-$name" caFile)" --id-scope "$(endpoint_field "serve-$name" idScope)" \
      --enrollment-file "$WORK/scale-$part.yaml"
    SERVER_PID=""
    note "$name.hwm.after.kib" "$(kib_of "$pid" VmHWM)"
    stop_pid "$pid"
  done
  note scale.status "ran"
}

section_dice() { # 9. DICE derivation
  echo "== dice"
  note dice "$(timeout 300 "$BIN" bench --dice-certs 5000 2>/dev/null | grep 'per second' | head -1 || true)"
}

write_report() {
  python3 - "$WORK" "$BUILD" "$(getconf CLK_TCK)" "$LOAD_AT_START" > Reports/bench.md <<'PY'
import json, os, subprocess, sys, datetime
work, build, ticks, load = sys.argv[1:5]
ticks = int(ticks)
facts = {}
for line in open(os.path.join(work, "facts.tsv"), encoding="utf-8"):
    key, _, value = line.rstrip("\n").partition("\t")
    facts[key] = value
def result(name):
    path = os.path.join(work, name + ".json")
    return json.load(open(path)) if os.path.exists(path) else None
def cpu_ms(name, r):
    path = os.path.join(work, name + ".cpu")
    if not (r and r.get("provisioned") and os.path.exists(path)):
        return None
    return int(open(path).read()) * 1000 / ticks / r["provisioned"]
ms = lambda v: f"{v / 1000:.1f}"
mib = lambda kib: f"{int(kib) / 1024:.0f} MiB" if kib else "?"

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
print(f"# dpsconform bench ({build} build)\n")
print(f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; machine: {cores} cores, {cpu}; "
      f"load average at the start: {load}.")
print("Load generator and server on the same machine, loopback. Latencies in ms from the merged histograms.")
print("Server CPU: user + system time of the server process (nginx: master and workers) over the run, per exchange.\n")

print("## Fleet runs\n")
print("| run | transport | devices | concurrency | assigned | exchanges/s | total p50 | p90 | p99 | p99.9 | max | register p50 | tcp+tls p50 | server CPU ms/exchange | errors | peak RSS |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
rows = [("inprocess-mqtt", "fake in process"), ("inprocess-https", "fake in process"),
        ("serve-mqtt", "serve (own process)"), ("serve-https", "serve (own process)"),
        ("serve-mqtt-shards", "serve, 2 shards merged"), ("mosquitto", "mosquitto broker (same shape)"),
        ("nginx-https", "nginx (same responses)")]
for name, label in rows:
    r = result(name)
    if not r:
        continue
    t = r["phases"]["total"]; reg = r["phases"]["register"]; tls = r["phases"]["tcpTLS"]
    errors = ", ".join(f"{k} {v}" for k, v in sorted(r["errors"].items())) or "none"
    rss = f'{r["peakResidentBytes"] // 1048576} MiB' if r.get("peakResidentBytes") else ""
    if name.startswith("serve") and facts.get("serve.hwm.kib"):
        rss = f'{mib(facts["serve.hwm.kib"])} (serve)'
    c = cpu_ms(name, r)
    print(f'| {label} | {r["transport"]} | {r["attempted"]} | {r["concurrency"]} | {r["provisioned"]} | {r["exchangesPerSecond"]:.0f} | '
          f'{ms(t["p50"])} | {ms(t["p90"])} | {ms(t["p99"])} | {ms(t["p999"])} | {ms(t["max"])} | {ms(reg["p50"])} | {ms(tls["p50"])} | '
          f'{"" if c is None else f"{c:.2f}"} | {errors} | {rss} |')
print()
for key, what in (("mosquitto.status", "mosquitto"), ("nginx.status", "nginx"), ("serve.status", "serve")):
    if facts.get(key, "ran") != "ran":
        print(f"- {what}: {facts[key]}")

def ratio_line(a_name, b_name, text):
    a, b = result(a_name), result(b_name)
    if not (a and b and b["exchangesPerSecond"]):
        return
    line = f"- {text}: {a['exchangesPerSecond'] / b['exchangesPerSecond']:.2f}x the rate"
    ca, cb = cpu_ms(a_name, a), cpu_ms(b_name, b)
    if ca and cb:
        line += f", {ca / cb:.2f}x the server CPU per exchange"
    print(line + ".")
ratio_line("serve-mqtt", "mosquitto", "serve over MQTT against mosquitto")
ratio_line("serve-https", "nginx-https", "serve over HTTPS against nginx")
if facts.get("nginx.status") == "ran":
    print(f"- {facts.get('nginx.version', 'nginx')}: {facts.get('nginx.workers', '?')} worker processes (one per core), TLS with a "
          f"P-256 certificate from a throwaway CA, kept-alive connections, the fake's own bodies recorded from serve "
          f"(202 register: {facts.get('fake.202.bytes')} bytes, 200 assigned: {facts.get('fake.200.bytes')} bytes), "
          "with Retry-After: 0, x-ms-request-id and Location as the fake sends them.")

print("\n## TLS handshake ceiling\n")
if facts.get("tls.status") == "ran":
    hs, secs = int(facts["tls.handshakes"]), float(facts["tls.seconds"])
    print(f"openssl s_server + s_time -new, {facts['tls.pairs']} pairs side by side on the same {cores} cores, P-256 server key, "
          f"{facts.get('tls.protocol') or 'TLS'}, key exchange {facts.get('tls.group') or 'OpenSSL default'}: "
          f"**{hs / secs:.0f} full handshakes/s** ({hs} in {secs:.1f} s; no resumption, client and server on the same cores "
          "as in the fleet runs). The fake offers the classical groups (X25519 first), as OpenSSL 3.0 does for mosquitto and nginx, "
          "so every server here agrees on X25519 with bench fleet's BoringSSL client.")
else:
    print(facts.get("tls.status", "not run"))

print("\n## Python SDK against bench fleet (same serve, same fleet, same concurrency)\n")
sdk, flt = result("sdk-python"), result("sdk-fleet")
if facts.get("sdk.status") == "ran" and sdk:
    print("| client | devices | concurrency | assigned | exchanges/s | per device p50 s | max s | errors |")
    print("|---|---|---|---|---|---|---|---|")
    d = sdk["deviceSeconds"]
    f2 = lambda v: "" if v is None else f"{v:.2f}"
    print(f'| azure-iot-device {facts.get("sdk.version", "")} (asyncio, MQTT) | {sdk["devices"]} | {sdk["concurrency"]} | {sdk["provisioned"]} | '
          f'{sdk["exchangesPerSecond"]:.1f} | {f2(d["p50"])} | {f2(d["max"])} | {", ".join(f"{k} {v}" for k, v in sdk["errors"].items()) or "none"} |')
    if flt:
        t = flt["phases"]["total"]
        errors = ", ".join(f"{k} {v}" for k, v in sorted(flt["errors"].items())) or "none"
        print(f'| bench fleet (MQTT) | {flt["attempted"]} | {flt["concurrency"]} | {flt["provisioned"]} | {flt["exchangesPerSecond"]:.1f} | '
              f'{t["p50"] / 1e6:.3f} | {t["max"] / 1e6:.3f} | {errors} |')
        if sdk["exchangesPerSecond"]:
            print(f'\nbench fleet / Python SDK: **{flt["exchangesPerSecond"] / sdk["exchangesPerSecond"]:.0f}x** the throughput. '
                  "serve says retry-after 0; the SDK still waits about 2 s after each 202 before it polls, bench fleet polls at once.")
else:
    print(facts.get("sdk.status", "not run"))

print(f"\n## Scale: {os.environ.get('SCALE_ENROLLMENTS', '100000')} individual enrollments\n")
if facts.get("scale.status") == "ran":
    print(f"Enrollment file {int(facts['scale.file.bytes']) / 1048576:.1f} MiB (symmetric keys), a freshly started `serve` for each run "
          "(no run inherits another's operations and assignments), four runs in ABBA order. "
          "Load: from the start of the process to endpoint.json written.\n")
    print("| run | load s | VmRSS after load | VmHWM after load / after the run | assigned | exchanges/s | total p50 | p99 | register p50 | server CPU ms/exchange | errors |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    rates = {"start": [], "end": []}
    for k, part in enumerate(("start", "end", "end", "start"), 1):
        name = f"scale-{k}-{part}"
        r = result(name)
        if not r:
            continue
        rates[part].append(r["exchangesPerSecond"])
        t = r["phases"]["total"]; reg = r["phases"]["register"]; c = cpu_ms(name, r)
        errors = ", ".join(f"{e} {v}" for e, v in sorted(r["errors"].items())) or "none"
        memory = f'{mib(facts.get(f"{name}.hwm.kib"))} / {mib(facts.get(f"{name}.hwm.after.kib"))}'
        label = "first" if part == "start" else "last"
        print(f'| {k}. the {label} {r["attempted"]} of the file | {facts.get(f"{name}.load.seconds", "?")} | {mib(facts.get(f"{name}.rss.kib"))} | '
              f'{memory} | {r["provisioned"]} | {r["exchangesPerSecond"]:.0f} | {ms(t["p50"])} | {ms(t["p99"])} | '
              f'{ms(reg["p50"])} | {"" if c is None else f"{c:.2f}"} | {errors} |')
    if rates["start"] and rates["end"] and sum(rates["start"]):
        mean = lambda values: sum(values) / len(values)
        print(f'\nEnd of the file against its start (mean rates of the runs in ABBA order): '
              f'**{mean(rates["end"]) / mean(rates["start"]):.2f}x** ({mean(rates["end"]):.0f} against {mean(rates["start"]):.0f} exchanges/s).')
else:
    print(facts.get("scale.status", "not run"))

print("\n## Profile\n")
status = facts.get("profile.status", "not run")
if status in ("perf", "callgrind"):
    print(f"serve over MQTT profiled with {status}: Reports/bench-profile.md (self and inclusive, demangled).")
else:
    print(status)
if facts.get("dice"):
    print(f"\n## DICE\n\n{facts['dice']}")
PY
}

# ---------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
GROUP_KEY=$(openssl rand -base64 32)
export GROUP_KEY SCALE_ENROLLMENTS
MQTT_PORT="" HTTPS_PORT="" SCOPE="0ne0000FAKE" CA=""

section_in_process
section_serve
record_fake_responses
section_python_sdk
stop_serve
section_profile
section_mosquitto
section_nginx
section_tls_ceiling
section_scale
section_dice
write_report
cat Reports/bench.md
