/// A minimal DER writer that reproduces `RiotDerEnc.c` byte for byte (RiotX509Bldr.c, microsoft/devkit-sdk).
///
/// Hand-written because the DevKit certificates are deliberately non-standard in places
/// (UTF8String countryName, an otherName without its `[0] EXPLICIT` wrapper) that
/// swift-certificates will not emit.
enum DERWriter {
    enum Tag {
        static let boolean: UInt8 = 0x01
        static let integer: UInt8 = 0x02
        static let bitString: UInt8 = 0x03
        static let octetString: UInt8 = 0x04
        static let objectIdentifier: UInt8 = 0x06
        static let utf8String: UInt8 = 0x0c
        static let utcTime: UInt8 = 0x17
        static let sequence: UInt8 = 0x30
        static let set: UInt8 = 0x31
        static func contextConstructed(_ number: UInt8) -> UInt8 { 0xa0 | number }
    }

    /// Minimal length: 1 byte, `81 xx` or `82 xx xx` (the RIoT buffers never exceed 0xFFFF).
    static func length(_ count: Int) -> [UInt8] {
        if count < 0x80 { return [UInt8(count)] }
        if count <= 0xff { return [0x81, UInt8(count)] }
        return [0x82, UInt8(truncatingIfNeeded: count >> 8), UInt8(truncatingIfNeeded: count)]
    }

    static func element(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        [tag] + length(content.count) + content
    }

    static func sequence(_ parts: [UInt8]...) -> [UInt8] { element(Tag.sequence, parts.flatMap { $0 }) }

    static func set(_ parts: [UInt8]...) -> [UInt8] { element(Tag.set, parts.flatMap { $0 }) }

    /// `DERAddIntegerFromArray`: strip leading zero bytes, prepend 00 when the top bit is set.
    static func integer(bigEndian bytes: [UInt8]) -> [UInt8] {
        var content = Array(bytes.drop { $0 == 0 })
        if content.isEmpty { content = [0] }
        if let first = content.first, first & 0x80 != 0 { content.insert(0, at: 0) }
        return element(Tag.integer, content)
    }

    static func integer(_ value: UInt8) -> [UInt8] { integer(bigEndian: [value]) }

    static func boolean(_ value: Bool) -> [UInt8] { element(Tag.boolean, [value ? 0xff : 0x00]) }

    /// An OID from its already encoded content bytes.
    static func objectIdentifier(_ encoded: [UInt8]) -> [UInt8] { element(Tag.objectIdentifier, encoded) }

    static func octetString(_ bytes: [UInt8]) -> [UInt8] { element(Tag.octetString, bytes) }

    /// BIT STRING with zero unused bits.
    static func bitString(_ bytes: [UInt8]) -> [UInt8] { element(Tag.bitString, [0x00] + bytes) }

    static func utcTime(_ text: String) -> [UInt8] { element(Tag.utcTime, Array(text.utf8)) }

    /// `DERAddUTF8String` refuses strings of 127 bytes or more (it asserts `strlen < 127`).
    static func utf8String(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count < 127 else { return nil }
        return element(Tag.utf8String, bytes)
    }

    static func explicit(_ number: UInt8, _ content: [UInt8]) -> [UInt8] {
        element(Tag.contextConstructed(number), content)
    }
}

/// Encoded contents of the object identifiers the DevKit certificates use.
enum RIoTObjectIdentifier {
    /// 1.2.840.10045.4.3.2 ecdsa-with-SHA256
    static let ecdsaWithSHA256: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]
    /// 1.2.840.10045.2.1 id-ecPublicKey
    static let ecPublicKey: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
    /// 1.2.840.10045.3.1.7 prime256v1
    static let prime256v1: [UInt8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
    /// 2.5.4.3 commonName
    static let commonName: [UInt8] = [0x55, 0x04, 0x03]
    /// 2.5.4.6 countryName
    static let countryName: [UInt8] = [0x55, 0x04, 0x06]
    /// 2.5.4.10 organizationName
    static let organizationName: [UInt8] = [0x55, 0x04, 0x0a]
    /// 2.5.29.37 extKeyUsage
    static let extendedKeyUsage: [UInt8] = [0x55, 0x1d, 0x25]
    /// 2.5.29.17 subjectAltName
    static let subjectAltName: [UInt8] = [0x55, 0x1d, 0x11]
    /// 2.5.29.19 basicConstraints
    static let basicConstraints: [UInt8] = [0x55, 0x1d, 0x13]
    /// 1.3.6.1.5.5.7.3.2 id-kp-clientAuth
    static let clientAuth: [UInt8] = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02]
    /// 1.3.6.1.4.1.311.89.3.1 Microsoft RIoT composite device ID
    static let riotCompositeDeviceID: [UInt8] = [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x59, 0x03, 0x01]
    /// 2.16.840.1.101.3.4.2.1 sha256
    static let sha256: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]
}
