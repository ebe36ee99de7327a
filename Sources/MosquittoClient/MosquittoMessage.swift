/// MQTT delivery guarantee of a PUBLISH or a subscription (MQTT 3.1.1 Microsoft Learn concepts-symmetric-key-attestation).
public enum MosquittoQoS: UInt8, Sendable, Hashable, CaseIterable {
    /// QoS 0: fire and forget.
    case atMostOnce = 0
    /// QoS 1: acknowledged by PUBACK, may be duplicated.
    case atLeastOnce = 1
    /// QoS 2: four-packet exchange ending in PUBCOMP.
    case exactlyOnce = 2
}

/// An application message the broker delivered on a subscription.
public struct MosquittoMessage: Sendable, Hashable {
    /// The topic name the message was published to.
    public let topic: String
    /// The payload bytes, unchanged.
    public let payload: [UInt8]
    /// The QoS the message was delivered with.
    public let qos: MosquittoQoS
    /// Whether the broker delivered it as a retained message.
    public let retain: Bool

    public init(topic: String, payload: [UInt8], qos: MosquittoQoS, retain: Bool) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }
}
