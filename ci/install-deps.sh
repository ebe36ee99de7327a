#!/usr/bin/env bash
# Installs the system packages dpsconform builds and tests with (Debian), when missing.
# libmosquitto-dev: the device side's MQTT client; mosquitto: broker for the MQTT client tests;
# mosquitto-clients, curl, openssl: real peers in interoperability tests; python3-venv: the
# virtualenv for Microsoft's Python device SDK; gcc, make, libc6-dev: the example C device
# (examples/c-device) the device-under-test tests build; libxml2-utils: xmllint, which the
# reporting tests use to validate junit-strict.xml against the Ant JUnit schema; chromium,
# chromium-driver: the headless browser (and its WebDriver) the HTML report check drives through
# selenium (ci/interop/html_report_check.py), so the page's filters and diagrams are tried in a
# real browser.
set -euo pipefail
packages=(libmosquitto-dev mosquitto mosquitto-clients libssl-dev openssl curl python3-venv pkg-config gcc make libc6-dev libxml2-utils chromium chromium-driver)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The broker package starts a system service on some hosts; tests run their own brokers.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
  systemctl stop mosquitto || true
fi
