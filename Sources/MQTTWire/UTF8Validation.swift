/// Strict UTF-8 checking for MQTT strings (section 1.5.3), written out so every refusal maps to
/// the rule it breaks: RFC 3629 well-formedness [MQTT-1.5.3-1] and no U+0000 [MQTT-1.5.3-2].
/// U+FEFF (EF BB BF) is ordinary data and is kept [MQTT-1.5.3-3].
enum UTF8Validation {
    /// Checks `bytes[range]`; `packetStart` turns indices into offsets within the packet.
    static func validate(
        _ bytes: [UInt8], _ range: Range<Int>, field: String, packetStart: Int
    ) throws(MQTTWireError) {
        var index = range.lowerBound
        while index < range.upperBound {
            let lead = bytes[index]
            if lead < 0x80 {
                if lead == 0 {
                    throw MQTTWireError(.nullCharacter, .utf8NoNull,
                                        "\(field) contains U+0000 at offset \(index - packetStart)")
                }
                index += 1
                continue
            }
            // The second byte's allowed range excludes overlong forms (E0, F0), surrogates (ED)
            // and code points above U+10FFFF (F4), per the table in RFC 3629 section 4.
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondRange = 0x80...0x9F
            case 0xF0: length = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondRange = 0x80...0x8F
            default:
                throw malformed(field, "byte 0x\(hex(lead)) cannot start a UTF-8 sequence", at: index - packetStart)
            }
            guard range.upperBound - index >= length else {
                throw malformed(field, "a \(length)-byte UTF-8 sequence is cut off by the end of the string",
                                at: index - packetStart)
            }
            let second = bytes[index + 1]
            guard secondRange.contains(second) else {
                let why = lead == 0xED && second >= 0xA0
                    ? "it encodes a surrogate code point (U+D800..U+DFFF)"
                    : "byte 0x\(hex(second)) is not allowed after 0x\(hex(lead)) (overlong, out of range or not a continuation)"
                throw malformed(field, why, at: index - packetStart)
            }
            for continuation in (index + 2)..<(index + length) where bytes[continuation] & 0xC0 != 0x80 {
                throw malformed(field, "byte 0x\(hex(bytes[continuation])) is not a continuation byte",
                                at: continuation - packetStart)
            }
            index += length
        }
    }

    /// Checks a string about to be encoded: Swift strings are always well-formed, so only
    /// U+0000 can break the rules.
    static func validateForEncoding(_ utf8: [UInt8], field: String) throws(MQTTWireError) {
        if let index = utf8.firstIndex(of: 0) {
            throw MQTTWireError(.nullCharacter, .utf8NoNull, "\(field) contains U+0000 at string byte \(index)")
        }
    }

    private static func malformed(_ field: String, _ why: String, at offset: Int) -> MQTTWireError {
        MQTTWireError(.malformedUTF8, .utf8WellFormed, "\(field) is not well-formed UTF-8 at offset \(offset): \(why)")
    }
}

func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}
