/// A cursor over the variable header and payload of one packet, bounded by its Remaining
/// Length. Every read that would cross the end throws instead of trapping; `missing` names the
/// rule that requires the field to be there.
struct PacketReader {
    private let bytes: [UInt8]
    private let packetStart: Int
    private let end: Int
    private(set) var position: Int
    /// The packet's name, for reasons.
    let packetName: String

    init(bytes: [UInt8], header: FixedHeader, packetStart: Int) {
        self.bytes = bytes
        self.packetStart = packetStart
        self.position = packetStart + header.headerLength
        self.end = packetStart + header.packetLength
        self.packetName = header.type.name
    }

    var isAtEnd: Bool { position >= end }
    /// The current position as an offset from the first byte of the packet.
    var offset: Int { position - packetStart }

    mutating func readByte(_ field: String, missing rule: MQTTRule) throws(MQTTWireError) -> UInt8 {
        guard position < end else { throw truncated(field, needs: 1, rule) }
        let byte = bytes[position]
        position += 1
        return byte
    }

    mutating func readUInt16(_ field: String, missing rule: MQTTRule) throws(MQTTWireError) -> UInt16 {
        guard end - position >= 2 else { throw truncated(field, needs: 2, rule) }
        let value = UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
        position += 2
        return value
    }

    /// A field with a two-byte length prefix (sections 1.5.3 and 3.1.3); returns its byte range.
    mutating func readLengthPrefixed(_ field: String, missing rule: MQTTRule) throws(MQTTWireError) -> Range<Int> {
        let fieldOffset = offset
        let length = Int(try readUInt16("\(field) length", missing: rule))
        guard end - position >= length else {
            throw MQTTWireError(.truncatedField, rule,
                                "\(packetName) \(field) at offset \(fieldOffset) declares \(length) bytes but only \(end - position) remain in the packet")
        }
        let range = position..<(position + length)
        position += length
        return range
    }

    mutating func readBinary(_ field: String, missing rule: MQTTRule) throws(MQTTWireError) -> [UInt8] {
        let range = try readLengthPrefixed(field, missing: rule)
        return Array(bytes[range])
    }

    /// A UTF-8 encoded string, validated before it becomes a `String` (so no byte is repaired,
    /// dropped or normalized).
    mutating func readString(_ field: String, missing rule: MQTTRule) throws(MQTTWireError) -> String {
        let range = try readLengthPrefixed(field, missing: rule)
        try UTF8Validation.validate(bytes, range, field: "\(packetName) \(field)", packetStart: packetStart)
        return String(decoding: bytes[range], as: UTF8.self)
    }

    /// Whether `range` holds exactly `expected`.
    func bytes(in range: Range<Int>, equal expected: [UInt8]) -> Bool {
        bytes[range].elementsEqual(expected)
    }

    mutating func readRest() -> [UInt8] {
        let rest = Array(bytes[position..<end])
        position = end
        return rest
    }

    func expectEnd() throws(MQTTWireError) {
        guard position == end else {
            throw MQTTWireError(.trailingContent, .remainingLength,
                                "\(packetName) has \(end - position) bytes after its last field, at offset \(offset)")
        }
    }

    private func truncated(_ field: String, needs count: Int, _ rule: MQTTRule) -> MQTTWireError {
        MQTTWireError(.truncatedField, rule,
                      "\(packetName) \(field) needs \(count) bytes at offset \(offset) but \(max(0, end - position)) remain in the packet")
    }
}
