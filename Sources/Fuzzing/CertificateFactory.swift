import Crypto
import Foundation

/// Makes the certificate (chain) of each malformation class, and its control.
enum CertificateFactory {
    static func pem(_ key: P256.Signing.PrivateKey) -> String { key.pemRepresentation + "\n" }

    /// The well-formed control: the same setup without the malformation.
    static func control(for malformation: CertificateMalformation, registrationID: String, pki: FuzzPKI,
                        random: inout FuzzRandom) throws -> CertificateSample {
        let key = SeededKey.make(&random)
        let issuer = malformation.usesIntermediate ? pki.intermediate : pki.root
        let leaf = try pki.leafTemplate(registrationID, issuer: issuer, key: key, random: &random).signed(by: issuer.key)
        let chain = malformation.usesIntermediate ? [leaf, pki.intermediate.der] : [leaf]
        return CertificateSample(certificateClass: .malformation(malformation), isControl: true, registrationID: registrationID,
                                 chain: chain, leafKeyPEM: pem(key))
    }

    static func sample(_ malformation: CertificateMalformation, registrationID id: String, pki: FuzzPKI,
                       random: inout FuzzRandom) throws -> CertificateSample {
        if malformation.usesIntermediate { return try chainSample(malformation, registrationID: id, pki: pki, random: &random) }
        let baseKey = SeededKey.make(&random)
        var key: P256.Signing.PrivateKey? = baseKey
        var registrationID = id
        var template = pki.leafTemplate(id, issuer: pki.root, key: baseKey, random: &random)
        var signer = pki.root.key
        var outer: [UInt8]?
        var rewrite: (([UInt8]) -> [UInt8])?
        let now = pki.now
        switch malformation {
        case .expired: (template.notBefore, template.notAfter) = (now.addingTimeInterval(-30 * 86_400), now.addingTimeInterval(-86_400))
        case .notYetValid: (template.notBefore, template.notAfter) = (now.addingTimeInterval(86_400), now.addingTimeInterval(30 * 86_400))
        case .validityReversed: (template.notBefore, template.notAfter) = (now.addingTimeInterval(86_400), now.addingTimeInterval(-86_400))
        case .generalizedTimeBefore2050: template.generalizedTime = true
        case .commonNameMissing: template.subject = [[.organization("dpsconform fuzz")]]
        case .commonNameEmpty: template.subject = [[.commonName("")], [.organization("dpsconform fuzz")]]
        case .commonNameDuplicated: template.subject = [[.commonName(id)], [.commonName(id)], [.organization("dpsconform fuzz")]]
        case .commonNameDiffers: template.subject = [[.commonName("someone-else")], [.organization("dpsconform fuzz")]]
        case .commonNameUpperCase: template.subject = [[.commonName(id.uppercased())], [.organization("dpsconform fuzz")]]
        case .commonName65:
            registrationID = String((id + String(repeating: "x", count: 65)).prefix(65))
            template.subject = [[.commonName(registrationID)], [.organization("dpsconform fuzz")]]
        case .commonNameTrailingNUL: template.subject = [[.commonName(id + "\u{0}")], [.organization("dpsconform fuzz")]]
        case .commonNamePrintableString:
            template.subject = [[NameAttribute(oid: OID.commonName, value: id, tag: DER.Tag.printableString)], [.organization("dpsconform fuzz")]]
        case .keyUsageWithoutDigitalSignature: template.extensions[1] = .keyUsage(0x20)
        case .extendedKeyUsageServerOnly: template.extensions[2] = .extendedKeyUsage([OID.serverAuth])
        case .caFlagOnLeaf: template.extensions[0] = .basicConstraints(ca: true)
        case .unknownCriticalExtension: template.extensions.append(CertificateExtension(oid: OID.unknownPrivate, critical: true, value: DER.null))
        case .unknownNonCriticalExtension: template.extensions.append(CertificateExtension(oid: OID.unknownPrivate, critical: false, value: DER.null))
        case .duplicateExtension: template.extensions.append(.basicConstraints(ca: false))
        case .malformedExtensionValue: template.extensions[1] = CertificateExtension(oid: OID.keyUsage, critical: true, value: DER.null)
        case .badSignature: rewrite = { flipLastBit($0) }
        case .signedByOtherKey: signer = pki.stranger.key
        case .signatureAlgorithmMismatch: outer = OID.ecdsaWithSHA1
        case .signatureSHA1: template.signatureAlgorithm = OID.ecdsaWithSHA1
        case .issuerNameMismatch: template.issuer = [[.commonName("not the enrolled CA")], [.organization("dpsconform fuzz")]]
        case .curveSecp256k1: key = nil; template.publicKeyInfo = ecKey(curve: OID.secp256k1, point: [0x04] + random.bytes(64))
        case .curveP192: key = nil; template.publicKeyInfo = ecKey(curve: OID.prime192v1, point: [0x04] + random.bytes(48))
        case .weakRSA512: key = nil; template.publicKeyInfo = rsaKey(modulus: [0xc3] + random.bytes(62) + [0x01])
        case .pointNotOnCurve: key = nil; template.publicKeyInfo = ecKey(curve: OID.prime256v1, point: [0x04] + random.bytes(64))
        case .truncated: rewrite = { Array($0.dropLast(10)) }
        case .trailingBytes: rewrite = { $0 + [0x05, 0x00, 0x05, 0x00] }
        case .outerLengthTooLong: rewrite = { adjustOuterLength($0, by: 1) }
        case .outerLengthTooShort: rewrite = { adjustOuterLength($0, by: -1) }
        case .indefiniteLength: rewrite = { [0x30, 0x80] + content($0) + [0x00, 0x00] }
        case .nonMinimalLength: rewrite = { bytes in let body = content(bytes); return [0x30, 0x84, 0, 0, UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body }
        case .versionFour: template.version = 3
        case .version1WithExtensions: template.version = nil
        case .serialHuge: template.serial = [0x01] + random.bytes(20)
        case .serialNegative: template.serial = [0x9c] + random.bytes(7)
        case .serialZero: template.serial = [0x00]
        case .serialNonMinimal: template.serial = [0x00, 0x00, 0x12, 0x34]
        case .missingIntermediate, .misorderedIntermediates, .chainLoop, .selfSignedLeaf, .unenrolledCA, .intermediateNotCA,
             .intermediateWithoutBasicConstraints, .intermediateWithoutKeyCertSign, .intermediateExpired, .pathLengthExceeded,
             .nameConstraintsViolated:
            break
        }
        var chain: [[UInt8]] = []
        switch malformation {
        case .selfSignedLeaf:
            let own = key ?? baseKey
            template.issuer = template.subject
            chain = [try template.signed(by: own)]
        case .unenrolledCA:
            template.issuer = pki.stranger.name
            chain = [try template.signed(by: pki.stranger.key), pki.stranger.der]
        default:
            let signed = try template.signed(by: signer, outerAlgorithm: outer)
            chain = [rewrite.map { $0(signed) } ?? signed]
        }
        return CertificateSample(certificateClass: .malformation(malformation), isControl: false, registrationID: registrationID,
                                 chain: chain, leafKeyPEM: key.map(pem))
    }

    /// Classes whose malformation is in the chain above the leaf.
    static func chainSample(_ malformation: CertificateMalformation, registrationID id: String, pki: FuzzPKI,
                            random: inout FuzzRandom) throws -> CertificateSample {
        let key = SeededKey.make(&random)
        let now = pki.now
        func leaf(by issuer: FuzzAuthority, subject: [[NameAttribute]]? = nil) throws -> [UInt8] {
            var template = pki.leafTemplate(id, issuer: issuer, key: key, random: &random)
            if let subject { template.subject = subject }
            return try template.signed(by: issuer.key)
        }
        func intermediate(_ name: String, issuer: FuzzAuthority? = nil, extensions: [CertificateExtension]? = nil,
                          notAfter: Date? = nil) throws -> FuzzAuthority {
            try FuzzPKI.authority(name, issuer: issuer ?? pki.root, now: now, random: &random, extensions: extensions, notAfter: notAfter)
        }
        var chain: [[UInt8]]
        switch malformation {
        case .missingIntermediate:
            chain = [try leaf(by: pki.intermediate)]
        case .misorderedIntermediates:
            let lower = try intermediate("fuzz lower intermediate", issuer: pki.intermediate)
            chain = [try leaf(by: lower), pki.intermediate.der, lower.der]
        case .chainLoop:
            // A and B each name the other as issuer; neither leads to the enrolled root.
            let keyA = SeededKey.make(&random)
            let keyB = SeededKey.make(&random)
            let nameA: [[NameAttribute]] = [[.commonName("fuzz loop CA A")]]
            let nameB: [[NameAttribute]] = [[.commonName("fuzz loop CA B")]]
            let a = FuzzAuthority(key: keyA, name: nameA, der: try loopCA(nameA, issuer: nameB, key: keyA, signer: keyB, now: now, random: &random))
            let b = FuzzAuthority(key: keyB, name: nameB, der: try loopCA(nameB, issuer: nameA, key: keyB, signer: keyA, now: now, random: &random))
            chain = [try leaf(by: a), a.der, b.der, a.der, b.der]
        case .intermediateNotCA:
            let bad = try intermediate("fuzz not-a-CA intermediate", extensions: [.basicConstraints(ca: false), .keyUsage(0x06)])
            chain = [try leaf(by: bad), bad.der]
        case .intermediateWithoutBasicConstraints:
            let bad = try intermediate("fuzz no-basic-constraints intermediate", extensions: [.keyUsage(0x06)])
            chain = [try leaf(by: bad), bad.der]
        case .intermediateWithoutKeyCertSign:
            let bad = try intermediate("fuzz no-key-cert-sign intermediate", extensions: [.basicConstraints(ca: true), .keyUsage(0x80)])
            chain = [try leaf(by: bad), bad.der]
        case .intermediateExpired:
            let bad = try intermediate("fuzz expired intermediate", notAfter: now.addingTimeInterval(-86_400))
            chain = [try leaf(by: bad), bad.der]
        case .pathLengthExceeded:
            let upper = try intermediate("fuzz path-length-0 intermediate", extensions: [.basicConstraints(ca: true, pathLength: 0), .keyUsage(0x06)])
            let lower = try intermediate("fuzz below path-length-0", issuer: upper)
            chain = [try leaf(by: lower), lower.der, upper.der]
        case .nameConstraintsViolated:
            let constrained = try intermediate("fuzz name-constrained intermediate", extensions: [
                .basicConstraints(ca: true), .keyUsage(0x06), .nameConstraints(permittedDirectory: [.organization("permitted-org")]),
            ])
            chain = [try leaf(by: constrained, subject: [[.organization("other-org")], [.commonName(id)]]), constrained.der]
        default:
            chain = [try leaf(by: pki.intermediate), pki.intermediate.der]
        }
        return CertificateSample(certificateClass: .malformation(malformation), isControl: false, registrationID: id, chain: chain,
                                 leafKeyPEM: pem(key))
    }

    static func loopCA(_ name: [[NameAttribute]], issuer: [[NameAttribute]], key: P256.Signing.PrivateKey, signer: P256.Signing.PrivateKey,
                       now: Date, random: inout FuzzRandom) throws -> [UInt8] {
        let spki = Array(key.publicKey.derRepresentation)
        return try CertificateTemplate(serial: [0x01] + random.bytes(8), issuer: issuer, notBefore: now.addingTimeInterval(-86_400),
                                       notAfter: now.addingTimeInterval(365 * 86_400), subject: name, publicKeyInfo: spki,
                                       extensions: [.basicConstraints(ca: true), .keyUsage(0x06)]).signed(by: signer)
    }

    static func ecKey(curve: [UInt8], point: [UInt8]) -> [UInt8] {
        DER.sequence([DER.sequence([DER.oid(OID.ecPublicKey), DER.oid(curve)]), DER.bitString(point)])
    }

    static func rsaKey(modulus: [UInt8]) -> [UInt8] {
        let key = DER.sequence([DER.unsignedInteger(modulus), DER.unsignedInteger([0x01, 0x00, 0x01])])
        return DER.sequence([DER.sequence([DER.oid(OID.rsaEncryption), DER.null]), DER.bitString(key)])
    }

    /// The content octets of the outer SEQUENCE.
    static func content(_ der: [UInt8]) -> [UInt8] {
        guard let outer = DER.read(der, at: 0) else { return der }
        return Array(der[outer.contentStart..<outer.end])
    }

    /// The same bytes with the outer length stated `delta` off.
    static func adjustOuterLength(_ der: [UInt8], by delta: Int) -> [UInt8] {
        let body = content(der)
        let stated = body.count + delta
        return [0x30, 0x82, UInt8(truncatingIfNeeded: stated >> 8), UInt8(truncatingIfNeeded: stated)] + body
    }

    static func flipLastBit(_ der: [UInt8]) -> [UInt8] {
        var bytes = der
        if let last = bytes.indices.last { bytes[last] ^= 0x01 }
        return bytes
    }
}
