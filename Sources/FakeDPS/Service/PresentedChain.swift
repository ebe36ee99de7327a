import Crypto
import DPSCore
import Foundation
import SwiftASN1
import X509

/// The certificates a device presented in the TLS handshake, parsed. DevKit Alias certificates
/// carry a non-standard SAN, so nothing here relies on the TLS library's chain verification
/// (DevkitDPSClient.cpp, microsoft/devkit-sdk): the service compares and verifies certificates itself.
struct PresentedChain: Sendable {
    /// Leaf first, as the TLS layer delivered them.
    let certificates: [Certificate]
    let der: [[UInt8]]

    init(der chain: [[UInt8]]) throws {
        var parsed: [Certificate] = []
        for (index, bytes) in chain.enumerated() {
            do {
                parsed.append(try Certificate(derEncoded: bytes))
            } catch {
                throw X509Refusal("certificate \(index) of the presented chain is not a parseable X.509 certificate")
            }
        }
        guard !parsed.isEmpty else { throw X509Refusal("no client certificate was presented") }
        certificates = parsed
        der = chain
    }

    var leaf: Certificate { certificates[0] }
    var leafDER: [UInt8] { der[0] }
}

/// Why an X.509 attestation was refused (becomes 401 / 401002).
struct X509Refusal: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Certificate facts DPS reports and matches on.
enum CertificateFacts {
    /// The subject's common name, if it has exactly one.
    static func commonName(_ name: DistinguishedName) -> String? {
        let values = name.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }
        guard values.count == 1, let value = values.first?.value else { return nil }
        return String(describing: value)
    }

    static func sha1Thumbprint(_ der: [UInt8]) -> String {
        Insecure.SHA1.hash(data: der).map { String(format: "%02X", $0) }.joined()
    }

    static func sha256Thumbprint(_ der: [UInt8]) -> String {
        SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined()
    }

    /// DER of a parsed certificate (for matching a certificate that was not presented as bytes).
    static func der(_ certificate: Certificate) -> [UInt8] {
        var serializer = DER.Serializer()
        do {
            try serializer.serialize(certificate)
        } catch {
            return []
        }
        return serializer.serializedBytes
    }

    /// The `X509CertificateInfo` DPS reports for `certificate`.
    static func info(_ certificate: Certificate, der: [UInt8]) -> X509CertificateInfo {
        X509CertificateInfo(subjectName: certificate.subject.description, sha1Thumbprint: sha1Thumbprint(der),
                            sha256Thumbprint: sha256Thumbprint(der), issuerName: certificate.issuer.description,
                            notBeforeUtc: DPSTimestamp.string(from: certificate.notValidBefore),
                            notAfterUtc: DPSTimestamp.string(from: certificate.notValidAfter),
                            serialNumber: certificate.serialNumber.bytes.map { String(format: "%02X", $0) }.joined(),
                            version: certificate.version == .v3 ? 3 : 1)
    }

    /// Whether `certificate` is valid at `now` (the service clock).
    static func isValid(_ certificate: Certificate, at now: Date) -> Bool {
        certificate.notValidBefore <= now && now <= certificate.notValidAfter
    }
}
