/// A SUBSCRIBE packet (section 3.8): the client asks for messages on one or more Topic
/// Filters. DPS clients subscribe to `$dps/registrations/res/#`.
public struct MQTTSubscribe: Hashable, Sendable {
    /// Non-zero [MQTT-2.3.1-1]; the SUBACK answers with the same identifier.
    public var packetIdentifier: UInt16
    /// At least one [MQTT-3.8.3-3], in order; the SUBACK answers each in the same order.
    public var subscriptions: [MQTTSubscription]

    public init(packetIdentifier: UInt16, subscriptions: [MQTTSubscription]) {
        self.packetIdentifier = packetIdentifier
        self.subscriptions = subscriptions
    }
}

/// One Topic Filter of a SUBSCRIBE with the highest QoS the client wants on it.
public struct MQTTSubscription: Hashable, Sendable {
    /// The Topic Filter; may contain wildcards in their proper places (section 4.7.1).
    public var topicFilter: String
    /// The maximum QoS the client asks to receive messages with.
    public var requestedQoS: MQTTQoS

    public init(topicFilter: String, requestedQoS: MQTTQoS) {
        self.topicFilter = topicFilter
        self.requestedQoS = requestedQoS
    }
}

// MARK: - Wire form

extension MQTTSubscribe {
    init(reading reader: inout PacketReader) throws(MQTTWireError) {
        let identifier = try readPacketIdentifier(&reader, rule: .packetIdentifierRequired)
        var subscriptions: [MQTTSubscription] = []
        while !reader.isAtEnd {
            let number = subscriptions.count + 1
            let filter = try reader.readString("Topic Filter \(number)", missing: .remainingLength)
            try TopicValidation.validateFilter(Array(filter.utf8), field: "SUBSCRIBE Topic Filter \(number)")
            let optionsOffset = reader.offset
            let options = try reader.readByte("Requested QoS \(number)", missing: .remainingLength)
            guard options & 0xFC == 0 else {
                throw MQTTWireError(.reservedSubscriptionBits, .requestedQoS,
                                    "SUBSCRIBE Requested QoS \(number) at offset \(optionsOffset) is 0x\(hex(options)); bits 7-2 are reserved")
            }
            guard let qos = MQTTQoS(rawValue: options) else {
                throw MQTTWireError(.invalidQoS, .requestedQoS,
                                    "SUBSCRIBE Requested QoS \(number) at offset \(optionsOffset) is 3")
            }
            subscriptions.append(MQTTSubscription(topicFilter: filter, requestedQoS: qos))
        }
        guard !subscriptions.isEmpty else {
            throw MQTTWireError(.noTopicFilters, .subscribeNotEmpty, "SUBSCRIBE has no Topic Filter")
        }
        self.init(packetIdentifier: identifier, subscriptions: subscriptions)
    }

    func write(into writer: inout PacketWriter) throws(MQTTWireError) {
        try writePacketIdentifier(packetIdentifier, into: &writer, rule: .packetIdentifierRequired)
        guard !subscriptions.isEmpty else {
            throw MQTTWireError(.noTopicFilters, .subscribeNotEmpty, "SUBSCRIBE has no Topic Filter")
        }
        for (index, subscription) in subscriptions.enumerated() {
            let filter = Array(subscription.topicFilter.utf8)
            try TopicValidation.validateFilter(filter, field: "SUBSCRIBE Topic Filter \(index + 1)")
            try writer.string(filter, "Topic Filter \(index + 1)", lengthRule: .topicLength)
            writer.byte(subscription.requestedQoS.rawValue)
        }
    }
}
