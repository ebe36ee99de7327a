/// Any MQTT 3.1.1 control packet (section 3), with one case per packet type.
///
/// The acknowledgements that carry nothing but a packet identifier (PUBACK, PUBREC, PUBREL,
/// PUBCOMP, UNSUBACK) hold it directly; PINGREQ, PINGRESP and DISCONNECT carry nothing.
public enum MQTTPacket: Hashable, Sendable {
    case connect(MQTTConnect)
    case connAck(MQTTConnAck)
    case publish(MQTTPublish)
    /// Acknowledges a QoS 1 PUBLISH.
    case pubAck(packetIdentifier: UInt16)
    /// First answer to a QoS 2 PUBLISH.
    case pubRec(packetIdentifier: UInt16)
    /// Releases a QoS 2 PUBLISH after PUBREC.
    case pubRel(packetIdentifier: UInt16)
    /// Completes a QoS 2 flow.
    case pubComp(packetIdentifier: UInt16)
    case subscribe(MQTTSubscribe)
    case subAck(MQTTSubAck)
    case unsubscribe(MQTTUnsubscribe)
    /// Acknowledges an UNSUBSCRIBE.
    case unsubAck(packetIdentifier: UInt16)
    /// Keep-alive probe from the client.
    case pingReq
    /// The server's answer to PINGREQ.
    case pingResp
    /// The client's clean goodbye; the server discards the Will.
    case disconnect

    /// The control packet type of this packet.
    public var packetType: MQTTPacketType {
        switch self {
        case .connect: .connect
        case .connAck: .connAck
        case .publish: .publish
        case .pubAck: .pubAck
        case .pubRec: .pubRec
        case .pubRel: .pubRel
        case .pubComp: .pubComp
        case .subscribe: .subscribe
        case .subAck: .subAck
        case .unsubscribe: .unsubscribe
        case .unsubAck: .unsubAck
        case .pingReq: .pingReq
        case .pingResp: .pingResp
        case .disconnect: .disconnect
        }
    }
}

// MARK: - One-shot decoding and encoding

extension MQTTPacket {
    /// Decodes exactly one whole packet from `bytes`, with every check of this module.
    ///
    /// Throws `.incompletePacket` if the bytes end early and `.bytesAfterPacket` if more follow;
    /// to read a stream of packets use `MQTTFrameDecoder`. No size limit applies beyond
    /// MQTT's own 268,435,455-byte Remaining Length.
    public static func decode(_ bytes: [UInt8]) throws(MQTTWireError) -> MQTTPacket {
        guard let header = try FixedHeader.parse(bytes, from: 0, to: bytes.count,
                                                 maximumPacketSize: FixedHeader.maximumPacketSize) else {
            throw MQTTWireError(.incompletePacket, .remainingLength,
                                "the \(bytes.count) bytes end inside the fixed header")
        }
        guard bytes.count >= header.packetLength else {
            throw MQTTWireError(.incompletePacket, .remainingLength,
                                "\(header.type.name) declares \(header.packetLength) bytes but only \(bytes.count) were given")
        }
        guard bytes.count == header.packetLength else {
            throw MQTTWireError(.bytesAfterPacket, .remainingLength,
                                "\(bytes.count - header.packetLength) bytes follow the \(header.packetLength)-byte \(header.type.name)")
        }
        return try decode(header, in: bytes, at: 0)
    }

    /// Decodes the packet whose fixed header `header` starts at `start`; all its bytes are there.
    static func decode(_ header: FixedHeader, in bytes: [UInt8], at start: Int) throws(MQTTWireError) -> MQTTPacket {
        var reader = PacketReader(bytes: bytes, header: header, packetStart: start)
        let packet: MQTTPacket
        switch header.type {
        case .connect: packet = .connect(try MQTTConnect(reading: &reader))
        case .connAck: packet = .connAck(try MQTTConnAck(reading: &reader))
        case .publish: packet = .publish(try MQTTPublish(reading: &reader, flags: header.flags))
        case .pubAck: packet = .pubAck(packetIdentifier: try readPacketIdentifier(&reader, rule: .publishAckIdentifier))
        case .pubRec: packet = .pubRec(packetIdentifier: try readPacketIdentifier(&reader, rule: .publishAckIdentifier))
        case .pubRel: packet = .pubRel(packetIdentifier: try readPacketIdentifier(&reader, rule: .publishAckIdentifier))
        case .pubComp: packet = .pubComp(packetIdentifier: try readPacketIdentifier(&reader, rule: .publishAckIdentifier))
        case .subscribe: packet = .subscribe(try MQTTSubscribe(reading: &reader))
        case .subAck: packet = .subAck(try MQTTSubAck(reading: &reader))
        case .unsubscribe: packet = .unsubscribe(try MQTTUnsubscribe(reading: &reader))
        case .unsubAck: packet = .unsubAck(packetIdentifier: try readPacketIdentifier(&reader, rule: .subscriptionAckIdentifier))
        case .pingReq: packet = .pingReq
        case .pingResp: packet = .pingResp
        case .disconnect: packet = .disconnect
        }
        // The fixed-size packets were sized by the header parser; this catches the rest.
        try reader.expectEnd()
        return packet
    }

    /// Encodes this packet in the shortest wire form. Throws for a value that breaks a rule
    /// (e.g. packet identifier 0, a wildcard in a Topic Name), so the bytes always decode.
    public func encode() throws(MQTTWireError) -> [UInt8] {
        var writer = PacketWriter(packetType)
        var flags = packetType.requiredFlags ?? 0
        switch self {
        case .connect(let connect): try connect.write(into: &writer)
        case .connAck(let connAck): try connAck.write(into: &writer)
        case .publish(let publish):
            try publish.write(into: &writer)
            flags = publish.flags
        case .pubAck(let identifier), .pubRec(let identifier), .pubRel(let identifier), .pubComp(let identifier):
            try writePacketIdentifier(identifier, into: &writer, rule: .publishAckIdentifier)
        case .subscribe(let subscribe): try subscribe.write(into: &writer)
        case .subAck(let subAck): try subAck.write(into: &writer)
        case .unsubscribe(let unsubscribe): try unsubscribe.write(into: &writer)
        case .unsubAck(let identifier):
            try writePacketIdentifier(identifier, into: &writer, rule: .subscriptionAckIdentifier)
        case .pingReq, .pingResp, .disconnect: break
        }
        let content = writer.bytes
        guard content.count <= FixedHeader.maximumRemainingLength else {
            throw MQTTWireError(.packetTooLarge, .remainingLength,
                                "\(packetType.name) content is \(content.count) bytes, over the 268,435,455 MQTT allows")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(content.count + 5)
        bytes.append(packetType.rawValue << 4 | flags)
        FixedHeader.encodeRemainingLength(content.count, into: &bytes)
        bytes.append(contentsOf: content)
        return bytes
    }
}

extension MQTTPacket: CustomStringConvertible {
    public var description: String {
        switch self {
        case .connect(let connect): connect.description
        case .connAck(let connAck):
            "CONNACK(sessionPresent: \(connAck.sessionPresent), returnCode: \(connAck.returnCode.rawValue))"
        case .publish(let publish): publish.description
        case .pubAck(let identifier), .pubRec(let identifier), .pubRel(let identifier),
             .pubComp(let identifier), .unsubAck(let identifier):
            "\(packetType.name)(packetIdentifier: \(identifier))"
        case .subscribe(let subscribe):
            "SUBSCRIBE(packetIdentifier: \(subscribe.packetIdentifier), "
                + subscribe.subscriptions.map { "\(String(reflecting: $0.topicFilter)) QoS \($0.requestedQoS.rawValue)" }
                    .joined(separator: ", ") + ")"
        case .subAck(let subAck):
            "SUBACK(packetIdentifier: \(subAck.packetIdentifier), returnCodes: "
                + subAck.returnCodes.map { "0x" + hex($0.rawValue) }.joined(separator: " ") + ")"
        case .unsubscribe(let unsubscribe):
            "UNSUBSCRIBE(packetIdentifier: \(unsubscribe.packetIdentifier), "
                + unsubscribe.topicFilters.map { String(reflecting: $0) }.joined(separator: ", ") + ")"
        case .pingReq, .pingResp, .disconnect: packetType.name
        }
    }
}
