/// A SUBACK packet (section 3.9): the server's answer to SUBSCRIBE, one return code per
/// Topic Filter, in the same order.
public struct MQTTSubAck: Hashable, Sendable {
    /// The identifier of the SUBSCRIBE being answered; never zero [MQTT-2.3.1-7].
    public var packetIdentifier: UInt16
    /// At least one [MQTT-3.8.4-5].
    public var returnCodes: [MQTTSubAckReturnCode]

    public init(packetIdentifier: UInt16, returnCodes: [MQTTSubAckReturnCode]) {
        self.packetIdentifier = packetIdentifier
        self.returnCodes = returnCodes
    }
}

/// The outcome of one subscription (section 3.9.3): the maximum QoS granted, or failure (0x80).
/// Other byte values are reserved [MQTT-3.9.3-2] and refused.
public enum MQTTSubAckReturnCode: Hashable, Sendable {
    /// The subscription is accepted with this maximum QoS (0x00, 0x01, 0x02).
    case granted(MQTTQoS)
    /// The subscription is refused (0x80).
    case failure

    /// The byte on the wire.
    public var rawValue: UInt8 {
        switch self {
        case .granted(let qos): qos.rawValue
        case .failure: 0x80
        }
    }

    /// Nil for the reserved values.
    public init?(rawValue: UInt8) {
        if rawValue == 0x80 {
            self = .failure
        } else if let qos = MQTTQoS(rawValue: rawValue) {
            self = .granted(qos)
        } else {
            return nil
        }
    }
}

// MARK: - Wire form

extension MQTTSubAck {
    init(reading reader: inout PacketReader) throws(MQTTWireError) {
        let identifier = try readPacketIdentifier(&reader, rule: .subscriptionAckIdentifier)
        var codes: [MQTTSubAckReturnCode] = []
        while !reader.isAtEnd {
            let offset = reader.offset
            let byte = try reader.readByte("Return Code", missing: .remainingLength)
            guard let code = MQTTSubAckReturnCode(rawValue: byte) else {
                throw MQTTWireError(.invalidSubAckReturnCode, .subAckReturnCodes,
                                    "SUBACK return code 0x\(hex(byte)) at offset \(offset) is reserved")
            }
            codes.append(code)
        }
        guard !codes.isEmpty else {
            throw MQTTWireError(.noReturnCodes, .subAckNotEmpty, "SUBACK has no return code")
        }
        self.init(packetIdentifier: identifier, returnCodes: codes)
    }

    func write(into writer: inout PacketWriter) throws(MQTTWireError) {
        try writePacketIdentifier(packetIdentifier, into: &writer, rule: .subscriptionAckIdentifier)
        guard !returnCodes.isEmpty else {
            throw MQTTWireError(.noReturnCodes, .subAckNotEmpty, "SUBACK has no return code")
        }
        for code in returnCodes { writer.byte(code.rawValue) }
    }
}
