#!/usr/bin/env bash
# Runs the default conformance suite (Scenarios/) against the built-in fake DPS and writes
# Reports/junit.xml, report.json, report.html and summary.md. Exit code: dpsconform's.
set -euo pipefail
cd "$(dirname "$0")/.."
./ci/install-deps.sh
swift build --product dpsconform
# The reference device is also compared with its behaviour vectors (Vectors/behaviour/README.md).
exec .build/debug/dpsconform run --compare-with Vectors/behaviour "$@"
