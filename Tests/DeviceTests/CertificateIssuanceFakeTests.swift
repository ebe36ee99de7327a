import DPSCore
import Device
import FakeDPS
import Foundation
import Testing
import X509

@Suite("Certificate issuance against the fake, both transports", .serialized)
struct CertificateIssuanceFakeTests {
    @Test("the reference client sends a CSR and receives a chain whose leaf holds its key", arguments: [DeviceTransportKind.mqtt, .https])
    func csr(transport: DeviceTransportKind) async throws {
        let fixture = try await FakeFixture.start()
        defer { Task { await fixture.stop() } }
        let material = try CertificateSigningRequestMaterial.generate(registrationID: "device-01")
        var settings = fixture.settings()
        settings.apiVersion = APIVersion.certificateIssuancePreview
        settings.csr = material.csrBase64
        let outcome = await fixture.client(settings, transport: transport).provision()
        #expect(outcome.status == .assigned, "\(outcome)")
        let chain = try #require(outcome.issuedCertificateChain)
        #expect(chain.count == 3)
        let leaf = try Certificate(derEncoded: Array(try #require(Data(base64Encoded: chain[0]))))
        let key = try Certificate.PrivateKey(pemEncoded: material.privateKeyPEM)
        #expect(leaf.publicKey == key.publicKey)
        let pem = try CertificateSigningRequestMaterial.chainPEM(chain)
        #expect(pem.components(separatedBy: "-----BEGIN CERTIFICATE-----").count == 4)
    }
}
