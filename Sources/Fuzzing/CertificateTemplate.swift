import Crypto
import Foundation

/// One attribute of a distinguished name, with the string tag it is written in.
struct NameAttribute: Hashable {
    var oid: [UInt8]
    var value: String
    var tag: UInt8 = DER.Tag.utf8String

    static func commonName(_ value: String) -> NameAttribute { NameAttribute(oid: OID.commonName, value: value) }
    static func organization(_ value: String) -> NameAttribute { NameAttribute(oid: OID.organizationName, value: value) }

    var der: [UInt8] { DER.sequence([DER.oid(oid), DER.element(tag, Array(value.utf8))]) }
}

/// One X.509 v3 extension (RFC 5280 section 4.1): its OID, criticality and DER value.
struct CertificateExtension: Hashable {
    var oid: [UInt8]
    var critical: Bool
    var value: [UInt8]

    var der: [UInt8] {
        DER.sequence([DER.oid(oid)] + (critical ? [DER.boolean(true)] : []) + [DER.octetString(value)])
    }

    static func basicConstraints(ca: Bool, pathLength: Int? = nil) -> CertificateExtension {
        var inner: [[UInt8]] = ca ? [DER.boolean(true)] : []
        if let pathLength { inner.append(DER.unsignedInteger([UInt8(pathLength)])) }
        return CertificateExtension(oid: OID.basicConstraints, critical: true, value: DER.sequence(inner))
    }

    /// KeyUsage bits, first octet only: 0x80 digitalSignature, 0x04 keyCertSign, 0x02 cRLSign.
    static func keyUsage(_ bits: UInt8) -> CertificateExtension {
        let unused = UInt8(bits.trailingZeroBitCount)
        return CertificateExtension(oid: OID.keyUsage, critical: true, value: DER.bitString([bits], unusedBits: min(unused, 7)))
    }

    static func extendedKeyUsage(_ purposes: [[UInt8]]) -> CertificateExtension {
        CertificateExtension(oid: OID.extendedKeyUsage, critical: false, value: DER.sequence(purposes.map(DER.oid)))
    }

    static func subjectKeyIdentifier(_ spki: [UInt8]) -> CertificateExtension {
        CertificateExtension(oid: OID.subjectKeyIdentifier, critical: false, value: DER.octetString(Array(Insecure.SHA1.hash(data: spki)).prefix(20).map { $0 }))
    }

    /// NameConstraints permitting only names under the directory name `permitted` (RFC 5280 section 4.2.1.10).
    static func nameConstraints(permittedDirectory permitted: [NameAttribute]) -> CertificateExtension {
        let name = DER.sequence(permitted.map { DER.set([$0.der]) })
        let subtree = DER.sequence([DER.element(DER.Tag.implicitConstructed(4), name)])
        return CertificateExtension(oid: OID.nameConstraints, critical: true,
                                    value: DER.sequence([DER.element(DER.Tag.implicitConstructed(0), subtree)]))
    }
}

/// A certificate before it is signed, every field settable to what RFC 5280 forbids.
struct CertificateTemplate: Hashable {
    /// The `[0] EXPLICIT` version INTEGER (2 is v3); nil leaves it out (v1).
    var version: UInt8? = 2
    /// Content octets of the serial INTEGER, as written.
    var serial: [UInt8]
    var signatureAlgorithm: [UInt8] = OID.ecdsaWithSHA256
    var issuer: [[NameAttribute]]
    var notBefore: Date
    var notAfter: Date
    var subject: [[NameAttribute]]
    /// SubjectPublicKeyInfo DER.
    var publicKeyInfo: [UInt8]
    var extensions: [CertificateExtension]
    /// Write validity as GeneralizedTime even before 2050 (RFC 5280 section 4.1.2.5 wants UTCTime there).
    var generalizedTime = false

    static func name(_ rdns: [[NameAttribute]]) -> [UInt8] {
        DER.sequence(rdns.map { rdn in DER.set(rdn.map(\.der)) })
    }

    func time(_ date: Date) -> [UInt8] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = generalizedTime ? "yyyyMMddHHmmss'Z'" : "yyMMddHHmmss'Z'"
        return DER.element(generalizedTime ? DER.Tag.generalizedTime : DER.Tag.utcTime, Array(formatter.string(from: date).utf8))
    }

    var algorithmIdentifier: [UInt8] { DER.sequence([DER.oid(signatureAlgorithm)]) }

    var tbs: [UInt8] {
        var parts: [[UInt8]] = []
        if let version { parts.append(DER.explicit(0, DER.rawInteger([version]))) }
        parts += [DER.rawInteger(serial), algorithmIdentifier, Self.name(issuer),
                  DER.sequence([time(notBefore), time(notAfter)]), Self.name(subject), publicKeyInfo]
        if !extensions.isEmpty { parts.append(DER.explicit(3, DER.sequence(extensions.map(\.der)))) }
        return DER.sequence(parts)
    }

    /// The certificate: TBS, algorithm and the ECDSA signature of `key` over the TBS (SHA-256,
    /// or SHA-1 when the algorithm says so).
    func signed(by key: P256.Signing.PrivateKey, outerAlgorithm: [UInt8]? = nil) throws -> [UInt8] {
        let tbs = tbs
        let signature: P256.Signing.ECDSASignature = signatureAlgorithm == OID.ecdsaWithSHA1
            ? try key.signature(for: Insecure.SHA1.hash(data: tbs))
            : try key.signature(for: tbs)
        let outer = outerAlgorithm.map { DER.sequence([DER.oid($0)]) } ?? algorithmIdentifier
        return DER.sequence([tbs, outer, DER.bitString(Array(signature.derRepresentation))])
    }
}

/// A P-256 key made from the fuzz generator, so keys (and the TBS bytes) follow the seed.
enum SeededKey {
    static func make(_ random: inout FuzzRandom) -> P256.Signing.PrivateKey {
        while true {
            if let key = try? P256.Signing.PrivateKey(rawRepresentation: random.bytes(32)) { return key }
        }
    }
}
