import DPSCore
import Foundation
import NIOSSL

/// `dpsconform fuzz http`: malformed and abusive DPS HTTPS requests against the fake. Oracle: each
/// is refused (a 4xx, or 501/505, or the connection closed by the service with its reason
/// recorded) within the deadline and never accepted (2xx) or failed with another 5xx; a
/// well-behaved device registers in parallel the whole time; no connection stays open.
public struct HTTPRequestFuzzer: Sendable {
    public let settings: FuzzSettings
    let registrations: RegistrationIDFuzzer

    public init(settings: FuzzSettings) throws {
        self.settings = settings
        registrations = try RegistrationIDFuzzer(settings: settings)
    }

    public func serviceSetup() -> FuzzServiceSetup { registrations.serviceSetup() }

    public func fuzzCase(_ index: Int) -> HTTPRequestCase { HTTPRequestCase.make(seed: settings.seed, index: index) }

    public func run(against destination: any CaseDestination, progress: @Sendable (Int, Int) -> Void = { _, _ in }) async -> FuzzTargetOutcome {
        let loop = WireFuzzLoop(target: .http, transport: .https, settings: settings, registrations: registrations,
                                openConnectionRequirement: .dpsHttpMsg001)
        return await loop.run(against: destination, progress: progress,
                              evaluate: { await evaluate(fuzzCase($0), against: destination) },
                              violation: { violation(fuzzCase($0), $1) })
    }

    /// One malformed request and the oracle's findings.
    func evaluate(_ fuzzCase: HTTPRequestCase, against destination: any CaseDestination) async -> [OracleFinding] {
        guard let tls = WireFuzzLoop.clientTLS(trusting: destination) else { return [WireFuzzLoop.unloadableTrustRoot] }
        let good = RegistrationIDCase(index: fuzzCase.index, id: fuzzCase.registrationID, origin: "http", transport: .https, credential: .sas)
        let token = RegistrationRequest.sasToken(good, idScope: destination.idScope, groupKey: destination.groupKey, now: Date())
        let mark = destination.recordedEventCount
        let slow = fuzzCase.malformation == .slowHead
        let pipelined = fuzzCase.malformation == .pipelinedMalformed
        let deadline = slow ? settings.deadline + destination.incompleteRequestDeadline : settings.deadline
        let exchange = destination.exchange(.https, tls: tls, deadline: deadline, trickle: slow ? HTTPRequestCase.trickle : nil)
        let result = await exchange.run(fuzzCase.bytes(idScope: destination.idScope, authority: destination.httpAuthority, token: token)) {
            // A pipelined pair is judged on the answer to its second request.
            HTTPAnswerReader.isComplete(pipelined ? HTTPAnswerReader.afterFirstResponse($0) ?? [] : $0)
        }
        let expected = ["the service refuses \(fuzzCase.malformation.rawValue): a 4xx (or 501, 505), or a close whose reason it records"]
        var judged = result.received
        if pipelined {
            guard let rest = HTTPAnswerReader.afterFirstResponse(result.received) else {
                return [OracleFinding(kind: .notRefused, requirement: .dpsHttpMsg001, expected: ["an answer to the first of two pipelined requests"],
                                      observed: result.received.isEmpty ? "no answer" : "no complete first answer")]
            }
            judged = rest
        }
        switch HTTPAnswerReader.read(judged, closed: true) {
        case .response(let status, _)? where (400..<500).contains(status) || status == 501 || status == 505:
            return []
        case .response(let status, let code)?:
            return [OracleFinding(kind: .notRefused, requirement: .dpsHttpMsg001, expected: expected,
                                  observed: "status \(status)" + (code.map { ", errorCode \($0)" } ?? ""))]
        default:
            break
        }
        if result.ending == .deadline {
            return [OracleFinding(kind: .notRefused, requirement: .dpsHttpMsg001, expected: expected, observed: "no answer and no close within \(deadline)")]
        }
        for _ in 0..<20 {
            guard let events = destination.recordedEvents(from: mark) else { return [] }
            let wellBehaved = WellBehavedDevice.connections(in: events)
            if events.contains(where: { !wellBehaved.contains($0.connection) && MQTTPacketFuzzer.isRecordedRefusal($0) }) { return [] }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return [OracleFinding(kind: .notRefused, requirement: .dpsHttpMsg001, expected: expected,
                              observed: "the connection ended without an answer or a recorded refusal")]
    }

    func violation(_ fuzzCase: HTTPRequestCase, _ finding: OracleFinding) -> FuzzViolation {
        FuzzViolation(target: .http, caseName: "http/\(fuzzCase.index)/\(fuzzCase.malformation.rawValue)", requirement: finding.requirement,
                      expected: finding.expected, observed: finding.observed, reproducer: nil,
                      reproducerNote: "a malformed request cannot be sent by a device profile; replay with: dpsconform fuzz http --seed \(settings.seed) --cases \(fuzzCase.index + 1)",
                      caseJSON: String(decoding: fuzzCase.canonicalBytes, as: UTF8.self))
    }
}
