/// The delivery guarantee of a message (MQTT 3.1.1 section 4.3). The wire value 3 is invalid
/// everywhere, so it has no case.
public enum MQTTQoS: UInt8, Hashable, Sendable, CaseIterable, Comparable {
    /// QoS 0: delivered at most once, never acknowledged.
    case atMostOnce = 0
    /// QoS 1: delivered at least once, acknowledged by PUBACK.
    case atLeastOnce = 1
    /// QoS 2: delivered exactly once, via PUBREC, PUBREL and PUBCOMP.
    case exactlyOnce = 2

    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool { lhs.rawValue < rhs.rawValue }
}
