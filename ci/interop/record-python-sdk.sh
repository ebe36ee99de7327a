#!/usr/bin/env bash
# Records the exchange of Microsoft's Python device SDK (azure-iot-device) with the built-in fake,
# through `dpsconform record --proxy`, into Scenarios/recordings/python-sdk-mqtt.json (sanitised),
# the recording Scenarios/replay.yaml replays. Loopback only. Usage:
#   ./ci/setup-interop-venv.sh && swift build && ci/interop/record-python-sdk.sh [OUT.json]
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${DPSCONFORM_BIN:-.build/debug/dpsconform}"
PYTHON="${DPSCONFORM_PYTHON:-.venv-interop/bin/python}"
OUT="${1:-Scenarios/recordings/python-sdk-mqtt.json}"
WORK="$(mktemp -d)"
cleanup() {
    [[ -n "${SERVE:-}" ]] && kill "$SERVE" 2>/dev/null || true
    [[ -n "${PROXY:-}" ]] && kill "$PROXY" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

wait_for() {  # a file, at most 20 s
    for _ in $(seq 1 200); do [[ -s "$1" ]] && return 0; sleep 0.1; done
    echo "record-python-sdk: $1 did not appear" >&2
    return 1
}
port_of() { "$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

"$BIN" serve --enrollments Scenarios/enrollments-example.yaml --mqtt-port 0 --state-dir "$WORK/serve" >"$WORK/serve.log" 2>&1 &
SERVE=$!
wait_for "$WORK/serve/endpoint.json"
UPSTREAM_PORT="$(port_of "$WORK/serve/endpoint.json" mqttPort)"

"$BIN" record --proxy --listen 127.0.0.1:0 --upstream "mqtts://127.0.0.1:$UPSTREAM_PORT" --upstream-ca "$WORK/serve/ca.pem" \
    --id-scope 0ne0000FAKE --connections 1 --duration 60 --out "$WORK/recording" >"$WORK/proxy.log" 2>&1 &
PROXY=$!
wait_for "$WORK/recording/endpoint.json"
PROXY_PORT="$(port_of "$WORK/recording/endpoint.json" mqttPort)"

# The enrollment's key (a test key of Scenarios/enrollments-example.yaml), through the environment.
DPS_SYMMETRIC_KEY="zpcWt/E3B6XQigf0++QhDwFvBiCFIjz4LGkHRn0x3N8=" "$PYTHON" ci/interop/sdk_device.py --host 127.0.0.1 --port "$PROXY_PORT" \
    --id-scope 0ne0000FAKE --registration-id python-sdk-device --ca "$WORK/recording/proxy-ca.pem" --timeout 30 | tail -1
wait "$PROXY"
PROXY=""
mkdir -p "$(dirname "$OUT")"
cp "$WORK/recording/proxy-recording.json" "$OUT"
echo "record-python-sdk: wrote $OUT"
