/// A DER writer that can also write what DER forbids (long-form and indefinite lengths, wrong
/// lengths): swift-certificates never emits a malformed certificate, and the certificate fuzzer
/// needs to (RFC 5280; ITU-T X.690 section 10).
enum DER {
    enum Tag {
        static let boolean: UInt8 = 0x01
        static let integer: UInt8 = 0x02
        static let bitString: UInt8 = 0x03
        static let octetString: UInt8 = 0x04
        static let null: UInt8 = 0x05
        static let objectIdentifier: UInt8 = 0x06
        static let utf8String: UInt8 = 0x0c
        static let printableString: UInt8 = 0x13
        static let utcTime: UInt8 = 0x17
        static let generalizedTime: UInt8 = 0x18
        static let sequence: UInt8 = 0x30
        static let set: UInt8 = 0x31
        static func explicit(_ number: UInt8) -> UInt8 { 0xa0 | number }
        static func implicitPrimitive(_ number: UInt8) -> UInt8 { 0x80 | number }
        static func implicitConstructed(_ number: UInt8) -> UInt8 { 0xa0 | number }
    }

    /// The minimal (DER) length octets.
    static func length(_ count: Int) -> [UInt8] {
        if count < 0x80 { return [UInt8(count)] }
        var bytes: [UInt8] = []
        var rest = count
        while rest > 0 {
            bytes.insert(UInt8(truncatingIfNeeded: rest), at: 0)
            rest >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    static func element(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] { [tag] + length(content.count) + content }
    static func sequence(_ parts: [[UInt8]]) -> [UInt8] { element(Tag.sequence, parts.flatMap { $0 }) }
    static func set(_ parts: [[UInt8]]) -> [UInt8] { element(Tag.set, parts.flatMap { $0 }) }
    static func explicit(_ number: UInt8, _ content: [UInt8]) -> [UInt8] { element(Tag.explicit(number), content) }
    static func oid(_ encoded: [UInt8]) -> [UInt8] { element(Tag.objectIdentifier, encoded) }
    static func octetString(_ bytes: [UInt8]) -> [UInt8] { element(Tag.octetString, bytes) }
    static func bitString(_ bytes: [UInt8], unusedBits: UInt8 = 0) -> [UInt8] { element(Tag.bitString, [unusedBits] + bytes) }
    static func boolean(_ value: Bool) -> [UInt8] { element(Tag.boolean, [value ? 0xff : 0x00]) }
    static func utf8String(_ text: String) -> [UInt8] { element(Tag.utf8String, Array(text.utf8)) }
    static func printableString(_ text: String) -> [UInt8] { element(Tag.printableString, Array(text.utf8)) }
    static let null: [UInt8] = [Tag.null, 0x00]

    /// A non-negative INTEGER from big-endian magnitude bytes (minimal, 00 added when the top bit is set).
    static func unsignedInteger(_ magnitude: [UInt8]) -> [UInt8] {
        var content = Array(magnitude.drop { $0 == 0 })
        if content.isEmpty { content = [0] }
        if let first = content.first, first & 0x80 != 0 { content.insert(0, at: 0) }
        return element(Tag.integer, content)
    }

    /// An INTEGER with exactly these content octets (two's complement as given: may be negative or non-minimal).
    static func rawInteger(_ content: [UInt8]) -> [UInt8] { element(Tag.integer, content) }

    /// One TLV read back: tag, where its content starts, and the content length.
    struct Element: Hashable {
        var tag: UInt8
        var headerStart: Int
        var contentStart: Int
        var contentLength: Int
        var end: Int { contentStart + contentLength }
        var isConstructed: Bool { tag & 0x20 != 0 }
    }

    /// Reads the DER element at `offset` of `bytes` (definite lengths only); nil when malformed.
    static func read(_ bytes: [UInt8], at offset: Int) -> Element? {
        guard offset + 2 <= bytes.count else { return nil }
        let tag = bytes[offset]
        let first = bytes[offset + 1]
        var start = offset + 2
        var length = Int(first)
        if first & 0x80 != 0 {
            let count = Int(first & 0x7f)
            guard count >= 1, count <= 4, start + count <= bytes.count else { return nil }
            length = bytes[start..<(start + count)].reduce(0) { $0 << 8 | Int($1) }
            start += count
        }
        guard start + length <= bytes.count else { return nil }
        return Element(tag: tag, headerStart: offset, contentStart: start, contentLength: length)
    }

    /// The elements directly inside the constructed element `parent`.
    static func children(_ bytes: [UInt8], of parent: Element) -> [Element] {
        var found: [Element] = []
        var offset = parent.contentStart
        while offset < parent.end, let child = read(bytes, at: offset) {
            found.append(child)
            offset = child.end
        }
        return found
    }
}

/// Encoded contents of the object identifiers the certificate fuzzer writes.
enum OID {
    static let ecdsaWithSHA256: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]
    static let ecdsaWithSHA1: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01]
    static let ecPublicKey: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
    static let prime256v1: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
    /// 1.3.132.0.10 secp256k1: a curve TLS and DPS do not support.
    static let secp256k1: [UInt8] = [0x2b, 0x81, 0x04, 0x00, 0x0a]
    /// 1.2.840.10045.3.1.1 prime192v1: a curve too weak for current use.
    static let prime192v1: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01]
    static let rsaEncryption: [UInt8] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]
    static let commonName: [UInt8] = [0x55, 0x04, 0x03]
    static let organizationName: [UInt8] = [0x55, 0x04, 0x0a]
    static let subjectKeyIdentifier: [UInt8] = [0x55, 0x1d, 0x0e]
    static let keyUsage: [UInt8] = [0x55, 0x1d, 0x0f]
    static let subjectAltName: [UInt8] = [0x55, 0x1d, 0x11]
    static let basicConstraints: [UInt8] = [0x55, 0x1d, 0x13]
    static let nameConstraints: [UInt8] = [0x55, 0x1d, 0x1e]
    static let authorityKeyIdentifier: [UInt8] = [0x55, 0x1d, 0x23]
    static let extendedKeyUsage: [UInt8] = [0x55, 0x1d, 0x25]
    static let clientAuth: [UInt8] = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02]
    static let serverAuth: [UInt8] = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01]
    /// 1.3.6.1.4.1.55555.1: a private extension nobody knows.
    static let unknownPrivate: [UInt8] = [0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xb2, 0x03, 0x01]
}
