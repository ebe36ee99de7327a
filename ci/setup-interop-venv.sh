#!/usr/bin/env bash
# Makes .venv-interop with the real DPS clients the interoperability tests drive and the report
# readers and the browser driver the reporting tests use (PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-interop/bin/python ]; then
  python3 -m venv .venv-interop
fi
.venv-interop/bin/python -m pip install --quiet --disable-pip-version-check -r ci/interop/requirements.txt
.venv-interop/bin/python -c "import azure.iot.device, paho.mqtt.client, junitparser, jsonschema, selenium"
echo "interop venv ready: $(pwd)/.venv-interop/bin/python"
