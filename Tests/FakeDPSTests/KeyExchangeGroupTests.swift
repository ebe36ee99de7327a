@testable import FakeDPS
import NIOSSL
import Testing

/// The fake offers the classical key-exchange groups (ServerTLSContext.keyExchangeGroups): a client
/// that offers only the X25519 + ML-KEM-768 hybrid finds no common group; one that offers it first
/// (NIOSSL's default) still completes its handshake, with a classical group.
@Suite("TLS key-exchange groups of the fake", .serialized)
struct KeyExchangeGroupTests {
    @Test("the classical groups are offered; the ML-KEM hybrid is not")
    func groups() async throws {
        #expect(ServerTLSContext.keyExchangeGroups == [.x25519, .secp256r1, .secp384r1])
        let server = try await Reliability.server(Reliability.shortLimits(5))
        defer { Task { await server.stop() } }

        let hybridOnly = try await RawClient.connect(port: server.mqttPort, tls: true, curves: [.x25519_MLKEM768])
        #expect(await hybridOnly.closed(within: .seconds(10)))
        #expect(!hybridOnly.sink.handshaken)

        for curves in [nil, [NIOTLSCurve.x25519_MLKEM768, .x25519], [.secp256r1]] as [[NIOTLSCurve]?] {
            let client = try await RawClient.connect(port: server.mqttPort, tls: true, curves: curves)
            #expect(await Reliability.eventually(within: .seconds(10)) { client.sink.handshaken }, "\(String(describing: curves))")
            await client.close()
        }
    }
}
