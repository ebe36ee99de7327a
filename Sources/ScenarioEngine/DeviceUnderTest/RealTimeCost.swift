import DPSCore
import Device
import FakeDPS
import Foundation

/// How long a case takes on the real clock, which an external device lives on: the waits the
/// scenario's service asks for (retry-after of each `assigning` answer, fault answers, delays),
/// bounded by the device's deadline. Against the in-process device the same waits cost no wall
/// time (virtual clock); against a real device they are real seconds.
struct RealTimeCost: Sendable, Hashable {
    /// Estimated seconds of waiting.
    let seconds: Double
    /// The largest contributor, for the skip reason.
    let largest: String

    /// How long an unanswered request is assumed to keep a device waiting before it retries.
    static let unansweredRequestWait = 30.0

    init(_ scenario: Scenario) {
        let service = scenario.service
        let deadline = scenario.device.deadline.seconds
        var parts: [(Double, String)] = []
        let polls = Double(min(service.assigningPolls, 10_000))
        parts.append((polls * Double(service.retryAfterSeconds), "\(service.assigningPolls) assigning answer(s) with retry-after \(service.retryAfterSeconds) s"))
        if service.assigningTime > .zero { parts.append((service.assigningTime.seconds, "assigning for \(Int(service.assigningTime.seconds)) s")) }
        // How often each exchange happens in a flow that goes as the service intends.
        let normalCount: [FaultTarget: Double] = [.connect: 1, .subscribe: 1, .register: 1, .poll: polls + 1, .statusLookup: 1]
        for rule in service.faultPlan.rules {
            let count: Double? = switch rule.occurrences {
            case .nth: 1
            case .range(let low, let high): Double(max(1, high - low + 1))
            case .every, .from: nil
            }
            let flowCount = count ?? normalCount[rule.on] ?? 1
            switch rule.action {
            case .respond(_, let retryAfter?, _, _):
                let wait = RetryAfter.seconds(retryAfter).map(Double.init) ?? 0
                // An error answered every time keeps a retrying device busy until its deadline.
                parts.append((count.map { $0 * wait } ?? deadline, "retry-after \(retryAfter) s on \(rule.on.rawValue)"))
            case .modify(let change):
                if let retryAfter = change.retryAfter, let wait = RetryAfter.seconds(retryAfter) {
                    parts.append((flowCount * Double(wait), "retry-after \(retryAfter) s on \(rule.on.rawValue)"))
                }
            case .delay(let duration):
                parts.append((flowCount * duration.seconds, "answers delayed \(Int(duration.seconds)) s"))
            case .noResponse, .withholdAcknowledgement:
                parts.append(((count ?? 1) * Self.unansweredRequestWait, "an unanswered \(rule.on.rawValue) (the device's own response timeout)"))
            default:
                continue
            }
        }
        if scenario.expect.outcomes == [.timedOut] { parts.append((deadline, "the device's deadline of \(Int(deadline)) s")) }
        var bound = deadline
        if case .mutant(let mutant) = scenario.device.profile {
            // Mutants that ignore the service's end run until their deadline, or past it.
            switch mutant {
            case .noDeadline:
                bound = deadline * Double(MutantProfile.safetyCapFactor)
                parts.append((bound, "a mutant without a deadline (stops at \(MutantProfile.safetyCapFactor) times \(Int(deadline)) s)"))
            case .reRegistersInsteadOfPolling, .retries4xxForever:
                parts.append((deadline, "a mutant that goes on until its deadline of \(Int(deadline)) s"))
            default:
                break
            }
        }
        let total = parts.map(\.0).reduce(0, +)
        seconds = min(total, bound)
        largest = parts.max { $0.0 < $1.0 }?.1 ?? "no waits"
    }
}
