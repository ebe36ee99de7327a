#!/usr/bin/env python3
"""Provision a fleet with Microsoft's Python device SDK (azure-iot-device 2.x, its asyncio
client) against a dpsconform fake DPS, C devices at a time, and write the outcome as JSON: the
figure `ci/bench.sh` sets beside `bench fleet` for the same fleet against the same `serve`.

Each device has its own registration ID (PREFIX-000001, ...) and derives its key from the
enrollment group's key (Base64(HMAC-SHA256(group key, registration ID))), which is read from
an environment variable and never printed. Every device has a deadline (--device-timeout); the
whole run has a cap (--total-timeout): devices not started when it runs out are counted as
`notStarted`. Only loopback is ever dialled (the SDK's port 8883 is swapped for the fake's).
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import sys
import time

import sdk_common


def device_key(group_key_b64: str, registration_id: str) -> str:
    digest = hmac.new(base64.b64decode(group_key_b64), registration_id.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(p/100 * n), as the fleet's histograms
    return ordered[int(rank) - 1]


async def provision_one(index, args, endpoint, ca_pem, group_key, outcome):
    from azure.iot.device.aio import ProvisioningDeviceClient

    registration_id = f"{args.prefix}-{index:06d}"
    client = ProvisioningDeviceClient.create_from_symmetric_key(
        provisioning_host=endpoint["host"], registration_id=registration_id, id_scope=endpoint["idScope"],
        symmetric_key=device_key(group_key, registration_id), server_verification_cert=ca_pem)
    started = time.monotonic()
    try:
        result = await asyncio.wait_for(client.register(), args.device_timeout)
        kind = "assigned" if result is not None and result.status == "assigned" else f"status:{getattr(result, 'status', None)}"
    except asyncio.TimeoutError:
        kind = "timeout"
    except Exception as error:  # the SDK's errors, by type
        kind = type(error).__name__
    elapsed = time.monotonic() - started
    if kind != "assigned":
        # register() shuts its pipeline down itself only when assigned; otherwise do it, bounded.
        await asyncio.get_running_loop().run_in_executor(None, sdk_common.close, client, 2.0)
    outcome["kinds"][kind] = outcome["kinds"].get(kind, 0) + 1
    if kind == "assigned":
        outcome["seconds"].append(elapsed)


async def run(args, endpoint, ca_pem, group_key):
    outcome = {"kinds": {}, "seconds": []}
    semaphore = asyncio.Semaphore(args.concurrency)
    cap = time.monotonic() + args.total_timeout

    async def guarded(index):
        async with semaphore:
            if time.monotonic() + args.device_timeout > cap:
                outcome["kinds"]["notStarted"] = outcome["kinds"].get("notStarted", 0) + 1
                return
            await provision_one(index, args, endpoint, ca_pem, group_key, outcome)

    started = time.monotonic()
    await asyncio.gather(*(guarded(index) for index in range(1, args.devices + 1)))
    return outcome, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint-file", required=True, help="endpoint.json written by dpsconform serve")
    parser.add_argument("--group-key-env", required=True, help="environment variable holding the group key (base64)")
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--prefix", default="pysdk")
    parser.add_argument("--device-timeout", type=float, default=30.0)
    parser.add_argument("--total-timeout", type=float, default=300.0)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    if not (1 <= args.devices <= 100_000 and 1 <= args.concurrency <= 1024):
        parser.error("--devices must be 1...100000 and --concurrency 1...1024")

    with open(args.endpoint_file, encoding="utf-8") as handle:
        endpoint = json.load(handle)
    if not sdk_common.is_loopback(endpoint["host"]):
        print(f"sdk_fleet: {endpoint['host']} is not a loopback address; refused", file=sys.stderr)
        return 2
    group_key = os.environ.get(args.group_key_env, "")
    if not group_key:
        print(f"sdk_fleet: {args.group_key_env} is not set", file=sys.stderr)
        return 2
    with open(endpoint["caFile"], encoding="utf-8") as handle:
        ca_pem = handle.read()
    sdk_common.install_port_swap(int(endpoint["mqttPort"]))

    outcome, elapsed = asyncio.run(run(args, endpoint, ca_pem, group_key))
    assigned = outcome["kinds"].pop("assigned", 0)
    seconds = outcome["seconds"]
    result = {
        "client": "azure-iot-device (asyncio ProvisioningDeviceClient)",
        "devices": args.devices, "concurrency": args.concurrency, "provisioned": assigned,
        "failed": args.devices - assigned, "errors": outcome["kinds"],
        "elapsedSeconds": elapsed, "exchangesPerSecond": assigned / elapsed if elapsed > 0 else 0,
        "deviceSeconds": {"p50": percentile(seconds, 50), "p90": percentile(seconds, 90),
                          "max": max(seconds) if seconds else None},
    }
    with open(args.json, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    print(f"sdk_fleet: {assigned}/{args.devices} assigned in {elapsed:.1f} s "
          f"({result['exchangesPerSecond']:.2f}/s), errors {outcome['kinds'] or 'none'}")
    return 0 if assigned == args.devices else 1


if __name__ == "__main__":
    sys.exit(main())
