import TestSupport
import Crypto
import Foundation
import SwiftASN1
import X509

/// The repository root (TestSupport).
func repositoryRoot(from file: String = #filePath) -> URL? { Checkout.root }

/// The first DevKit vector of Vectors/dice/dice-vectors.json (UDS from the MXChip docs, a 64 KiB
/// counter image) with its expected Alias certificate and key.
struct DiceFixture {
    struct Missing: Error { let what: String }

    let udsHex: String
    let registrationID: String
    let firmware: [UInt8]
    let mapText: String
    let aliasCertificateDER: [UInt8]
    let aliasPrivateHex: String

    static func load() throws -> DiceFixture {
        guard let root = repositoryRoot() else { throw Missing(what: "repository root") }
        let data = try Data(contentsOf: root.appendingPathComponent("Vectors/dice/dice-vectors.json"))
        guard let file = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let vectors = file["vectors"] as? [[String: Any]],
              let vector = vectors.first(where: { ($0["id"] as? String) == "pub-01-docs-uds" }),
              let inputs = vector["inputs"] as? [String: Any], let expected = vector["expected"] as? [String: Any],
              let firmware = inputs["firmware"] as? [String: Any], (firmware["pattern"] as? String) == "counter",
              let length = firmware["length"] as? Int, let map = inputs["map"] as? [String: Any],
              let mapText = map["mapFileText"] as? String, let uds = inputs["udsHex"] as? String,
              let registrationID = inputs["registrationId"] as? String,
              let certificate = expected["aliasCertPem"] as? String, let aliasPrivate = expected["aliasPrivate"] as? String else {
            throw Missing(what: "vector pub-01-docs-uds")
        }
        // Pattern "counter": byte i is i mod 256.
        return DiceFixture(udsHex: uds, registrationID: registrationID, firmware: (0..<length).map { UInt8(truncatingIfNeeded: $0) },
                           mapText: mapText, aliasCertificateDER: pemDER(certificate), aliasPrivateHex: aliasPrivate)
    }

    /// Writes the `.bin` and `.map` files the DevKit tool reads.
    func writeInputs(to directory: URL) throws -> (firmware: String, map: String) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let bin = directory.appendingPathComponent("firmware.ino.bin")
        let map = directory.appendingPathComponent("firmware.ino.map")
        try Data(firmware).write(to: bin)
        try Data(mapText.utf8).write(to: map)
        return (bin.path, map.path)
    }
}

/// Device certificates for X.509 tests: a self-signed leaf, or a CA and a leaf it issues.
enum DeviceCertificates {
    struct Identity {
        let certificateFile: String
        let keyFile: String
        let certificateDER: [UInt8]
    }

    struct Authority {
        let certificate: Certificate
        let key: P256.Signing.PrivateKey
        var der: [UInt8] { (try? serialize(certificate)) ?? [] }
    }

    static func selfSigned(commonName: String, in directory: URL) throws -> Identity {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let certificate = try make(subject: name, issuer: name, publicKey: key.publicKey, signingKey: key, isCA: false)
        return try write(certificate, key: key, chain: [], name: commonName, in: directory)
    }

    static func authority(commonName: String) throws -> Authority {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        return Authority(certificate: try make(subject: name, issuer: name, publicKey: key.publicKey, signingKey: key, isCA: true), key: key)
    }

    /// A leaf issued by `authority`, written with the CA after it (leaf first).
    static func issued(commonName: String, by authority: Authority, in directory: URL) throws -> Identity {
        let key = P256.Signing.PrivateKey()
        let certificate = try make(subject: try DistinguishedName { CommonName(commonName) }, issuer: authority.certificate.subject,
                                   publicKey: key.publicKey, signingKey: authority.key, isCA: false)
        return try write(certificate, key: key, chain: [authority.certificate], name: commonName, in: directory)
    }

    private static func make(subject: DistinguishedName, issuer: DistinguishedName, publicKey: P256.Signing.PublicKey,
                             signingKey: P256.Signing.PrivateKey, isCA: Bool) throws -> Certificate {
        let now = Date()
        return try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(publicKey), notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(30 * 24 * 3600), issuer: issuer, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            }.filtered(keepCA: isCA),
            issuerPrivateKey: .init(signingKey))
    }

    private static func write(_ certificate: Certificate, key: P256.Signing.PrivateKey, chain: [Certificate], name: String,
                              in directory: URL) throws -> Identity {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificateFile = directory.appendingPathComponent("\(name)-cert.pem")
        let keyFile = directory.appendingPathComponent("\(name)-key.pem")
        let pem = try ([certificate] + chain).map { try $0.serializeAsPEM().pemString + "\n" }.joined()
        try Data(pem.utf8).write(to: certificateFile)
        try Data(key.pemRepresentation.utf8).write(to: keyFile)
        return Identity(certificateFile: certificateFile.path, keyFile: keyFile.path, certificateDER: try serialize(certificate))
    }

    static func serialize(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}

extension Certificate.Extensions {
    /// Leaves carry no basic-constraints extension here; CAs keep it.
    fileprivate func filtered(keepCA: Bool) throws -> Certificate.Extensions {
        keepCA ? self : Certificate.Extensions()
    }
}
