import DPSCore
@testable import FakeDPS
import Foundation
import MQTTWire
import NIOCore
import Testing

/// The connection limit and the per-connection buffer limit (issue 10, finding 2): a flood is
/// refused at once and recorded, never left to hang or to exhaust file descriptors.
@Suite("Reliability: connection and buffer limits", .timeLimit(.minutes(1)))
struct ReliabilityLimitTests {
    @Test("a connection over the limit is accepted and closed at once, recorded as overloaded; a freed slot is reused")
    func connectionLimit() async throws {
        let transcript = Transcript()
        // Idle connections would be held 30 s: a refusal that closes sooner is the limit's doing.
        let server = try await Reliability.server(Reliability.shortLimits(30, maximumConnections: 3), transcript: transcript)
        var held: [RawClient] = []
        for index in 0..<3 {
            held.append(try await RawClient.connect(port: index == 0 ? server.httpsPort ?? 0 : server.mqttPort, tls: false))
        }
        #expect(await Reliability.eventually { server.openConnectionCount == 3 })
        let refused = try await RawClient.connect(port: server.mqttPort, tls: false)
        #expect(await refused.closed(within: .seconds(10)))
        #expect(held.allSatisfy { $0.channel.isActive })
        let overloaded = Reliability.closeCauses(transcript).filter { $0.cause == .overloaded(limit: 3) }
        #expect(overloaded.count == 1)
        #expect(transcript.snapshot.first { $0.note == .closed(.overloaded(limit: 3)) }?.transport == .tcp)

        // Over HTTPS too: the limit counts both front ends together.
        let refusedHTTPS = try await RawClient.connect(port: server.httpsPort ?? 0, tls: false)
        #expect(await refusedHTTPS.closed(within: .seconds(10)))

        await held[1].close()
        #expect(await Reliability.eventually { server.openConnectionCount == 2 })
        let admitted = try await RawClient.connectedTLS(port: server.mqttPort)
        #expect(admitted.channel.isActive)
        #expect(Reliability.closeCauses(transcript).filter { $0.cause == .overloaded(limit: 3) }.count == 2)
        await admitted.close()
        for client in held { await client.close() }
        await server.stop()
    }

    @Test("an MQTT packet announcing more than the message limit is refused at its header, before its body is buffered")
    func oversizedPacketRefusedAtHeader() async throws {
        let transcript = Transcript()
        let server = try await Reliability.server(Reliability.shortLimits(30), transcript: transcript)
        let device = try await RawClient.mqttDevice(port: server.mqttPort, password: nil, clock: server.service.clock)
        #expect(await Reliability.eventually { !device.sink.packets().isEmpty })
        // A PUBLISH fixed header announcing 10 MB, then only a little of it.
        var remaining = 10_000_000
        var header: [UInt8] = [0x32]
        repeat {
            var byte = UInt8(remaining % 128)
            remaining /= 128
            if remaining > 0 { byte |= 0x80 }
            header.append(byte)
        } while remaining > 0
        try await device.write(header + Array(repeating: 0x41, count: 1024))
        #expect(await device.closed(within: .seconds(10)))
        #expect(await Reliability.eventually {
            transcript.snapshot.contains { if case .note(.malformed) = $0.content { return true }; return false }
        })
        await server.stop()
    }

    @Test("an HTTP body over the message limit is answered 413 and the connection closed")
    func oversizedBody() async throws {
        let server = try await Reliability.server(Reliability.shortLimits(30))
        let client = try await RawClient.connectedTLS(port: server.httpsPort ?? 0)
        try await client.write("PUT /\(ServiceFixture.scope)/registrations/dev-1/register?api-version=2021-06-01 HTTP/1.1\r\n"
                               + "Host: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = Array("8000\r\n".utf8) + Array(repeating: UInt8(0x20), count: 0x8000) + Array("\r\n".utf8)
        for _ in 0..<4 where client.channel.isActive { try? await client.write(chunk) }
        #expect(await client.closed(within: .seconds(10)))
        #expect(String(decoding: client.sink.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 413"))
        await server.stop()
    }
}
