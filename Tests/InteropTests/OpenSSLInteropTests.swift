import DPSCore
import Foundation
import Testing

/// `openssl s_client` (Debian) against the TLS of `dpsconform serve`: the fake presents a server
/// certificate for `localhost` issued by the run's CA, which verifies against `ca.pem` and fails
/// against any other CA or host name. Both front ends present the same chain.
@Suite("Interoperability: openssl s_client against dpsconform serve", .serialized)
struct OpenSSLInteropTests {
    static let enrollments = """
        individual:
          - registrationId: tls-device-01
            symmetricKey: {primaryKey: "\(Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())"}
        """

    static func sClient(port: Int, caFile: String, hostName: String = "localhost") async throws -> (status: Int32, output: String) {
        try await DebianTool.run("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", caFile, "-verify_hostname", hostName,
                                             "-verify_return_error", "-showcerts"])
    }

    @Test("the chain verifies against the run CA for localhost, on the HTTPS and the MQTT port")
    func verifies() async throws {
        try await withHTTPSServe(enrollmentYAML: Self.enrollments) { _, endpoint in
            let caFile = try #require(endpoint.caFile)
            for port in [try #require(endpoint.httpsPort), try #require(endpoint.mqttPort)] {
                let result = try await Self.sClient(port: port, caFile: caFile)
                #expect(result.status == 0, "\(result.output)")
                #expect(result.output.contains("Verify return code: 0 (ok)"), "\(result.output)")
                #expect(result.output.contains("s:CN = localhost, O = dpsconform"), "server certificate subject: \(result.output)")
                #expect(result.output.contains("i:CN = dpsconform fake DPS run CA, O = dpsconform"), "issued by the run CA: \(result.output)")
                #expect(result.output.contains("-----BEGIN CERTIFICATE-----"))
                #expect(result.output.contains("Verified peername: localhost"))
            }
        }
    }

    @Test("verification fails with another CA")
    func wrongCA() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try await DebianTool.makeSelfSigned(commonName: "dpsconform fake DPS run CA", key: scratch.path("other-key.pem"),
                                            certificate: scratch.path("other-ca.pem"))
        try await withHTTPSServe(enrollmentYAML: Self.enrollments) { _, endpoint in
            let port = try #require(endpoint.httpsPort)
            let result = try await Self.sClient(port: port, caFile: scratch.path("other-ca.pem"))
            #expect(result.status != 0, "\(result.output)")
            #expect(result.output.contains("verify error:num=20") || result.output.contains("verify error:num=21")
                    || result.output.contains("verify error:num=7"),
                    "an untrusted issuer (a CA of the same name but another key): \(result.output)")
            #expect(!result.output.contains("Verify return code: 0 (ok)"))
        }
    }

    @Test("verification fails for a host name the certificate does not name")
    func wrongHostName() async throws {
        try await withHTTPSServe(enrollmentYAML: Self.enrollments) { _, endpoint in
            let result = try await Self.sClient(port: try #require(endpoint.httpsPort), caFile: try #require(endpoint.caFile),
                                                hostName: "global.azure-devices-provisioning.net")
            #expect(result.status != 0, "\(result.output)")
            #expect(result.output.contains("verify error:num=62"), "hostname mismatch: \(result.output)")
        }
    }
}
