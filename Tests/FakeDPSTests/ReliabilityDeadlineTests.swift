import DPSCore
@testable import FakeDPS
import Foundation
import MQTTWire
import NIOCore
import Testing

/// Every phase of a connection has a deadline: a client that stalls is closed, and the close is
/// recorded with its phase (issue 10, finding 2). Before the deadlines these connections stayed
/// open for ever. Deadlines are 0.5 s; each wait allows far more, and nothing asserts speed.
@Suite("Reliability: connection deadlines", .timeLimit(.minutes(1)))
struct ReliabilityDeadlineTests {
    /// Every deadline 20 s except `phase`'s, 0.5 s: on a loaded machine an earlier phase must not
    /// run out before the test reaches the phase it is about.
    private func only(_ phase: WritableKeyPath<ConnectionLimits, Duration>) -> ConnectionLimits {
        var limits = Reliability.shortLimits(20)
        limits[keyPath: phase] = .milliseconds(500)
        return limits
    }

    @Test("a TCP connection that never sends a ClientHello is closed after the handshake deadline")
    func idleTCP() async throws {
        let transcript = Transcript()
        let server = try await Reliability.server(only(\.tlsHandshake), transcript: transcript)
        let client = try await RawClient.connect(port: server.mqttPort, tls: false)
        let httpsClient = try await RawClient.connect(port: server.httpsPort ?? 0, tls: false)
        #expect(await client.closed(within: .seconds(10)))
        #expect(await httpsClient.closed(within: .seconds(10)))
        #expect(await Reliability.eventually { Reliability.deadlinePhases(transcript).filter { $0 == "TLS handshake" }.count == 2 })
        #expect(await Reliability.eventually { server.openConnectionCount == 0 })
        await server.stop()
    }

    @Test("a TLS connection that never sends CONNECT is closed after the CONNECT deadline")
    func tlsWithoutConnect() async throws {
        let transcript = Transcript()
        let server = try await Reliability.server(only(\.connect), transcript: transcript)
        let client = try await RawClient.connectedTLS(port: server.mqttPort)
        #expect(await client.closed(within: .seconds(10)))
        #expect(await Reliability.eventually { Reliability.deadlinePhases(transcript) == ["CONNECT"] })
        await server.stop()
    }

    @Test("a CONNECT trickled one byte at a time is closed at the CONNECT deadline, never answered")
    func trickledConnect() async throws {
        let transcript = Transcript()
        let server = try await Reliability.server(only(\.connect), transcript: transcript)
        let client = try await RawClient.connectedTLS(port: server.mqttPort)
        let connect = try MQTTPacket.connect(MQTTConnect(clientIdentifier: "dev-1", cleanSession: true, keepAliveSeconds: 60,
                                                         userName: MQTTUsername(idScope: ServiceFixture.scope, registrationID: "dev-1").text,
                                                         password: Array(try ServiceFixture.token(clock: VirtualClock()).utf8))).encode()
        // 100 ms a byte: the whole CONNECT would take tens of seconds.
        async let trickled: Void = client.trickle(connect, interval: .milliseconds(100))
        #expect(await client.closed(within: .seconds(10)))
        await trickled
        #expect(client.sink.packets().isEmpty)
        #expect(await Reliability.eventually { Reliability.deadlinePhases(transcript) == ["CONNECT"] })
        await server.stop()
    }

    @Test("an MQTT connection with keepalive 0 that goes silent is closed after the idle deadline")
    func mqttIdleWithoutKeepAlive() async throws {
        let transcript = Transcript()
        let server = try await Reliability.server(only(\.mqttIdle), transcript: transcript)
        let client = try await RawClient.connectedTLS(port: server.mqttPort)
        try await client.send(.connect(MQTTConnect(clientIdentifier: "dev-1", cleanSession: true, keepAliveSeconds: 0,
                                                   userName: MQTTUsername(idScope: ServiceFixture.scope, registrationID: "dev-1").text,
                                                   password: Array(try ServiceFixture.token(clock: VirtualClock()).utf8))))
        #expect(await Reliability.eventually { !client.sink.packets().isEmpty })
        #expect(await client.closed(within: .seconds(10)))
        #expect(await Reliability.eventually { Reliability.deadlinePhases(transcript) == ["MQTT idle"] })
        await server.stop()
    }

    @Test("an HTTP request head trickled a header at a time (slowloris) is closed at the head deadline")
    func slowlorisHead() async throws {
        let transcript = Transcript()
        let server = try await Reliability.server(only(\.requestHead), transcript: transcript)
        let client = try await RawClient.connectedTLS(port: server.httpsPort ?? 0)
        try? await client.write("PUT /\(ServiceFixture.scope)/registrations/dev-1/register?api-version=2021-06-01 HTTP/1.1\r\nHost: localhost\r\n")
        let headers = Array((0..<400).map { "X-Slow-\($0): a\r\n" }.joined().utf8)
        async let trickled: Void = client.trickle(headers, interval: .milliseconds(50))
        #expect(await client.closed(within: .seconds(10)))
        await trickled
        #expect(client.sink.bytes.isEmpty)
        #expect(await Reliability.eventually { Reliability.deadlinePhases(transcript) == ["HTTP request head"] })
        await server.stop()
    }

    @Test("a TLS connection that never sends a request is closed at the head deadline")
    func httpsWithoutRequest() async throws {
        let transcript = Transcript()
        let server = try await Reliability.server(only(\.requestHead), transcript: transcript)
        let client = try await RawClient.connectedTLS(port: server.httpsPort ?? 0)
        #expect(await client.closed(within: .seconds(10)))
        #expect(await Reliability.eventually { Reliability.deadlinePhases(transcript) == ["HTTP request head"] })
        await server.stop()
    }

    @Test("a chunked request body left open is closed at the body deadline")
    func openChunkedBody() async throws {
        let transcript = Transcript()
        let server = try await Reliability.server(only(\.requestBody), transcript: transcript)
        let client = try await RawClient.connectedTLS(port: server.httpsPort ?? 0)
        try await client.write("PUT /\(ServiceFixture.scope)/registrations/dev-1/register?api-version=2021-06-01 HTTP/1.1\r\n"
                               + "Host: localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n5\r\n{\"reg\r\n")
        #expect(await client.closed(within: .seconds(10)))
        #expect(await Reliability.eventually { Reliability.deadlinePhases(transcript) == ["HTTP request body"] })
        await server.stop()
    }

    @Test("a keep-alive connection idle after its response is closed at the idle deadline")
    func keepAliveIdle() async throws {
        let transcript = Transcript()
        let server = try await Reliability.server(only(\.httpIdle), transcript: transcript)
        let client = try await RawClient.connectedTLS(port: server.httpsPort ?? 0)
        let body = DeviceRegistration.wireText(registrationId: "dev-1")
        let token = try ServiceFixture.token(clock: server.service.clock)
        try await client.write("PUT /\(ServiceFixture.scope)/registrations/dev-1/register?api-version=2021-06-01 HTTP/1.1\r\n"
                               + "Host: localhost\r\nAuthorization: \(token)\r\nContent-Type: application/json\r\n"
                               + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
        #expect(await Reliability.eventually { String(decoding: client.sink.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 202") })
        #expect(await client.closed(within: .seconds(10)))
        #expect(await Reliability.eventually { Reliability.deadlinePhases(transcript) == ["HTTP keep-alive idle"] })
        await server.stop()
    }

    @Test("a well-behaved device provisions over MQTT while idle connections are held open")
    func provisionsBesideIdleConnections() async throws {
        let transcript = Transcript()
        // Idle connections get 120 s, so they are all still open while the device provisions,
        // however loaded the machine (a busy CI runner took over 20 s for this test).
        var limits = Reliability.shortLimits(120)
        limits.maximumConnections = 1024
        let server = try await Reliability.server(limits, transcript: transcript)
        var idle: [RawClient] = []
        for index in 0..<100 {
            idle.append(try await RawClient.connect(port: index.isMultiple(of: 2) ? server.mqttPort : server.httpsPort ?? 0, tls: false))
        }
        let device = try await RawClient.mqttDevice(port: server.mqttPort, password: nil, clock: server.service.clock)
        try await device.subscribe()
        #expect(await Reliability.eventually { device.sink.packets().contains { if case .subAck = $0 { return true }; return false } })
        try await device.register(rid: "r1")
        let registered = try #require(await device.response(rid: "r1"))
        #expect(registered.topic.status == 202)
        let operation = try #require(try JSONText.decode(RegistrationOperationStatus.self, from: registered.body, what: "202").operationId)
        var final: (topic: ResponseTopic, body: [UInt8])?
        for attempt in 2..<7 {
            try await device.poll(rid: "r\(attempt)", operation: operation, packetID: UInt16(10 + attempt))
            let answer = try #require(await device.response(rid: "r\(attempt)"))
            if answer.topic.status == 200 {
                final = answer
                break
            }
        }
        let assigned = try #require(final)
        #expect(try JSONText.decode(RegistrationOperationStatus.self, from: assigned.body, what: "200").status == .assigned)
        #expect(idle.allSatisfy { $0.channel.isActive })
        await device.close()
        for client in idle { await client.close() }
        await server.stop()
    }
}
