import DPSCore
import Foundation
import NIOSSL

/// `dpsconform fuzz mqtt`: malformed DPS MQTT sessions against the fake. Oracle: each is refused
/// (the connection closed by the service, or a CONNACK refusal) within the deadline, with the
/// reason recorded in the service's transcript; a well-behaved device provisions in parallel the
/// whole time; no connection stays open after the run.
public struct MQTTPacketFuzzer: Sendable {
    public let settings: FuzzSettings
    let registrations: RegistrationIDFuzzer

    public init(settings: FuzzSettings) throws {
        self.settings = settings
        registrations = try RegistrationIDFuzzer(settings: settings)
    }

    public func serviceSetup() -> FuzzServiceSetup { registrations.serviceSetup() }

    public func fuzzCase(_ index: Int) -> MQTTPacketCase { MQTTPacketCase.make(seed: settings.seed, index: index) }

    public func run(against destination: any CaseDestination, progress: @Sendable (Int, Int) -> Void = { _, _ in }) async -> FuzzTargetOutcome {
        let loop = WireFuzzLoop(target: .mqtt, transport: .mqtt, settings: settings, registrations: registrations,
                                openConnectionRequirement: .dpsFlowResult001)
        return await loop.run(against: destination, progress: progress,
                              evaluate: { await evaluate(fuzzCase($0), against: destination) },
                              violation: { violation(fuzzCase($0), $1) })
    }

    /// One malformed session and the oracle's findings.
    func evaluate(_ fuzzCase: MQTTPacketCase, against destination: any CaseDestination) async -> [OracleFinding] {
        guard let tls = WireFuzzLoop.clientTLS(trusting: destination) else { return [WireFuzzLoop.unloadableTrustRoot] }
        let good = RegistrationIDCase(index: fuzzCase.index, id: fuzzCase.registrationID, origin: "mqtt", transport: .mqtt, credential: .sas)
        let token = RegistrationRequest.sasToken(good, idScope: destination.idScope, groupKey: destination.groupKey, now: Date())
        let mark = destination.recordedEventCount
        // A cut-off or trickled CONNECT is closed by the service's CONNECT deadline, not at once.
        let waitsForCONNECTDeadline = fuzzCase.malformation == .truncatedPacket || fuzzCase.malformation == .slowSender
        let deadline = waitsForCONNECTDeadline ? settings.deadline + destination.incompleteRequestDeadline : settings.deadline
        let exchange = destination.exchange(.mqtt, tls: tls, deadline: deadline, trickle: fuzzCase.malformation == .slowSender ? MQTTPacketCase.trickle : nil)
        if fuzzCase.malformation == .packetsAfterDisconnect {
            return await afterDisconnect(fuzzCase, exchange: exchange, token: token, destination: destination, deadline: deadline)
        }
        let result = await exchange.run(fuzzCase.bytes(idScope: destination.idScope, token: token)) { received in
            if case .connackRefused? = MQTTAnswerReader.read(received) { return true }
            return false
        }
        let rule = fuzzCase.rule ?? .dpsFlowResult001
        let expected = ["the service refuses \(fuzzCase.malformation.rawValue): it closes the connection (or refuses the CONNACK) and records why"]
        if case .connackRefused? = MQTTAnswerReader.read(result.received) { return [] }
        switch result.ending {
        case .deadline:
            return [OracleFinding(kind: .notRefused, requirement: rule, expected: expected, observed: "the connection stayed open for \(deadline)")]
        case .connectFailed(let reason):
            return [OracleFinding(kind: .notRefused, requirement: .harness, expected: ["a connection"], observed: reason)]
        case .answered, .closedByServer, .handshakeFailed:
            break
        }
        // The reason is recorded when the service closes; give its event loop a moment to write it.
        for _ in 0..<20 {
            // A destination that cannot be observed (a real endpoint) is judged by the close alone.
            guard let events = destination.recordedEvents(from: mark) else { return [] }
            let wellBehaved = WellBehavedDevice.connections(in: events)
            if events.contains(where: { !wellBehaved.contains($0.connection) && Self.isRecordedRefusal($0) }) { return [] }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return [OracleFinding(kind: .notRefused, requirement: rule, expected: expected,
                              observed: "the connection ended without a recorded refusal by the service")]
    }

    /// Packets after DISCONNECT: what came before it is answered as usual; then the service
    /// closes the connection (it SHOULD, MQTT 3.1.1 section 3.14.4) within the deadline and
    /// answers nothing sent after DISCONNECT, which ended the session.
    func afterDisconnect(_ fuzzCase: MQTTPacketCase, exchange: TLSExchange, token: String?, destination: any CaseDestination,
                         deadline: Duration) async -> [OracleFinding] {
        let result = await exchange.run(fuzzCase.bytes(idScope: destination.idScope, token: token)) { _ in false }
        let expected = ["after DISCONNECT the service closes the connection and answers nothing sent after it"]
        switch result.ending {
        case .deadline:
            return [OracleFinding(kind: .notRefused, requirement: .dpsMqttDisc001, expected: expected,
                                  observed: "the connection stayed open for \(deadline) after DISCONNECT")]
        case .connectFailed(let reason), .handshakeFailed(let reason):
            return [OracleFinding(kind: .notRefused, requirement: .harness, expected: ["a session"], observed: reason)]
        case .answered, .closedByServer:
            break
        }
        let answered = MQTTAnswerReader.responseRequestIDs(result.received)
        guard !answered.contains(MQTTPacketCase.afterDisconnectRequestID) else {
            return [OracleFinding(kind: .notRefused, requirement: .dpsMqttDisc001, expected: expected,
                                  observed: "the register PUBLISH sent after DISCONNECT ($rid \(MQTTPacketCase.afterDisconnectRequestID)) was answered")]
        }
        return []
    }

    /// A close the service initiated, a refusal, or a malformed-packet note.
    static func isRecordedRefusal(_ event: WireEvent) -> Bool {
        switch event.note {
        case .closed(let cause)?: return cause.isServiceInitiated
        case .refused?, .malformed?: return true
        default: return false
        }
    }

    /// A well-behaved device registers; nil when it is accepted.
    func wellBehaved(_ index: Int, against destination: any CaseDestination) async -> OracleFinding? {
        let good = RegistrationIDCase(index: index, id: "well-behaved-\(index)", origin: "well-behaved", transport: .mqtt, credential: .sas)
        let (answer, _) = await registrations.send(good, to: destination)
        guard !answer.accepted else { return nil }
        return OracleFinding(kind: .wellBehavedStarved, requirement: .dpsFlowResult001,
                             expected: ["a well-behaved device is accepted between malformed sessions"], observed: answer.text)
    }

    func violation(_ fuzzCase: MQTTPacketCase, _ finding: OracleFinding) -> FuzzViolation {
        FuzzViolation(target: .mqtt, caseName: "mqtt/\(fuzzCase.index)/\(fuzzCase.malformation.rawValue)", requirement: finding.requirement,
                      expected: finding.expected, observed: finding.observed, reproducer: nil,
                      reproducerNote: "a malformed packet cannot be sent by a device profile; replay with: dpsconform fuzz mqtt --seed \(settings.seed) --cases \(fuzzCase.index + 1)",
                      caseJSON: String(decoding: fuzzCase.canonicalBytes, as: UTF8.self))
    }
}
