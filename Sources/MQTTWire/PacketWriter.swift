/// Collects the variable header and payload of one packet while checking the limits a value
/// must respect to be encodable.
struct PacketWriter {
    private(set) var bytes: [UInt8] = []
    let packetName: String

    init(_ type: MQTTPacketType) {
        self.packetName = type.name
    }

    mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func uint16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func raw(_ value: [UInt8]) {
        bytes.append(contentsOf: value)
    }

    /// A two-byte-length-prefixed binary field (Will Message, Password; section 3.1.3).
    mutating func binary(_ value: [UInt8], _ field: String) throws(MQTTWireError) {
        try lengthPrefixed(value, field, rule: .binaryFieldLength)
    }

    /// A UTF-8 encoded string (section 1.5.3); `lengthRule` is [MQTT-4.7.3-3] for topics.
    mutating func string(_ utf8: [UInt8], _ field: String, lengthRule: MQTTRule = .stringLength) throws(MQTTWireError) {
        try UTF8Validation.validateForEncoding(utf8, field: "\(packetName) \(field)")
        try lengthPrefixed(utf8, field, rule: lengthRule)
    }

    private mutating func lengthPrefixed(_ value: [UInt8], _ field: String, rule: MQTTRule) throws(MQTTWireError) {
        guard value.count <= Int(UInt16.max) else {
            throw MQTTWireError(.fieldTooLong, rule,
                                "\(packetName) \(field) is \(value.count) bytes, over the 65,535 a two-byte length can express")
        }
        uint16(UInt16(value.count))
        bytes.append(contentsOf: value)
    }
}
