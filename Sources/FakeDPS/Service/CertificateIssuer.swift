import Crypto
import DPSCore
import Foundation
import SwiftASN1
import X509

/// The fake's certificate authority for certificate issuance (api-version 2025-07-01-preview):
/// a root and an issuing CA made when the service starts, never stored. A device that sends a
/// CSR gets `issuedCertificateChain`: its leaf, the issuing CA, the root (leaf first, SPEC).
struct CertificateIssuer: Sendable {
    private let rootDER: [UInt8]
    private let issuingDER: [UInt8]
    private let issuingName: DistinguishedName
    private let issuingKey: P256.Signing.PrivateKey

    /// The first api-version that knows `csr` (SPEC, Microsoft Learn concept-certificate-issuance (preview)).
    static let firstAPIVersion = "2025-07-01-preview"

    init(now: Date) throws {
        let rootKey = P256.Signing.PrivateKey()
        let rootName = try DistinguishedName { CommonName("dpsconform fake DPS issuance root"); OrganizationName("dpsconform") }
        let root = try Certificate(version: .v3, serialNumber: .init(), publicKey: .init(rootKey.publicKey),
                                   notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(3650 * 86_400),
                                   issuer: rootName, subject: rootName, signatureAlgorithm: .ecdsaWithSHA256,
                                   extensions: try Certificate.Extensions {
                                       Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 1))
                                       Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                                   }, issuerPrivateKey: .init(rootKey))
        issuingKey = P256.Signing.PrivateKey()
        issuingName = try DistinguishedName { CommonName("dpsconform fake DPS issuing CA"); OrganizationName("dpsconform") }
        let issuing = try Certificate(version: .v3, serialNumber: .init(), publicKey: .init(issuingKey.publicKey),
                                      notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(3650 * 86_400),
                                      issuer: rootName, subject: issuingName, signatureAlgorithm: .ecdsaWithSHA256,
                                      extensions: try Certificate.Extensions {
                                          Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                                          Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                                      }, issuerPrivateKey: .init(rootKey))
        rootDER = try Self.der(root)
        issuingDER = try Self.der(issuing)
    }

    /// Checks a base64 DER PKCS#10 request: it parses, its signature verifies, and its subject CN
    /// is `registrationID` (SPEC: the CSR's CN must equal the registration ID).
    static func validate(csr text: String, registrationID: String) throws(X509Refusal) -> CertificateSigningRequest {
        guard let bytes = Data(base64Encoded: text), !bytes.isEmpty else { throw X509Refusal("csr is not base64 DER (no PEM armour)") }
        let request: CertificateSigningRequest
        do {
            request = try CertificateSigningRequest(derEncoded: Array(bytes))
        } catch {
            throw X509Refusal("csr is not a PKCS#10 certificate signing request")
        }
        guard request.publicKey.isValidSignature(request.signature, for: request) else {
            throw X509Refusal("the csr's signature does not verify under its own key")
        }
        let commonName = CertificateFacts.commonName(request.subject)
        guard commonName == registrationID else {
            throw X509Refusal("the csr's CN '\(commonName ?? "none")' is not the registration ID '\(registrationID)'")
        }
        return request
    }

    /// Issues a client certificate for `request` and returns the chain as base64 DER, leaf first.
    func issue(for request: CertificateSigningRequest, registrationID: String, now: Date) throws -> [String] {
        let leaf = try Certificate(version: .v3, serialNumber: .init(), publicKey: request.publicKey,
                                   notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(30 * 86_400),
                                   issuer: issuingName, subject: try DistinguishedName { CommonName(registrationID) },
                                   signatureAlgorithm: .ecdsaWithSHA256,
                                   extensions: try Certificate.Extensions {
                                       Critical(BasicConstraints.notCertificateAuthority)
                                       Critical(KeyUsage(digitalSignature: true))
                                       try ExtendedKeyUsage([.clientAuth])
                                   }, issuerPrivateKey: .init(issuingKey))
        return [try Self.der(leaf), issuingDER, rootDER].map { Data($0).base64EncodedString() }
    }

    private static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}
