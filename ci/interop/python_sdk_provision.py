#!/usr/bin/env python3
"""Provision one device with Microsoft's Python device SDK (azure-iot-device) against a
dpsconform fake DPS, and print the outcome as one JSON object.

The SDK always dials port 8883; this driver swaps the port inside paho's connect() for the one
in the endpoint file written by `dpsconform serve`. It only ever connects to loopback.
"""
import argparse
import json
import sys

import sdk_common


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint-file", required=True)
    parser.add_argument("--registration-id", required=True)
    credential = parser.add_mutually_exclusive_group(required=True)
    credential.add_argument("--symmetric-key")
    credential.add_argument("--x509-cert", help="PEM file: the device certificate followed by its chain")
    parser.add_argument("--x509-key", help="PEM file: the device's private key (with --x509-cert)")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()

    with open(args.endpoint_file, encoding="utf-8") as handle:
        endpoint = json.load(handle)
    host, port = endpoint["host"], int(endpoint["mqttPort"])
    if not sdk_common.is_loopback(host):
        print(json.dumps({"status": "refused", "message": f"{host} is not a loopback address"}))
        return 2
    with open(endpoint["caFile"], encoding="utf-8") as handle:
        ca_pem = handle.read()
    if args.x509_cert and not args.x509_key:
        parser.error("--x509-cert needs --x509-key")

    sdk_common.install_port_swap(port)
    client = sdk_common.create_client(host, endpoint["idScope"], args.registration_id, ca_pem,
                                      symmetric_key=args.symmetric_key,
                                      cert_file=args.x509_cert, key_file=args.x509_key)
    run = sdk_common.register(client, args.timeout)
    if not run.finished:
        outcome = {"status": "timeout", "message": f"register() did not return within {args.timeout} s"}
    elif run.error is not None:
        cause = run.error.__cause__
        outcome = {"status": "error", "error": type(run.error).__name__,
                   "cause": type(cause).__name__ if cause else None, "message": str(run.error)}
    else:
        state = run.result.registration_state
        outcome = {
            "status": run.result.status,
            "assignedHub": getattr(state, "assigned_hub", None),
            "deviceId": getattr(state, "device_id", None),
            "substatus": getattr(state, "sub_status", None),
        }
    sdk_common.close(client)
    print(json.dumps(outcome, sort_keys=True))
    sys.stdout.flush()
    return 0 if outcome.get("status") == "assigned" else 1


if __name__ == "__main__":
    sys.exit(main())
