/// Lower-case hex of bytes, the form every DICE vector uses.
@inlinable
func hexString<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Value of one ASCII hex digit (either case), or nil.
@inlinable
func hexDigitValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// Bytes of an even-length hex string, or nil when it is not one.
func bytesFromHex(_ text: String) -> [UInt8]? {
    let chars = Array(text.utf8)
    guard chars.count % 2 == 0 else { return nil }
    var out = [UInt8]()
    out.reserveCapacity(chars.count / 2)
    var i = 0
    while i < chars.count {
        guard let hi = hexDigitValue(chars[i]), let lo = hexDigitValue(chars[i + 1]) else { return nil }
        out.append(hi << 4 | lo)
        i += 2
    }
    return out
}

/// Hex text as DICE vectors and reports write it, for the modules that read them.
public enum Hex {
    /// Lower-case hex of `bytes`.
    public static func string(_ bytes: some Collection<UInt8>) -> String { hexString(bytes) }

    /// The bytes of an even-length hex string of either case, or nil.
    public static func bytes(_ text: String) -> [UInt8]? { bytesFromHex(text) }
}
