/// A PUBLISH packet (section 3.3): an application message on a topic, in either direction.
/// For DPS: the register and poll requests and the service's responses.
public struct MQTTPublish: Hashable, Sendable {
    /// The Topic Name; never contains wildcards [MQTT-3.3.2-2].
    public var topicName: String
    /// The application message, as raw bytes (may be empty).
    public var payload: [UInt8]
    /// The delivery guarantee.
    public var qos: MQTTQoS
    /// Present exactly when `qos` is 1 or 2, and then non-zero [MQTT-2.3.1-1] [MQTT-2.3.1-5].
    public var packetIdentifier: UInt16?
    /// DUP: this is a re-delivery; always false for QoS 0 [MQTT-3.3.1-2].
    public var dup: Bool
    /// RETAIN: the server should keep this as the topic's retained message.
    public var retain: Bool

    public init(
        topicName: String,
        payload: [UInt8] = [],
        qos: MQTTQoS = .atMostOnce,
        packetIdentifier: UInt16? = nil,
        dup: Bool = false,
        retain: Bool = false
    ) {
        self.topicName = topicName
        self.payload = payload
        self.qos = qos
        self.packetIdentifier = packetIdentifier
        self.dup = dup
        self.retain = retain
    }

    /// The fixed-header flags nibble: DUP, QoS, RETAIN (section 3.3.1).
    var flags: UInt8 {
        let dupBit: UInt8 = dup ? 0b1000 : 0
        let retainBit: UInt8 = retain ? 1 : 0
        return dupBit | qos.rawValue << 1 | retainBit
    }
}

// MARK: - Wire form

extension MQTTPublish {
    /// `flags` were checked by the fixed-header parser (no QoS 3, no DUP on QoS 0).
    init(reading reader: inout PacketReader, flags: UInt8) throws(MQTTWireError) {
        let qos = MQTTQoS(rawValue: (flags >> 1) & 0b11) ?? .atMostOnce
        let topic = try reader.readString("Topic Name", missing: .topicNamePresent)
        try TopicValidation.validateName(Array(topic.utf8), field: "PUBLISH Topic Name", wildcardRule: .publishTopicWildcard)
        let packetIdentifier: UInt16? = if qos == .atMostOnce {
            nil
        } else {
            try readPacketIdentifier(&reader, rule: .packetIdentifierRequired)
        }
        self.init(topicName: topic, payload: reader.readRest(), qos: qos, packetIdentifier: packetIdentifier,
                  dup: flags & 0b1000 != 0, retain: flags & 1 != 0)
    }

    func write(into writer: inout PacketWriter) throws(MQTTWireError) {
        if dup, qos == .atMostOnce {
            throw MQTTWireError(.dupWithQoS0, .dupOnQoS0, "PUBLISH with QoS 0 has DUP set")
        }
        let topic = Array(topicName.utf8)
        try TopicValidation.validateName(topic, field: "PUBLISH Topic Name", wildcardRule: .publishTopicWildcard)
        try writer.string(topic, "Topic Name", lengthRule: .topicLength)
        switch (qos, packetIdentifier) {
        case (.atMostOnce, nil):
            break
        case (.atMostOnce, .some):
            throw MQTTWireError(.unexpectedPacketIdentifier, .packetIdentifierForbidden,
                                "PUBLISH with QoS 0 has a Packet Identifier")
        case (_, nil):
            throw MQTTWireError(.missingPacketIdentifier, .packetIdentifierRequired,
                                "PUBLISH with QoS \(qos.rawValue) has no Packet Identifier")
        case (_, 0?):
            throw MQTTWireError(.zeroPacketIdentifier, .packetIdentifierRequired,
                                "PUBLISH with QoS \(qos.rawValue) has Packet Identifier 0")
        case (_, let identifier?):
            writer.uint16(identifier)
        }
        writer.raw(payload)
    }
}

extension MQTTPublish: CustomStringConvertible {
    public var description: String {
        var parts = ["topicName: \(String(reflecting: topicName))", "qos: \(qos.rawValue)"]
        if let packetIdentifier { parts.append("packetIdentifier: \(packetIdentifier)") }
        if dup { parts.append("dup") }
        if retain { parts.append("retain") }
        parts.append("payload: \(payload.count) bytes")
        return "PUBLISH(\(parts.joined(separator: ", ")))"
    }
}
