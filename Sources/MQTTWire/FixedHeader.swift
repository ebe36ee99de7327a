/// The first two to five bytes of every packet (section 2.2): type, flags, Remaining Length.
struct FixedHeader: Hashable, Sendable {
    /// The largest Remaining Length four bytes can express (section 2.2.3).
    static let maximumRemainingLength = 268_435_455
    /// The largest whole packet: a 5-byte fixed header plus the largest Remaining Length.
    static let maximumPacketSize = maximumRemainingLength + 5

    let type: MQTTPacketType
    let flags: UInt8
    let remainingLength: Int
    /// Bytes taken by the fixed header itself (2...5).
    let headerLength: Int

    var packetLength: Int { headerLength + remainingLength }

    /// Reads a fixed header from `bytes[start..<end]`, checking everything the header alone can
    /// tell so a bad packet fails before its body is waited for. Returns nil while the header is
    /// still incomplete.
    static func parse(
        _ bytes: [UInt8], from start: Int, to end: Int, maximumPacketSize: Int
    ) throws(MQTTWireError) -> FixedHeader? {
        guard start < end else { return nil }
        let first = bytes[start]
        guard let type = MQTTPacketType(rawValue: first >> 4) else {
            throw MQTTWireError(.reservedPacketType, .packetType,
                                "packet type \(first >> 4) at offset 0 is reserved")
        }
        let flags = first & 0x0F
        try validateFlags(flags, of: type)

        var value = 0
        var multiplier = 1
        var headerLength = 0
        for position in 0..<4 {
            let index = start + 1 + position
            guard index < end else { return nil }
            let byte = bytes[index]
            value += Int(byte & 0x7F) * multiplier
            if byte & 0x80 == 0 {
                headerLength = 2 + position
                break
            }
            if position == 3 {
                throw MQTTWireError(.malformedRemainingLength, .remainingLength,
                                    "\(type.name) Remaining Length continues past its fourth byte (offset 4)")
            }
            multiplier *= 128
        }

        if let fixed = type.fixedRemainingLength, fixed.length != value {
            throw MQTTWireError(.invalidRemainingLength, fixed.rule,
                                "\(type.name) Remaining Length is \(value), must be \(fixed.length)")
        }
        guard headerLength + value <= maximumPacketSize else {
            throw MQTTWireError(.packetTooLarge, .transientError,
                                "\(type.name) declares \(headerLength + value) bytes, over the maximum packet size of \(maximumPacketSize)")
        }
        return FixedHeader(type: type, flags: flags, remainingLength: value, headerLength: headerLength)
    }

    private static func validateFlags(_ flags: UInt8, of type: MQTTPacketType) throws(MQTTWireError) {
        guard let required = type.requiredFlags else {
            // PUBLISH: bits are DUP, QoS (2 bits), RETAIN.
            let qos = (flags >> 1) & 0b11
            if qos == 3 {
                throw MQTTWireError(.invalidQoS, .publishQoS, "PUBLISH fixed header has both QoS bits set")
            }
            if qos == 0, flags & 0b1000 != 0 {
                throw MQTTWireError(.dupWithQoS0, .dupOnQoS0, "PUBLISH with QoS 0 has the DUP flag set")
            }
            return
        }
        guard flags == required else {
            throw MQTTWireError(.invalidFixedHeaderFlags, type.flagsRule,
                                "\(type.name) fixed-header flags are \(binary(flags)), must be \(binary(required))")
        }
    }

    /// Encodes a Remaining Length in the shortest form (section 2.2.3).
    static func encodeRemainingLength(_ value: Int, into bytes: inout [UInt8]) {
        var rest = value
        repeat {
            var byte = UInt8(rest % 128)
            rest /= 128
            if rest > 0 { byte |= 0x80 }
            bytes.append(byte)
        } while rest > 0
    }
}

private func binary(_ flags: UInt8) -> String {
    let digits = String(flags, radix: 2)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
