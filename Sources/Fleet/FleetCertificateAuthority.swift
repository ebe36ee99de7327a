import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// The CA of an X.509 enrollment group: it issues each simulated device its own certificate
/// (subject CN = registration ID, as DPS requires; Microsoft Learn concepts-x509-attestation),
/// all issued before the run is timed.
public struct FleetCertificateAuthority: Sendable {
    let certificate: Certificate
    let key: Certificate.PrivateKey

    /// A fresh P-256 CA, valid from an hour ago for a day.
    public static func make(now: Date = Date()) throws -> FleetCertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            CommonName("dpsconform fleet CA")
            OrganizationName("dpsconform")
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(24 * 3600),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        return FleetCertificateAuthority(certificate: certificate, key: .init(key))
    }

    /// A CA from PEM files' text: the enrollment group's CA certificate and its private key.
    public init(certificatePEM: String, keyPEM: String) throws(FleetInputError) {
        do {
            certificate = try Certificate(pemEncoded: certificatePEM)
        } catch {
            throw FleetInputError("the X.509 CA certificate is not a PEM certificate")
        }
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyPEM)
        } catch {
            throw FleetInputError("the X.509 CA key is not a PEM private key (its content is not shown)")
        }
        guard key.publicKey == certificate.publicKey else { throw FleetInputError("the X.509 CA key does not belong to the CA certificate") }
    }

    private init(certificate: Certificate, key: Certificate.PrivateKey) {
        self.certificate = certificate
        self.key = key
    }

    /// The CA certificate, DER, for an enrollment group.
    public var certificateDER: [UInt8] {
        get throws {
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            return serializer.serializedBytes
        }
    }

    /// A new certificate for `registrationID` and its key, issued before the run is timed.
    func issue(registrationID: String, now: Date) throws(FleetFailure) -> IssuedDeviceCertificate {
        do {
            let deviceKey = P256.Signing.PrivateKey()
            let leaf = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(deviceKey.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(24 * 3600),
                issuer: certificate.subject, subject: try DistinguishedName { CommonName(registrationID) },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.clientAuth])
                },
                issuerPrivateKey: key)
            var serializer = DER.Serializer()
            try serializer.serialize(leaf)
            return IssuedDeviceCertificate(certificateDER: serializer.serializedBytes, keyPEM: Array(deviceKey.pemRepresentation.utf8))
        } catch {
            throw FleetFailure(.tls, "cannot make the certificate of \(registrationID): \(error)")
        }
    }
}

/// One simulated device's certificate (DER) and private key (PEM, never printed), issued before
/// the run; its TLS context is made at the device's turn, so a run never holds one per device.
struct IssuedDeviceCertificate: Sendable {
    let certificateDER: [UInt8]
    let keyPEM: [UInt8]

    /// A client TLS context presenting this certificate, on top of `base` (the run's trust roots).
    func context(base: TLSConfiguration, registrationID: String) throws(FleetFailure) -> NIOSSLContext {
        do {
            var configuration = base
            configuration.certificateChain = [.certificate(try NIOSSLCertificate(bytes: certificateDER, format: .der))]
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: keyPEM, format: .pem))
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw FleetFailure(.tls, "cannot use the certificate of \(registrationID): \(error)")
        }
    }
}
