import Crypto
import DPSCore
@testable import FakeDPS
import Foundation
import SwiftASN1
import Testing
import X509

@Suite("Certificate issuance (csr, api-version 2025-07-01-preview)")
struct CertificateIssuanceTests {
    static func csr(commonName: String) throws -> (String, P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let request = try CertificateSigningRequest(version: .v1, subject: try DistinguishedName { CommonName(commonName) },
                                                    privateKey: .init(key), attributes: .init(), signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return (Data(serializer.serializedBytes).base64EncodedString(), key)
    }

    func exchange(csr: String, apiVersion: String = APIVersion.certificateIssuancePreview) throws -> (ServiceResponse, ServiceResponse?) {
        let clock = VirtualClock()
        let service = ProvisioningService(configuration: ServiceFixture.configuration { $0.assigningPolls = 0 }, clock: clock)
        let identity = DeviceIdentity(idScope: ServiceFixture.scope, registrationID: "dev-1", apiVersion: apiVersion)
        let attestation = service.attest(identity, credentials: DeviceCredentials(sasToken: try ServiceFixture.token(clock: clock)))
        let body = DeviceRegistration.wireText(registrationId: "dev-1", csr: csr)
        let accepted = service.handle(DeviceRequest(kind: .register, identity: identity, body: Array(body.utf8)), attestation: attestation)
        guard accepted.status == 202 else { return (accepted, nil) }
        let operation = try JSONText.decode(RegistrationOperationStatus.self, from: accepted.body, what: "202").operationId
        return (accepted, service.handle(DeviceRequest(kind: .poll, identity: identity, operationID: operation), attestation: attestation))
    }

    @Test("the assigned state carries the issued chain, leaf first, for the CSR's key and CN, each link signed by the next")
    func issued() throws {
        let (csr, key) = try Self.csr(commonName: "dev-1")
        let (_, done) = try exchange(csr: csr)
        let result = try JSONText.decode(RegistrationOperationStatus.self, from: try #require(done).body, what: "200")
        let chain = try #require(result.registrationState?.issuedCertificateChain)
        #expect(chain.count == 3)
        let certificates = try chain.map { try Certificate(derEncoded: Array(try #require(Data(base64Encoded: $0)))) }
        #expect(certificates[0].publicKey == Certificate.PublicKey(key.publicKey))
        #expect(certificates[0].subject.description.contains("CN=dev-1"))
        #expect(certificates[1].publicKey.isValidSignature(certificates[0].signature, for: certificates[0]))
        #expect(certificates[2].publicKey.isValidSignature(certificates[1].signature, for: certificates[1]))
        #expect(certificates[2].publicKey.isValidSignature(certificates[2].signature, for: certificates[2]))
    }

    @Test("a CSR whose CN is not the registration ID is refused with 400")
    func wrongCommonName() throws {
        let (csr, _) = try Self.csr(commonName: "someone-else")
        let (refused, _) = try exchange(csr: csr)
        #expect(refused.status == 400)
    }

    @Test("a csr with an api-version before 2025-07-01-preview, or not base64 DER, is refused with 400")
    func refusals() throws {
        let (csr, _) = try Self.csr(commonName: "dev-1")
        #expect(try exchange(csr: csr, apiVersion: APIVersion.deviceDefault).0.status == 400)
        #expect(try exchange(csr: "-----BEGIN CERTIFICATE REQUEST-----").0.status == 400)
        #expect(try exchange(csr: Data("not a csr".utf8).base64EncodedString()).0.status == 400)
    }
}
