import Crypto
import DICE
import Foundation
import Inputs
import SwiftASN1
import X509

/// Makes the `certificates:` of a scenario, in file order (an issuer must come before what it signs):
///
///     certificates:
///       root: {ca: true}
///       intermediate: {ca: true, issuer: root}
///       device: {issuer: intermediate, commonName: x509-device-01}
///       stale: {commonName: x509-device-02, expired: true}      # self-signed when no issuer
enum ScenarioCertificates {
    /// The Alias certificate dps_cert_gen would make for a DevKit (what is enrolled in DPS).
    static func devKit(_ name: String, _ spec: YAMLNode) throws -> ScenarioCertificate {
        let fields = try spec.mapping(allowed: ["dice"])
        guard let diceNode = fields["dice"] else { throw spec.error(.missingField, "dice") }
        let (release, registrationID) = try DiceRelease.read(diceNode, withRegistrationID: true)
        let inputs = try release.inputs(registrationID: registrationID ?? "", at: diceNode)
        let set: DevKitCertificateSet
        do {
            set = try DevKitRIoTProfile().derive(inputs).certificates.get()
        } catch {
            throw diceNode.error(.invalidValue, "no Alias certificate can be derived: \(error.reason)")
        }
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: set.alias.der)
        } catch {
            throw diceNode.error(.invalidValue, "the derived Alias certificate does not parse: \(error)")
        }
        return ScenarioCertificate(name: name, certificate: certificate, der: set.alias.der, pem: set.alias.pem, keyPEM: set.aliasKeyPEM, isCA: false)
    }

    static func make(_ node: YAMLNode, now: Date = Date()) throws -> [String: ScenarioCertificate] {
        guard case .mapping(let mapping) = node.node else { throw node.error(.wrongType, "certificates must be a mapping of name to settings") }
        var made: [String: ScenarioCertificate] = [:]
        var keys: [String: P256.Signing.PrivateKey] = [:]
        let members = try node.mapping(allowed: Set(mapping.compactMap { $0.key.string }))
        for (key, _) in mapping {
            guard let name = key.string, let spec = members[name] else { continue }
            if case .mapping(let inner) = spec.node, inner.contains(where: { $0.key.string == "dice" }) {
                made[name] = try devKit(name, spec)
                continue
            }
            let fields = try spec.mapping(allowed: ["ca", "issuer", "commonName", "expired", "notYetValid", "validDays", "signatureDigest"])
            // The issuer signs with SHA-256 (ecdsa-with-SHA256), or SHA-384 where a case needs another algorithm.
            let algorithm: Certificate.SignatureAlgorithm = try fields["signatureDigest"].map {
                try $0.choice(["sha256": Certificate.SignatureAlgorithm.ecdsaWithSHA256, "sha384": .ecdsaWithSHA384])
            } ?? .ecdsaWithSHA256
            let isCA = try fields["ca"]?.bool() ?? false
            let commonName = try fields["commonName"]?.string() ?? name
            let validDays = try fields["validDays"]?.int(in: 1...36_500) ?? 365
            var notBefore = now.addingTimeInterval(-3600)
            var notAfter = now.addingTimeInterval(Double(validDays) * 86_400)
            if try fields["expired"]?.bool() ?? false {
                notBefore = now.addingTimeInterval(-30 * 86_400)
                notAfter = now.addingTimeInterval(-86_400)
            }
            if try fields["notYetValid"]?.bool() ?? false {
                notBefore = now.addingTimeInterval(86_400)
                notAfter = now.addingTimeInterval(30 * 86_400)
            }
            let key = P256.Signing.PrivateKey()
            let subject = try DistinguishedName { CommonName(commonName); OrganizationName("dpsconform scenario") }
            var issuerName = subject
            var issuerKey = key
            if let issuerNode = fields["issuer"] {
                let issuer = try issuerNode.string()
                guard let parent = made[issuer], let parentKey = keys[issuer] else {
                    throw issuerNode.error(.invalidValue, "issuer '\(issuer)' is not a certificate defined above")
                }
                guard parent.isCA else { throw issuerNode.error(.invalidValue, "issuer '\(issuer)' is not a CA (ca: true)") }
                issuerName = parent.certificate.subject
                issuerKey = parentKey
            }
            let extensions = try Certificate.Extensions {
                if isCA {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                } else {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.clientAuth])
                }
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            }
            let certificate = try Certificate(version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
                                              notValidBefore: notBefore, notValidAfter: notAfter, issuer: issuerName, subject: subject,
                                              signatureAlgorithm: algorithm, extensions: extensions, issuerPrivateKey: .init(issuerKey))
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            made[name] = ScenarioCertificate(name: name, certificate: certificate, der: serializer.serializedBytes,
                                             pem: try certificate.serializeAsPEM().pemString + "\n", keyPEM: key.pemRepresentation + "\n", isCA: isCA)
            keys[name] = key
        }
        return made
    }
}
