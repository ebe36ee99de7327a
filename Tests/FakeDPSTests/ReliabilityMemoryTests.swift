import DPSCore
@testable import FakeDPS
import Foundation
import MQTTWire
import NIOCore
import NIOEmbedded
import Testing

/// What a long-running fake keeps is bounded (issue 10, finding 4): the transcript window, the
/// bytes per event (large payloads as digest and length), operations and rate-limit counters.
/// Measured as counts and byte totals against the bound, never as time.
@Suite("Reliability: bounded memory")
struct ReliabilityMemoryTests {
    /// An MQTT session on an EmbeddedChannel writing into `transcript`.
    private func session(transcript: Transcript, service: ProvisioningService) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let info = ConnectionInfo(id: "mqtt#memory")
        let recorder = WireRecorder(transcript: transcript, clock: service.clock, connection: info.id, logger: ServiceFixture.quietLogger)
        try channel.pipeline.syncOperations.addHandler(MQTTFramingHandler(maximumPacketSize: MQTTLimits.maximumPacketSize))
        try channel.pipeline.syncOperations.addHandler(MQTTSessionHandler(service: service, recorder: recorder, connection: info))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8883)).wait()
        return channel
    }

    private func send(_ packet: MQTTPacket, on channel: EmbeddedChannel) throws {
        try channel.writeInbound(channel.allocator.buffer(bytes: try packet.encode()))
        while try channel.readOutbound(as: ByteBuffer.self) != nil {}
    }

    @Test("a bounded transcript keeps at most its window of events and bytes over 120 messages of 90 KB")
    func boundedTranscript() throws {
        let events = 64
        let rawBytes = 2048
        let transcript = Transcript(retention: .bounded(events: events, rawBytes: rawBytes))
        let clock = VirtualClock()
        let service = ProvisioningService(configuration: ServiceFixture.configuration(), clock: clock)
        let channel = try session(transcript: transcript, service: service)
        try send(.connect(MQTTConnect(clientIdentifier: "dev-1", cleanSession: true, keepAliveSeconds: 60,
                                      userName: MQTTUsername(idScope: ServiceFixture.scope, registrationID: "dev-1").text,
                                      password: Array(try ServiceFixture.token(clock: clock).utf8))), on: channel)
        try send(.subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: DPSTopic.responseFilter, requestedQoS: .atLeastOnce)])), on: channel)
        // 90 KB register bodies: a JSON DeviceRegistration with a large custom payload.
        let filler = String(repeating: "x", count: 90 * 1024)
        let body = Array(DeviceRegistration.wireText(registrationId: "dev-1", customPayloadJSON: "{\"filler\":\"\(filler)\"}").utf8)
        let messages = 120
        for index in 0..<messages {
            try send(.publish(MQTTPublish(topicName: DPSTopic.register(requestID: "r\(index)"), payload: body, qos: .atLeastOnce,
                                          packetIdentifier: UInt16(index % 60_000 + 1))), on: channel)
        }
        let kept = transcript.snapshot
        #expect(transcript.appendedCount >= messages * 3)  // PUBLISH, PUBACK and the response each
        #expect(kept.count <= events)
        let keptBytes = kept.reduce(0) { $0 + $1.raw.count + ($1.payloadText?.utf8.count ?? 0) }
        #expect(keptBytes <= events * rawBytes * 2)
        // Whatever was sent, no single kept event holds more than the bound of raw bytes or text.
        #expect(kept.allSatisfy { $0.raw.count <= rawBytes && ($0.payloadText?.utf8.count ?? 0) <= rawBytes })
        // The large requests are kept as size and digest.
        let large = kept.compactMap { event -> MQTTPublishRecord? in
            if case .mqtt(.publish(let publish)) = event.content, publish.payloadSize == body.count { return publish }
            return nil
        }
        #expect(!large.isEmpty)
        #expect(large.allSatisfy { $0.payload?.text == "" && $0.payload?.truncated == true && $0.payload?.sha256?.count == 64 })
        #expect(Set(large.compactMap(\.payload?.sha256)).count == 1)
    }

    @Test("a complete transcript (run) still keeps up to 16 KiB of text and the raw bytes, with no digest")
    func completeTranscriptUnchanged() {
        let payload = Array(repeating: UInt8(ascii: "y"), count: 90 * 1024)
        let record = MQTTPublishRecord(topic: "t", qos: 1, duplicate: false, retain: false, packetID: 1, payload: payload,
                                       textLimit: Transcript().payloadTextLimit)
        #expect(record.payload?.text.utf8.count == PayloadText.limit)
        #expect(record.payload?.sha256 == nil)
    }

    @Test("operations older than the retention and idle rate-limit counters are pruned")
    func operationsPruned() throws {
        let clock = VirtualClock()
        let service = ProvisioningService(configuration: ServiceFixture.configuration {
            $0.operationRetention = .seconds(60)
            $0.registerLimit = RateLimit(count: 100, window: .seconds(10))
        }, clock: clock)
        let token = try ServiceFixture.token(clock: clock, lifetime: 365 * 24 * 3600)
        let attestation = service.attest(ServiceFixture.identity(), credentials: DeviceCredentials(sasToken: token))
        #expect(attestation.isVerified)
        let requests = 2_000
        for _ in 0..<requests {
            let response = service.handle(DeviceRequest(kind: .register, identity: ServiceFixture.identity(),
                                                         body: Array(DeviceRegistration.wireText(registrationId: "dev-1").utf8)),
                                          attestation: attestation)
            #expect(response.status == 202)
            clock.advance(by: .seconds(10))
        }
        // 20,000 s of registers, 10 s apart, with a 60 s retention: a handful are kept, not 2,000.
        let retained = service.retainedState
        #expect(retained.operations <= 8)
        #expect(retained.operations >= 1)
        #expect(retained.rateLimitKeys <= 2)
    }
}
