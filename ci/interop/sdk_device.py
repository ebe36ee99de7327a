#!/usr/bin/env python3
"""Device command for dpsconform: provisions one device with Microsoft's Python device SDK
(azure-iot-device 2.x) and prints the outcome as one JSON object, the last line of stdout,
in the shape `dpsconform provision` prints: status (assigned, failed, disabled, error, timedOut;
refused when not run), assignedHub, deviceId, substatus, payload, operationId, errorCode, message,
elapsedSeconds, device, transport; for an SDK error also its type (`error`) and the type of its
cause (`cause`), and `responses`, the DPS responses the SDK received. The SDK's exceptions carry
no DPS errorCode: it is read from the last response body the SDK received (see sdk_common).

Input, from the environment of the case (flags override): DPS_HOST, DPS_MQTT_PORT, DPS_ID_SCOPE,
DPS_REGISTRATION_ID, DPS_CA_FILE, DPS_TRANSPORT, DPS_DEADLINE_SECONDS, and one credential:
DPS_CHAIN_FILE (or DPS_CERT_FILE) with DPS_KEY_FILE, or DPS_SYMMETRIC_KEY (for a group member
already derived from DPS_GROUP_KEY). DPS_HTTPS_PORT, DPS_WORK_DIR and DPS_GROUP_KEY are not used.

Refused, exit 2 (status "refused"): a host that is not loopback, a transport other than mqtt
(the SDK's provisioning client speaks MQTT only: over TCP on 8883, or over WebSockets on 443),
DevKit DICE credentials (DPS_UDS_FILE; the SDK has no DICE), missing input.
Exit 0 when assigned, 1 for any other outcome. The key is never printed.
"""
import argparse
import json
import os
import re
import sys
import time

import sdk_common

DEFAULT_DEADLINE = 60.0
SDK = "azure-iot-device"


def sdk_version() -> str:
    try:
        from importlib.metadata import version
        return f"{SDK} {version(SDK)}"
    except Exception:
        return SDK


def refuse(message: str) -> int:
    emit({"status": "refused", "message": message})
    return 2


def emit(outcome: dict, secrets=()) -> None:
    text = json.dumps(outcome, sort_keys=True)
    for secret in secrets:  # defence in depth: no SDK message should ever carry the key
        if secret:
            text = text.replace(secret, "<redacted>")
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def parse_arguments(environment):
    def env(name):
        value = environment.get(name)
        return value if value else None

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=env("DPS_HOST"))
    parser.add_argument("--port", default=env("DPS_MQTT_PORT"), help="MQTT port of the fake")
    parser.add_argument("--id-scope", default=env("DPS_ID_SCOPE"))
    parser.add_argument("--registration-id", default=env("DPS_REGISTRATION_ID"))
    parser.add_argument("--ca", default=env("DPS_CA_FILE"), help="PEM file of the CA that signs the server certificate")
    parser.add_argument("--transport", default=env("DPS_TRANSPORT") or "mqtt")
    parser.add_argument("--symmetric-key", help="device key, base64 (prefer DPS_SYMMETRIC_KEY: flags show in ps)")
    parser.add_argument("--cert-chain", help="PEM file: the device certificate, then its intermediates")
    parser.add_argument("--key", help="PEM file: the device's private key")
    parser.add_argument("--timeout", default=env("DPS_DEADLINE_SECONDS"), help="deadline in seconds")
    args = parser.parse_args()

    if args.symmetric_key or args.cert_chain or args.key:  # a credential on the command line replaces the case's
        args.dice = False
    else:
        args.symmetric_key = env("DPS_SYMMETRIC_KEY")
        args.cert_chain = env("DPS_CHAIN_FILE") or env("DPS_CERT_FILE")
        args.key = env("DPS_KEY_FILE")
        args.dice = any(env(name) for name in ("DPS_UDS_FILE", "DPS_FIRMWARE_FILE", "DPS_MAP_FILE"))
    return args


def main() -> int:
    args = parse_arguments(os.environ)
    secrets = [args.symmetric_key, os.environ.get("DPS_SYMMETRIC_KEY"), os.environ.get("DPS_GROUP_KEY")]

    if args.transport != "mqtt":
        return refuse(f"transport '{args.transport}': the SDK's provisioning client (azure-iot-device 2.x) "
                      "speaks MQTT only (over TCP on 8883, or over WebSockets on 443); it has no HTTPS transport")
    if args.dice:
        return refuse("DevKit DICE credentials: the SDK has no DICE attestation")
    for flag, value in (("host (DPS_HOST)", args.host), ("port (DPS_MQTT_PORT)", args.port),
                        ("ID scope (DPS_ID_SCOPE)", args.id_scope),
                        ("registration ID (DPS_REGISTRATION_ID)", args.registration_id)):
        if not value:
            return refuse(f"no {flag}")
    if not sdk_common.is_loopback(args.host):
        return refuse(f"{args.host} is not a loopback address")
    try:
        port = int(args.port)
        if not 1 <= port <= 65535:
            raise ValueError
    except ValueError:
        return refuse(f"port '{args.port}' is not 1...65535")
    try:
        deadline = float(args.timeout) if args.timeout else DEFAULT_DEADLINE
        if not 0 < deadline <= 86_400:
            raise ValueError
    except ValueError:
        return refuse(f"deadline '{args.timeout}' is not a number of seconds in (0, 86400]")
    if args.cert_chain or args.key:
        if not (args.cert_chain and args.key):
            return refuse("an X.509 identity needs both a certificate (DPS_CHAIN_FILE or DPS_CERT_FILE) and DPS_KEY_FILE")
        for path in (args.cert_chain, args.key):
            if not os.access(path, os.R_OK):
                return refuse(f"cannot read {path}")
    elif not args.symmetric_key:
        return refuse("no credential: DPS_SYMMETRIC_KEY, or DPS_CHAIN_FILE/DPS_CERT_FILE with DPS_KEY_FILE")
    ca_pem = None
    if args.ca:
        try:
            with open(args.ca, encoding="utf-8") as handle:
                ca_pem = handle.read()
        except OSError as error:
            return refuse(f"cannot read the CA file {args.ca}: {error.strerror}")

    # What is left after register() returns goes to closing the client; the total stays near the deadline.
    grace = min(2.0, deadline * 0.2)
    sdk_common.install_port_swap(port)
    responses = sdk_common.ResponseRecorder().install()
    outcome = {"device": sdk_version(), "transport": "mqtt"}
    started = time.monotonic()
    client = None
    try:
        client = sdk_common.create_client(args.host, args.id_scope, args.registration_id, ca_pem,
                                          symmetric_key=None if args.cert_chain else args.symmetric_key,
                                          cert_file=args.cert_chain, key_file=args.key)
        run = sdk_common.register(client, deadline - grace)
        outcome.update(describe(run, responses, deadline))
    except Exception as error:  # creating the client failed (a bad key, an unreadable certificate)
        outcome.update({"status": "error", "error": type(error).__name__, "message": str(error)})
    if client is not None:
        sdk_common.close(client, grace)
    outcome["elapsedSeconds"] = round(time.monotonic() - started, 3)
    outcome["responses"] = responses.count  # DPS responses the SDK received
    emit({key: value for key, value in outcome.items() if value is not None}, secrets)
    return 0 if outcome["status"] == "assigned" else 1


def describe(run, responses, deadline) -> dict:
    """The outcome of register() in dpsconform's terms."""
    if not run.finished:
        return {"status": "timedOut", "message": f"register() did not return within the deadline of {deadline:g} s",
                "errorCode": responses.error_code}
    if run.error is None:
        result = run.result
        state = result.registration_state
        payload = getattr(state, "_response_payload", None)
        return {
            "status": result.status if result.status in ("assigned", "failed", "disabled") else "error",
            "assignedHub": getattr(state, "assigned_hub", None),
            "deviceId": getattr(state, "device_id", None),
            "substatus": getattr(state, "sub_status", None),
            "payload": payload,
            "operationId": getattr(result, "operation_id", None),
        }
    # register() raised. 'failed', 'disabled' and a 4xx all end as ServiceError (usually as the cause
    # of ClientError("Unexpected failure")); its text tells which, the errorCode comes from the body.
    error, cause = run.error, run.error.__cause__
    texts = " ".join(str(item) for item in (error, cause) if item is not None)
    status = "error"
    if "returned a failed registration status" in texts:
        status = "failed"
    elif re.search(r"invalid registration status disabled\b", texts):
        status = "disabled"
    elif type(error).__name__ == "OperationTimeout" or "Operation timed out" in texts:
        status = "timedOut"  # the SDK's own 30 s wait for a response, or its connect timeout
    message = str(error) if cause is None or str(cause) in ("", str(error)) else f"{error}: {cause}"
    return {"status": status, "error": type(error).__name__, "cause": type(cause).__name__ if cause else None,
            "message": message, "errorCode": responses.error_code}


if __name__ == "__main__":
    code = main()
    # The SDK may leave timer threads (retry, polling) behind; they must not keep the process alive.
    os._exit(code)
