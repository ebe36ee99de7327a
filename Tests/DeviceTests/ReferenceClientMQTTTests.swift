import DPSCore
import Device
import FakeDPS
import Foundation
import Testing
import TestSupport

@Suite("Reference client over MQTT against the fake", .serialized)
struct ReferenceClientMQTTTests {
    @Test("symmetric key: subscribe, register, poll after retry-after, assigned, disconnect")
    func assigned() async throws {
        let fixture = try await FakeFixture.start {
            $0.assigningPolls = 2
            $0.retryAfterSeconds = 30
        }
        defer { Task { await fixture.stop() } }
        let wall = ContinuousClock.now
        let outcome = await fixture.client(fixture.settings()).provision()
        #expect(outcome.status == .assigned, "\(outcome)")
        #expect(outcome.assignedHub == "hub-a.azure-devices.net")
        #expect(outcome.deviceId == "device-01-id")
        #expect(outcome.substatus == "initialAssignment")
        // register + 2 assigning polls + the assigned poll; 3 × retry-after 30 s on the virtual clock.
        #expect(outcome.requests == 4)
        #expect(outcome.elapsedSeconds >= 90)
        #expect(ContinuousClock.now - wall < .seconds(60), "virtual time must not cost wall time (a real clock needs 90 s)")

        try await Task.sleep(for: .milliseconds(200))
        let kinds = fixture.server.transcript.snapshot.filter { $0.direction == .toService }.compactMap(\.mqttPacket?.kind)
        #expect(Array(kinds.prefix(3)) == [.connect, .subscribe, .publish])
        #expect(kinds.last == .disconnect)
        let publishes = fixture.server.transcript.snapshot.filter { $0.direction == .toService && $0.mqttPacket?.kind == .publish }
        let rids = publishes.compactMap { $0.exchange?.requestID }
        #expect(Set(rids).count == rids.count, "every request has a fresh $rid")
        let times = publishes.map(\.time)
        for (earlier, later) in zip(times, times.dropFirst()) {
            #expect(later.timeIntervalSince(earlier) >= 30, "polls honour retry-after 30")
        }
    }

    @Test("a wrong key ends in a clean rejection with 401002")
    func wrongKey() async throws {
        let fixture = try await FakeFixture.start()
        defer { Task { await fixture.stop() } }
        let outcome = await fixture.client(fixture.settings(key: "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXkhIQ==")).provision()
        #expect(outcome.status == .rejected)
        #expect(outcome.errorCode == DPSErrorCode.unauthorized)
        #expect(outcome.requests == 1)
    }

    @Test("an unknown device is rejected with 404201")
    func unknownDevice() async throws {
        let fixture = try await FakeFixture.start()
        defer { Task { await fixture.stop() } }
        let outcome = await fixture.client(fixture.settings(registrationID: "nobody")).provision()
        #expect(outcome.status == .rejected)
        #expect(outcome.errorCode == DPSErrorCode.enrollmentNotFound)
    }

    @Test("CONNACK refusal mode gives a connection failure carrying return code 5")
    func connackRefusal() async throws {
        let fixture = try await FakeFixture.start { $0.mqttAuthFailure = .connackNotAuthorized }
        defer { Task { await fixture.stop() } }
        let outcome = await fixture.client(fixture.settings(key: "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXkhIQ==")).provision()
        #expect(outcome.status == .connectionFailed)
        #expect(outcome.errorCode == 5)
    }

    @Test("an operation that never finishes ends at the overall deadline, in virtual time")
    func deadline() async throws {
        let fixture = try await FakeFixture.start { $0.assigningPolls = 1_000 }
        defer { Task { await fixture.stop() } }
        let wall = ContinuousClock.now
        let outcome = await fixture.client(fixture.settings(deadline: .seconds(300))).provision()
        #expect(outcome.status == .timedOut)
        #expect(outcome.elapsedSeconds <= 300)
        // register, then a poll every 3 s until the next wait would pass 300 s.
        #expect(outcome.requests >= 95 && outcome.requests <= 101)
        #expect(ContinuousClock.now - wall < .seconds(120), "a real clock would need about 300 s")
    }

    @Test("nothing listening: a connection failure, fast")
    func nothingListening() async throws {
        let fixture = try await FakeFixture.start()
        // A port held closed, not the stopped fake's: a test running alongside may take that one.
        let refusing = try LoopbackPort.Refusing()
        var settingsWithDeadPort = fixture.settings()
        settingsWithDeadPort.endpoint.mqttPort = refusing.port
        await fixture.stop()
        let outcome = await fixture.client(settingsWithDeadPort).provision()
        withExtendedLifetime(refusing) {}
        #expect(outcome.status == .connectionFailed)
    }
}
