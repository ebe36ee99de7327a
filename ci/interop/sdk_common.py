"""Shared code of the drivers that run Microsoft's Python device SDK (azure-iot-device 2.x)
against a dpsconform fake DPS: python_sdk_provision.py (the interoperability tests) and
sdk_device.py (a device command of dpsconform).

The SDK's provisioning client speaks MQTT only and always dials port 8883 (443 with
websockets=True); install_port_swap() points paho's connect() at the fake's port instead.
The SDK and paho are imported lazily, so a driver can refuse its input without them.
"""
import ipaddress
import json
import threading
import time

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def is_loopback(host: str) -> bool:
    """True for localhost and any loopback address (127.0.0.0/8, ::1); never resolves a name."""
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def install_port_swap(port: int) -> None:
    """Make every paho connect() in this process dial `port` (the host is unchanged)."""
    import paho.mqtt.client as mqtt

    original_connect = getattr(mqtt.Client.connect, "_dpsconform_original", mqtt.Client.connect)

    def connect_to_fake(self, *positional, **keywords):
        # The SDK hard-codes port 8883; point it at the fake's port instead (host unchanged).
        positional = list(positional)
        if len(positional) >= 2:
            positional[1] = port
        else:
            keywords["port"] = port
        return original_connect(self, *positional, **keywords)

    connect_to_fake._dpsconform_original = original_connect
    mqtt.Client.connect = connect_to_fake


def create_client(host: str, id_scope: str, registration_id: str, ca_pem=None,
                  symmetric_key=None, cert_file=None, key_file=None):
    """A ProvisioningDeviceClient with an X.509 identity (cert_file: the leaf, then its chain)
    when cert_file is given, else with the symmetric key."""
    from azure.iot.device import ProvisioningDeviceClient, X509

    options = {} if ca_pem is None else {"server_verification_cert": ca_pem}
    if cert_file:
        return ProvisioningDeviceClient.create_from_x509_certificate(
            provisioning_host=host,
            registration_id=registration_id,
            id_scope=id_scope,
            x509=X509(cert_file=cert_file, key_file=key_file),
            **options,
        )
    return ProvisioningDeviceClient.create_from_symmetric_key(
        provisioning_host=host,
        registration_id=registration_id,
        id_scope=id_scope,
        symmetric_key=symmetric_key,
        **options,
    )


class RegisterRun:
    """How one client.register() call ended: result (a RegistrationResult), or error (the
    exception the SDK raised), or neither when it had not returned when the wait ended."""

    def __init__(self):
        self.result = None
        self.error = None
        self.finished = False
        self.elapsed = 0.0


def register(client, timeout: float) -> RegisterRun:
    """Call client.register() on a daemon thread and wait at most `timeout` seconds for it."""
    run = RegisterRun()

    def worker() -> None:
        try:
            run.result = client.register()
        except Exception as error:  # the SDK's errors end the run cleanly, with their type
            run.error = error
        run.finished = True

    started = time.monotonic()
    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    thread.join(timeout)
    run.elapsed = time.monotonic() - started
    return run


def close(client, grace: float = 2.0) -> None:
    """Best-effort shutdown of the client's pipeline (disconnects MQTT), waiting at most `grace`
    seconds. The 2.x ProvisioningDeviceClient has no public shutdown(): register() shuts the
    pipeline down itself only when the device is assigned."""
    shutdown = getattr(getattr(client, "_pipeline", None), "shutdown", None)
    if shutdown is None:
        return
    done = threading.Event()
    try:
        shutdown(callback=lambda *positional, **keywords: done.set())
    except Exception:  # already shut down (after an assignment): PipelineNotRunning
        return
    done.wait(grace)


class ResponseRecorder:
    """Keeps the last DPS response the SDK received (status code from the topic, JSON body).

    The SDK's exceptions carry no DPS errorCode: a 4xx surfaces as ClientError("Unexpected
    failure") caused by ServiceError("register request returned a service error status code
    401"), and a 'failed' registration as a ServiceError too, with the body dropped. The body is
    taken where the SDK's MQTT translation stage turns the incoming message into a response."""

    def __init__(self):
        self.status_code = None
        self.body = None
        self.count = 0

    def install(self) -> "ResponseRecorder":
        from azure.iot.device.common.pipeline import pipeline_events_mqtt
        from azure.iot.device.provisioning.pipeline import mqtt_topic_provisioning
        from azure.iot.device.provisioning.pipeline.pipeline_stages_provisioning_mqtt import (
            ProvisioningMQTTTranslationStage,
        )

        original = ProvisioningMQTTTranslationStage._handle_pipeline_event
        recorder = self

        def recording(stage, event):
            try:
                if isinstance(event, pipeline_events_mqtt.IncomingMQTTMessageEvent) and \
                        mqtt_topic_provisioning.is_dps_response_topic(event.topic):
                    recorder.count += 1
                    recorder.status_code = int(
                        mqtt_topic_provisioning.extract_status_code_from_dps_response_topic(event.topic), 10)
                    recorder.body = json.loads(event.payload)
            except Exception:
                recorder.body = None
            return original(stage, event)

        ProvisioningMQTTTranslationStage._handle_pipeline_event = recording
        return self

    @property
    def error_code(self):
        """errorCode of the last response: top level (a 4xx body) or in registrationState (failed)."""
        body = self.body if isinstance(self.body, dict) else {}
        state = body.get("registrationState")
        for holder in (body, state if isinstance(state, dict) else {}):
            code = holder.get("errorCode")
            if isinstance(code, int) and not isinstance(code, bool):
                return code
        return None
