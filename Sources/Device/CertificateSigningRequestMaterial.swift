import Crypto
import Foundation
import SwiftASN1
import X509

/// A fresh P-256 key and its PKCS#10 request with subject CN = registration ID, for DPS
/// certificate issuance (api-version 2025-07-01-preview; Microsoft Learn concept-certificate-issuance (preview), DPS TypeSpec `csr`).
public struct CertificateSigningRequestMaterial: Sendable {
    /// The request as DPS wants it in `csr`: base64 of the DER, no PEM armour.
    public let csrBase64: String
    /// The private key as PKCS#8 PEM (`PRIVATE KEY`). Secret.
    public let privateKeyPEM: String

    /// Generates a key and signs a request for `registrationID` with ECDSA-SHA256.
    public static func generate(registrationID: String) throws(DeviceError) -> CertificateSigningRequestMaterial {
        let key = P256.Signing.PrivateKey()
        do {
            let subject = try DistinguishedName { CommonName(registrationID) }
            let request = try CertificateSigningRequest(version: .v1, subject: subject, privateKey: Certificate.PrivateKey(key),
                                                        attributes: CertificateSigningRequest.Attributes(),
                                                        signatureAlgorithm: .ecdsaWithSHA256)
            var serializer = DER.Serializer()
            try serializer.serialize(request)
            return CertificateSigningRequestMaterial(csrBase64: Data(serializer.serializedBytes).base64EncodedString(),
                                                     privateKeyPEM: key.pemRepresentation)
        } catch {
            throw DeviceError(.csrFailed, "cannot build the certificate signing request for '\(registrationID)': \(error)")
        }
    }

    /// The issued chain (base64 DER, leaf first, as `issuedCertificateChain` lists it) as one PEM
    /// file, leaf first. Elements that are not base64 are refused.
    public static func chainPEM(_ issued: [String]) throws(DeviceError) -> String {
        var text = ""
        for (index, element) in issued.enumerated() {
            guard let der = Data(base64Encoded: element), !der.isEmpty else {
                throw DeviceError(.csrFailed, "issuedCertificateChain[\(index)] is not base64")
            }
            text += PEMText.encode(Array(der), label: "CERTIFICATE")
        }
        return text
    }

    /// Writes the issued chain and the key as `<prefix>-cert.pem` and `<prefix>-key.pem` (the key 0600).
    public func save(issuedChain: [String], prefix: String) throws(DeviceError) -> (certificateFile: String, keyFile: String) {
        let chain = try Self.chainPEM(issuedChain)
        let certificateFile = prefix + "-cert.pem"
        let keyFile = prefix + "-key.pem"
        let manager = FileManager.default
        try? manager.removeItem(atPath: keyFile)
        guard manager.createFile(atPath: keyFile, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw DeviceError(.fileNotWritable, "cannot create \(keyFile)")
        }
        do {
            try Data(privateKeyPEM.utf8).write(to: URL(fileURLWithPath: keyFile))
            try Data(chain.utf8).write(to: URL(fileURLWithPath: certificateFile))
        } catch {
            throw DeviceError(.fileNotWritable, "cannot write \(certificateFile) / \(keyFile): \(error.localizedDescription)")
        }
        return (certificateFile, keyFile)
    }
}
