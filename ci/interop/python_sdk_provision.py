#!/usr/bin/env python3
"""Provision one device with Microsoft's Python device SDK (azure-iot-device) against a
dpsconform fake DPS, and print the outcome as one JSON object.

The SDK always dials port 8883; this driver swaps the port inside paho's connect() for the one
in the endpoint file written by `dpsconform serve`. It only ever connects to loopback.
"""
import argparse
import json
import sys
import threading

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


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
    if host not in LOOPBACK:
        print(json.dumps({"status": "refused", "message": f"{host} is not a loopback address"}))
        return 2
    with open(endpoint["caFile"], encoding="utf-8") as handle:
        ca_pem = handle.read()

    import paho.mqtt.client as mqtt
    from azure.iot.device import ProvisioningDeviceClient, X509

    original_connect = mqtt.Client.connect

    def connect_to_fake(self, *positional, **keywords):
        # The SDK hard-codes port 8883; point it at the fake's port instead (host unchanged).
        positional = list(positional)
        if len(positional) >= 2:
            positional[1] = port
        else:
            keywords["port"] = port
        return original_connect(self, *positional, **keywords)

    mqtt.Client.connect = connect_to_fake

    if args.x509_cert:
        if not args.x509_key:
            parser.error("--x509-cert needs --x509-key")
        client = ProvisioningDeviceClient.create_from_x509_certificate(
            provisioning_host=host,
            registration_id=args.registration_id,
            id_scope=endpoint["idScope"],
            x509=X509(cert_file=args.x509_cert, key_file=args.x509_key),
            server_verification_cert=ca_pem,
        )
    else:
        client = ProvisioningDeviceClient.create_from_symmetric_key(
            provisioning_host=host,
            registration_id=args.registration_id,
            id_scope=endpoint["idScope"],
            symmetric_key=args.symmetric_key,
            server_verification_cert=ca_pem,
        )
    outcome = {}

    def register() -> None:
        try:
            result = client.register()
            state = result.registration_state
            outcome.update({
                "status": result.status,
                "assignedHub": getattr(state, "assigned_hub", None),
                "deviceId": getattr(state, "device_id", None),
                "substatus": getattr(state, "sub_status", None),
            })
        except Exception as error:  # the SDK's errors end the run cleanly, with their type
            cause = error.__cause__
            outcome.update({"status": "error", "error": type(error).__name__,
                            "cause": type(cause).__name__ if cause else None, "message": str(error)})

    worker = threading.Thread(target=register, daemon=True)
    worker.start()
    worker.join(args.timeout)
    if worker.is_alive():
        outcome = {"status": "timeout", "message": f"register() did not return within {args.timeout} s"}
    try:
        client.shutdown()
    except Exception:
        pass
    print(json.dumps(outcome, sort_keys=True))
    sys.stdout.flush()
    return 0 if outcome.get("status") == "assigned" else 1


if __name__ == "__main__":
    sys.exit(main())
