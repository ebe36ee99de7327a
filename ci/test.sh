#!/usr/bin/env bash
# Runs every test: installs what the tests need (Debian packages, the Python SDK virtualenv),
# builds, then runs the Swift test suites, the interoperability tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
./ci/install-deps.sh
./ci/setup-interop-venv.sh
swift build --build-tests
export DPSCONFORM_PYTHON="$PWD/.venv-interop/bin/python"
export DPSCONFORM_BIN="$PWD/.build/debug/dpsconform"
swift test --skip-build "$@"
