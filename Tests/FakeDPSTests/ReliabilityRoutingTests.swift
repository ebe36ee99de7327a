import DPSCore
@testable import FakeDPS
import Foundation
import MQTTWire
import NIOCore
import Testing

/// Responses are routed by connection and attestation (issue 10, finding 5): an answer goes to
/// the connection that asked, or to another connection that attested as the same device and
/// subscribed (the `mosquitto_sub` + `mosquitto_pub` pattern), never to a connection whose
/// credentials were refused, and never carries a request of such a connection to anyone else.
@Suite("Reliability: response routing", .timeLimit(.minutes(1)))
struct ReliabilityRoutingTests {
    static let otherKey = "b3RoZXIta2V5LW9mLTMyLWJ5dGVzLWZvci10ZXN0cyE="

    private func undeliveredCount(_ transcript: Transcript) -> Int {
        transcript.snapshot.filter { if case .note(.undelivered) = $0.content { return true }; return false }.count
    }

    private func subscribed(_ client: RawClient) async -> Bool {
        await Reliability.eventually { client.sink.packets().contains { if case .subAck = $0 { return true }; return false } }
    }

    @Test("a connection with a bad password that subscribes as the device receives none of the device's answers")
    func badPasswordSubscriberGetsNothing() async throws {
        let transcript = Transcript()
        let server = try await Reliability.server(Reliability.shortLimits(30), transcript: transcript)
        let clock = server.service.clock
        // Accepted at CONNACK (respond401, the default), but its credentials were refused.
        let attacker = try await RawClient.mqttDevice(port: server.mqttPort, password: try ServiceFixture.token(key: Self.otherKey, clock: clock), clock: clock)
        try await attacker.subscribe()
        #expect(await subscribed(attacker))

        // The device's own publishing connection, not subscribed (like mosquitto_pub).
        let publisher = try await RawClient.mqttDevice(port: server.mqttPort, password: nil, clock: clock)
        #expect(await Reliability.eventually { !publisher.sink.packets().isEmpty })
        try await publisher.register(rid: "p1")
        // With no attested subscriber the answer is not delivered anywhere.
        #expect(await Reliability.eventually { undeliveredCount(transcript) == 1 })

        // Once the device's own subscriber connection is there, answers go to it (interop kept).
        let subscriber = try await RawClient.mqttDevice(port: server.mqttPort, password: nil, clock: clock)
        try await subscriber.subscribe()
        #expect(await subscribed(subscriber))
        try await publisher.register(rid: "p2", packetID: 12)
        let routed = try #require(await subscriber.response(rid: "p2"))
        #expect(routed.topic.status == 202)
        let operation = try #require(try JSONText.decode(RegistrationOperationStatus.self, from: routed.body, what: "202").operationId)
        for attempt in 3..<6 {
            try await publisher.poll(rid: "p\(attempt)", operation: operation, packetID: UInt16(20 + attempt))
            _ = try #require(await subscriber.response(rid: "p\(attempt)"))
        }
        let subscriberStates = subscriber.sink.publishes().compactMap { try? JSONText.decode(RegistrationOperationStatus.self, from: $0.payload, what: "r").status }
        #expect(subscriberStates.contains(.assigned))

        // The attacker, subscribed as the device all along, received nothing of the device's.
        #expect(attacker.sink.publishes().isEmpty)

        // Its own request is answered to it alone: a 401, and nothing on the device's subscriber.
        try await attacker.register(rid: "a1", packetID: 30)
        let own = try #require(await attacker.response(rid: "a1"))
        #expect(own.topic.status == 401)
        #expect(attacker.sink.publishes().count == 1)
        #expect(await subscriber.response(rid: "a1", within: .milliseconds(300)) == nil)

        for client in [attacker, publisher, subscriber] { await client.close() }
        await server.stop()
    }

    @Test("an unauthenticated connection's 401, under a $rid it chose, is not delivered to the device's subscribed connection")
    func unauthenticatedAnswerStaysHome() async throws {
        let transcript = Transcript()
        let server = try await Reliability.server(Reliability.shortLimits(30), transcript: transcript)
        let clock = server.service.clock
        let device = try await RawClient.mqttDevice(port: server.mqttPort, password: nil, clock: clock)
        try await device.subscribe()
        #expect(await subscribed(device))

        let intruder = try await RawClient.mqttDevice(port: server.mqttPort, password: "not a token", clock: clock)
        #expect(await Reliability.eventually { !intruder.sink.packets().isEmpty })
        try await intruder.register(rid: "chosen-by-intruder")
        // The fake decided: not delivered (the intruder did not subscribe, and nobody else may have it).
        #expect(await Reliability.eventually { undeliveredCount(transcript) == 1 })
        #expect(device.sink.publishes().isEmpty)
        #expect(transcript.snapshot.contains { $0.note == .routed(status: 401, toConnection: nil) } == false)

        for client in [device, intruder] { await client.close() }
        await server.stop()
    }

    @Test("the routing key is ID scope and registration ID: a device of another scope is not a subscriber of this one")
    func routingKeyIncludesScope() {
        let here = DeviceIdentity(idScope: "0ne000AAAAA", registrationID: "Dev-1", apiVersion: "2021-06-01")
        let sameDevice = DeviceIdentity(idScope: "0NE000aaaaa", registrationID: "dev-1", apiVersion: "2025-07-01-preview")
        let otherScope = DeviceIdentity(idScope: "0ne000BBBBB", registrationID: "dev-1", apiVersion: "2021-06-01")
        #expect(here.routingKey == sameDevice.routingKey)
        #expect(here.routingKey != otherScope.routingKey)
    }
}
