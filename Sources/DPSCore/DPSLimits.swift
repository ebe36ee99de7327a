/// Limits of the DPS device API that both sides and the checks apply.
public enum DPSLimits {
    /// The largest message a device may send: 96 KB (Microsoft Learn, "Azure IoT Hub Device
    /// Provisioning Service limits": maximum message size). DPS-MQTT-SIZE-001, DPS-HTTP-BODY-002.
    public static let maximumMessageBytes = 96 * 1024
}
