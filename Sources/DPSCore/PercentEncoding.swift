/// Percent-encoding as DPS clients apply it to topic properties and SAS fields.
public enum PercentEncoding {
    /// Hex digit case of escapes. Both appear on the wire: the Embedded C SDK/the C SDK write `%2f`, the C# SDK/the Python SDK `%2F`.
    public enum HexCase: Sendable { case upper, lower }

    /// Encodes every byte outside RFC 3986 unreserved (`A-Z a-z 0-9 - . _ ~`), like Python's
    /// `quote(safe="")` (Microsoft Learn iot-dps-mqtt-support, vectors `mqtt_*_topic_escaped*`).
    public static func encode(_ text: String, hexCase: HexCase = .upper) -> String {
        let digits = Array(hexCase == .upper ? "0123456789ABCDEF" : "0123456789abcdef")
        var out = ""
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out.append("%")
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// Decodes `%XX` escapes of either case. A `%` not followed by two hex digits, or escapes that
    /// do not form UTF-8, are an error.
    public static func decode(_ text: String) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw DPSCoreError(.invalidPercentEncoding, "'%' not followed by two hex digits in '\(text)'")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw DPSCoreError(.invalidPercentEncoding, "percent-escapes in '\(text)' do not form UTF-8")
        }
        return decoded
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
