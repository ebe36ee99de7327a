import DPSCore
import Device
import FakeDPS
import Foundation
import Testing

/// A wait the fake will never satisfy (an answer withheld or undeliverable, an acknowledgement it
/// never sends) ends at the fake's word on the shared virtual clock, as the device's own timeout
/// would, and not when the wall-clock cap runs out: the cap here is an hour and the device allows
/// 300 s per answer, and the time limit fails a case that waits for either. The device still closes each connection with DISCONNECT,
/// having read everything the fake sent first.
@Suite("Waits the fake settles end at its word, not at the wall-clock cap", .serialized)
struct SettledWaitTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        var rules: [FaultRule] = []
        var profile: DeviceProfile = .reference
        let transport: DeviceTransportKind
        let ends: ProvisioningOutcome.Status
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "an answer withheld, MQTT", rules: [FaultRule(on: .register, occurrences: .nth(1), action: .noResponse)],
             transport: .mqtt, ends: .assigned),
        Case(name: "an answer withheld, HTTPS", rules: [FaultRule(on: .register, occurrences: .nth(1), action: .noResponse)],
             transport: .https, ends: .assigned),
        Case(name: "a PUBACK withheld", rules: [FaultRule(on: .register, occurrences: .nth(1), action: .withholdAcknowledgement)],
             transport: .mqtt, ends: .assigned),
        Case(name: "an answer withheld, and the device gives up", rules: [FaultRule(on: .register, occurrences: .nth(1), action: .noResponse)],
             profile: .mutant(.noReconnect), transport: .mqtt, ends: .connectionFailed),
        Case(name: "an answer undeliverable (published before subscribing)", profile: .mutant(.publishesBeforeSubscribing),
             transport: .mqtt, ends: .timedOut),
        Case(name: "a QoS 2 request, which DPS never acknowledges", profile: .mutant(.publishesQoS2), transport: .mqtt, ends: .timedOut),
    ]

    @Test("the wait ends at the fake's word", .timeLimit(.minutes(1)), arguments: cases)
    func endsAtTheWord(testCase: Case) async throws {
        let fixture = try await FakeFixture.start(ioWaitCap: .seconds(3600)) { $0.faultPlan = FaultPlan(rules: testCase.rules) }
        defer { Task { await fixture.stop() } }
        // Each unanswered wait is 300 s of the device's time; were it not ended by the fake's
        // word, it would cost 300 s of real time, past the test's time limit.
        var settings = fixture.settings(deadline: .seconds(900))
        settings.responseTimeout = .seconds(300)
        let outcome = await fixture.client(settings, transport: testCase.transport, profile: testCase.profile).provision()
        #expect(outcome.status == testCase.ends, "\(outcome)")
        let events = await fixture.settledEvents()
        // The device's own timeout was accounted in virtual time, as if it had run out.
        #expect(outcome.elapsedSeconds >= 300, "\(outcome)")
        guard testCase.transport == .mqtt else { return }
        let connections = Set(events.map(\.connection))
        for connection in connections {
            let last = events.last { event in
                guard event.connection == connection, event.direction == .toService, case .mqtt = event.content else { return false }
                return true
            }
            guard case .mqtt(.disconnect)? = last?.content else {
                Issue.record("connection \(connection) did not end with DISCONNECT: \(String(describing: last?.content))")
                continue
            }
        }
    }
}
