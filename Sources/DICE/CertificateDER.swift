import SwiftASN1

/// Small readers over swift-asn1 nodes for the fields DICE analysis needs.
enum CertificateDER {
    static func malformed(_ reason: String) -> DICEError { DICEError(.certificateMalformed, reason) }

    static func children(of node: ASN1Node, _ field: String, expect tag: ASN1Identifier) throws(DICEError) -> [ASN1Node] {
        guard node.identifier == tag, case .constructed(let collection) = node.content else {
            throw malformed("\(field) is not a \(tag)")
        }
        return Array(collection)
    }

    static func oidBytes(_ node: ASN1Node) -> [UInt8]? {
        guard node.identifier == .objectIdentifier, case .primitive(let bytes) = node.content else { return nil }
        return Array(bytes)
    }

    /// `SEQ{ ecdsa-with-SHA256 }`; absent or NULL parameters are tolerated.
    static func requireECDSAWithSHA256(_ node: ASN1Node, _ field: String) throws(DICEError) {
        let parts = try children(of: node, field, expect: .sequence)
        guard let first = parts.first, oidBytes(first) == RIoTObjectIdentifier.ecdsaWithSHA256,
              parts.count == 1 || (parts.count == 2 && parts[1].identifier == .null) else {
            throw malformed("\(field) is not ecdsa-with-SHA256")
        }
    }

    /// A non-negative INTEGER that fits 32 bytes, as 32 big-endian bytes.
    static func integer32(_ node: ASN1Node, _ field: String) throws(DICEError) -> [UInt8] {
        guard node.identifier == .integer, case .primitive(let bytes) = node.content, let first = bytes.first,
              first & 0x80 == 0 else {
            throw malformed("\(field) is not a positive INTEGER")
        }
        let magnitude = bytes.drop { $0 == 0 }
        guard magnitude.count <= 32 else { throw malformed("\(field) is longer than 32 bytes") }
        return [UInt8](repeating: 0, count: 32 - magnitude.count) + magnitude
    }

    /// BIT STRING { SEQ { INTEGER r, INTEGER s } }.
    static func ecdsaSignature(_ node: ASN1Node) throws(DICEError) -> ECDSASignatureValue {
        guard node.identifier == .bitString, case .primitive(let bits) = node.content, bits.first == 0 else {
            throw malformed("signatureValue is not a BIT STRING with 0 unused bits")
        }
        let parsed: ASN1Node
        do { parsed = try DER.parse(bits.dropFirst()) } catch {
            throw malformed("signatureValue does not hold DER")
        }
        let parts = try children(of: parsed, "ECDSA-Sig-Value", expect: .sequence)
        guard parts.count == 2 else { throw malformed("ECDSA-Sig-Value must have r and s") }
        return ECDSASignatureValue(r: try integer32(parts[0], "signature r"), s: try integer32(parts[1], "signature s"))
    }

    /// SPKI of a P-256 key: `SEQ{ SEQ{id-ecPublicKey, prime256v1}, BIT STRING 00 04XY }`.
    static func p256PublicKey(_ node: ASN1Node, _ field: String) throws(DICEError) -> [UInt8] {
        let parts = try children(of: node, field, expect: .sequence)
        guard parts.count == 2 else { throw malformed("\(field) must have algorithm and key") }
        let algorithm = try children(of: parts[0], "\(field).algorithm", expect: .sequence)
        guard algorithm.count == 2, oidBytes(algorithm[0]) == RIoTObjectIdentifier.ecPublicKey,
              oidBytes(algorithm[1]) == RIoTObjectIdentifier.prime256v1 else {
            throw malformed("\(field) is not an id-ecPublicKey on prime256v1")
        }
        guard parts[1].identifier == .bitString, case .primitive(let bits) = parts[1].content,
              bits.count == 66, bits.first == 0, bits.dropFirst().first == 0x04 else {
            throw malformed("\(field) key is not an uncompressed P-256 point")
        }
        return Array(bits.dropFirst())
    }

    /// The first commonName value in a Name (UTF8String, PrintableString or IA5String).
    static func commonName(_ node: ASN1Node) throws(DICEError) -> String? {
        for rdn in try children(of: node, "subject", expect: .sequence) {
            for attribute in try children(of: rdn, "subject RDN", expect: .set) {
                let pair = try children(of: attribute, "subject attribute", expect: .sequence)
                guard pair.count == 2, oidBytes(pair[0]) == RIoTObjectIdentifier.commonName else { continue }
                guard case .primitive(let bytes) = pair[1].content else { throw malformed("subject CN is not a string") }
                return String(decoding: bytes, as: UTF8.self)
            }
        }
        return nil
    }

    /// `[3] { SEQ { SEQ{ OID, BOOLEAN?, OCTET STRING } … } }`.
    static func extensions(_ wrapper: ASN1Node) throws(DICEError) -> [CertificateExtension] {
        guard case .constructed(let inner) = wrapper.content, let list = Array(inner).first else {
            throw malformed("extensions [3] is empty")
        }
        var out: [CertificateExtension] = []
        for (index, item) in try children(of: list, "extensions", expect: .sequence).enumerated() {
            let parts = try children(of: item, "extension \(index + 1)", expect: .sequence)
            guard let oid = parts.first.flatMap(oidBytes), parts.count == 2 || parts.count == 3 else {
                throw malformed("extension \(index + 1) is not SEQ{OID, BOOLEAN?, OCTET STRING}")
            }
            var critical = false
            if parts.count == 3 {
                guard parts[1].identifier == .boolean, case .primitive(let flag) = parts[1].content, flag.count == 1 else {
                    throw malformed("extension \(index + 1) critical flag is not a BOOLEAN")
                }
                critical = flag.first != 0
            }
            guard let last = parts.last, last.identifier == .octetString, case .primitive(let value) = last.content else {
                throw malformed("extension \(index + 1) value is not an OCTET STRING")
            }
            out.append(CertificateExtension(oid: oid, critical: critical, value: Array(value)))
        }
        return out
    }
}
