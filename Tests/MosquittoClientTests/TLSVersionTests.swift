import Foundation
import Testing
@testable import MosquittoClient

/// `tls.version` reaches OpenSSL: against a server that speaks only TLS 1.2, "tlsv1.3" fails the
/// handshake while "tlsv1.2" (1.2 or newer) and the default get through it.
@Suite("MosquittoClient TLS version selection", .timeLimit(.minutes(1)))
struct TLSVersionTests {
    private static func configuration(port: UInt16, version: MosquittoTLSVersion?) async throws -> MosquittoConfiguration {
        let certificates = try await TestCertificates.shared()
        return MosquittoConfiguration(host: "localhost", port: port, clientID: "tls-version", username: "u",
                                      password: "p", tls: .init(caFile: certificates.rootCA, version: version))
    }

    @Test("tlsv1.3 against a TLS-1.2-only server fails with .tls")
    func tls13AgainstTLS12Server() async throws {
        let server = try await TLSOnlyServer.start(versionFlag: "-tls1_2")
        defer { server.stop() }
        let connection = try MosquittoConnection(configuration: try await Self.configuration(port: server.port, version: .tls13))
        let error = await #expect(throws: MosquittoError.self) {
            _ = try await connection.connect(timeout: .seconds(20))
        }
        #expect(error?.code == .tls)
    }

    @Test("tlsv1.2 and the default complete the handshake with a TLS-1.2-only server", arguments: [MosquittoTLSVersion.tls12, nil])
    func tls12AgainstTLS12Server(_ version: MosquittoTLSVersion?) async throws {
        let server = try await TLSOnlyServer.start(versionFlag: "-tls1_2")
        defer { server.stop() }
        let connection = try MosquittoConnection(configuration: try await Self.configuration(port: server.port, version: version))
        // The handshake succeeds; the server is no MQTT broker, so the CONNACK wait runs out.
        let error = await #expect(throws: MosquittoError.self) {
            _ = try await connection.connect(timeout: .milliseconds(700))
        }
        #expect(error?.code == .timeout)
        #expect(error?.awaited == .connack)
    }
}
