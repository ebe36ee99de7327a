/// An UNSUBSCRIBE packet (section 3.10): the client drops one or more subscriptions.
public struct MQTTUnsubscribe: Hashable, Sendable {
    /// Non-zero [MQTT-2.3.1-1]; the UNSUBACK answers with the same identifier.
    public var packetIdentifier: UInt16
    /// At least one [MQTT-3.10.3-2].
    public var topicFilters: [String]

    public init(packetIdentifier: UInt16, topicFilters: [String]) {
        self.packetIdentifier = packetIdentifier
        self.topicFilters = topicFilters
    }
}

// MARK: - Wire form

extension MQTTUnsubscribe {
    init(reading reader: inout PacketReader) throws(MQTTWireError) {
        let identifier = try readPacketIdentifier(&reader, rule: .packetIdentifierRequired)
        var filters: [String] = []
        while !reader.isAtEnd {
            let number = filters.count + 1
            let filter = try reader.readString("Topic Filter \(number)", missing: .remainingLength)
            try TopicValidation.validateFilter(Array(filter.utf8), field: "UNSUBSCRIBE Topic Filter \(number)")
            filters.append(filter)
        }
        guard !filters.isEmpty else {
            throw MQTTWireError(.noTopicFilters, .unsubscribeNotEmpty, "UNSUBSCRIBE has no Topic Filter")
        }
        self.init(packetIdentifier: identifier, topicFilters: filters)
    }

    func write(into writer: inout PacketWriter) throws(MQTTWireError) {
        try writePacketIdentifier(packetIdentifier, into: &writer, rule: .packetIdentifierRequired)
        guard !topicFilters.isEmpty else {
            throw MQTTWireError(.noTopicFilters, .unsubscribeNotEmpty, "UNSUBSCRIBE has no Topic Filter")
        }
        for (index, filter) in topicFilters.enumerated() {
            let utf8 = Array(filter.utf8)
            try TopicValidation.validateFilter(utf8, field: "UNSUBSCRIBE Topic Filter \(index + 1)")
            try writer.string(utf8, "Topic Filter \(index + 1)", lengthRule: .topicLength)
        }
    }
}
