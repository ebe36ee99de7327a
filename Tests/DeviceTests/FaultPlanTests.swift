import DPSCore
import Device
import FakeDPS
import Foundation
import Testing

/// The reference client driven through the fake's fault plans on both transports: each time it
/// ends correctly, within its deadline, and its transcript keeps every rule.
@Suite("Reference client through fault plans of the fake", .serialized)
struct FaultPlanTests {
    struct Fault: Sendable, CustomTestStringConvertible {
        let name: String
        let rules: [FaultRule]
        /// Transports whose front end carries out the fault.
        var transports: [DeviceTransportKind] = [.mqtt, .https]
        /// What the transcript must show besides a clean assignment.
        let shows: @Sendable (TranscriptFacts) -> Bool

        var testDescription: String { name }
    }

    static let faults: [Fault] = [
        Fault(name: "429 on register", rules: [FaultRule(on: .register, occurrences: .nth(1),
                                                        action: .respond(status: 429, retryAfter: "5", errorCode: nil, body: nil))],
              shows: { facts in facts.requests.filter { $0.kind == .register }.count == 2 }),
        Fault(name: "503 mid-polling", rules: [FaultRule(on: .poll, occurrences: .nth(1),
                                                        action: .respond(status: 503, retryAfter: nil, errorCode: nil, body: nil))],
              shows: { facts in facts.answers.contains { $0.status == 503 } && facts.requests.filter { $0.kind == .register }.count == 1 }),
        Fault(name: "missing operation ID in an error body",
              rules: [FaultRule(on: .poll, occurrences: .nth(1),
                                action: .respond(status: 500, retryAfter: "2", errorCode: 500001,
                                                 body: #"{"errorCode":500001,"trackingId":"t","message":"Internal error."}"#))],
              shows: { facts in
                  let polls = facts.requests.filter { $0.kind == .poll }
                  return polls.count >= 2 && Set(polls.compactMap(\.operationID)).count == 1
              }),
        Fault(name: "non-integer retry-after", rules: [FaultRule(on: .register, occurrences: .nth(1),
                                                                action: .modify(ResponseModification(retryAfter: "1.5")))],
              shows: { facts in
                  guard facts.requests.count >= 2 else { return false }
                  return facts.requests[1].time.timeIntervalSince(facts.requests[0].time) >= 2
              }),
        Fault(name: "dropped connection", rules: [FaultRule(on: .poll, occurrences: .nth(1), action: .dropConnection(afterAcknowledging: true))],
              transports: [.mqtt],
              shows: { facts in Set(facts.requests.map(\.connection)).count == 2 }),
        Fault(name: "no response", rules: [FaultRule(on: .register, occurrences: .nth(1), action: .noResponse)],
              shows: { facts in facts.requests.filter { $0.kind == .register }.count == 2 }),
        Fault(name: "an earlier answer again, out of order, before the poll's",
              rules: [FaultRule(on: .poll, occurrences: .nth(1), action: .modify(ResponseModification(previousAnswerFirst: true)))],
              transports: [.mqtt],
              shows: { facts in facts.answers.count > facts.requests.count }),
        Fault(name: "packets of unexpected types before the answers",
              rules: [FaultRule(on: .register, occurrences: .nth(1), action: .modify(ResponseModification(packetBefore: .pingresp))),
                      FaultRule(on: .poll, occurrences: .nth(1), action: .modify(ResponseModification(packetBefore: .suback)))],
              transports: [.mqtt],
              shows: { facts in
                  let sent = facts.events.filter { $0.direction == .toDevice }.compactMap { event -> MQTTPacketRecord? in
                      if case .mqtt(let record) = event.content { record } else { nil }
                  }
                  return sent.contains(.pingResp) && sent.filter { if case .subAck = $0 { true } else { false } }.count == 2
              }),
    ]

    static let arguments: [(Fault, DeviceTransportKind)] = faults.flatMap { fault in fault.transports.map { (fault, $0) } }

    @Test("the reference client gets assigned through the fault, within its deadline, keeping every rule", arguments: arguments)
    func throughFault(fault: Fault, transport: DeviceTransportKind) async throws {
        let fixture = try await FakeFixture.start(ioWaitCap: .seconds(2)) { $0.faultPlan = FaultPlan(rules: fault.rules) }
        defer { Task { await fixture.stop() } }
        let outcome = await fixture.client(fixture.settings(deadline: .seconds(90)), transport: transport).provision()
        #expect(outcome.status == .assigned, "\(outcome)")
        #expect(outcome.elapsedSeconds <= 90)
        let facts = TranscriptFacts(await fixture.settledEvents())
        #expect(fault.shows(facts), "the fault did not happen as planned")
        #expect(facts.requestsBeforeRetryAfter.isEmpty)
        #expect(!facts.reusesRequestID)
        #expect(!facts.retriesPermanentError)
        #expect(!facts.leavesAssigning())
        if transport == .mqtt {
            #expect(!facts.publishesBeforeSubscribing)
        }
    }
}
