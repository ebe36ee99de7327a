import DPSCore
import Foundation
import NIOSSL

/// What the `mqtt` and `http` targets share: cases one after another within the budget while a
/// well-behaved device provisions in parallel, then the check that no connection stays open.
struct WireFuzzLoop {
    let target: FuzzTargetName
    let transport: FuzzTransport
    let settings: FuzzSettings
    let registrations: RegistrationIDFuzzer
    /// The rule a connection left open breaks.
    let openConnectionRequirement: RequirementID

    /// Runs case after case (`evaluate` gives the oracle's findings of case n; `violation` names
    /// the finding after case n).
    func run(against destination: any CaseDestination, progress: @Sendable (Int, Int) -> Void,
             evaluate: (Int) async -> [OracleFinding], violation: (Int, OracleFinding) -> FuzzViolation) async -> FuzzTargetOutcome {
        let started = ContinuousClock.now
        var outcome = FuzzTargetOutcome(target: target, seed: settings.seed, casesRun: 0, wallSeconds: 0, casesByTransport: [:],
                                        presentedWithoutTLS: 0, violations: [], harnessErrors: [])
        let device = WellBehavedDevice(registrations: registrations, transport: transport)
        let inParallel = Task { await device.run(against: destination) }
        var index = 0
        while settings.budget.allows(next: index, started: started) {
            if index == Self.warmUpCases { outcome.residentBytesAfterWarmUp = destination.residentBytes }
            outcome.casesRun += 1
            outcome.casesByTransport[transport, default: 0] += 1
            outcome.violations += await evaluate(index).map { violation(index, $0) }
            index += 1
            progress(index, outcome.violations.count)
        }
        inParallel.cancel()
        let (starved, accepted) = await inParallel.value
        outcome.wellBehavedRegistrations = accepted
        let last = max(0, index - 1)
        outcome.violations += starved.map { violation(last, $0) }
        if let open = await destination.openConnections(after: .seconds(5)), open > 0 {
            outcome.violations.append(violation(last, OracleFinding(
                kind: .connectionsLeftOpen, requirement: openConnectionRequirement, expected: ["every connection closed after the run"],
                observed: "\(open) connection(s) still open 5 s after the last case")))
        }
        outcome.residentBytesAtEnd = destination.residentBytes
        if let growth = Self.memoryGrowth(from: outcome.residentBytesAfterWarmUp, to: outcome.residentBytesAtEnd) {
            outcome.violations.append(violation(last, growth(openConnectionRequirement)))
        }
        outcome.wallSeconds = (ContinuousClock.now - started).seconds
        return outcome
    }

    /// Cases before the memory baseline is taken (buffers, TLS contexts and caches settle).
    static let warmUpCases = 10
    /// How far the service's resident memory may grow after the warm-up, whatever the run's length:
    /// every case's buffers are bounded (the largest, 300 KB, many times over), so more is state
    /// kept per connection or per case.
    static let memoryBound = 64 * 1_048_576

    /// The finding for growth beyond `memoryBound`, nil within it or when memory is not observed.
    static func memoryGrowth(from start: Int?, to end: Int?) -> ((RequirementID) -> OracleFinding)? {
        guard let start, let end, end - start > memoryBound else { return nil }
        return { requirement in
            OracleFinding(kind: .memoryGrowth, requirement: requirement,
                          expected: ["the service's memory grows by at most \(memoryBound / 1_048_576) MiB after the first \(warmUpCases) cases"],
                          observed: "it grew from \(start / 1_048_576) MiB to \(end / 1_048_576) MiB")
        }
    }

    /// A client TLS configuration that verifies the destination; nil when its trust does not
    /// load (then `unloadableTrustRoot` is the finding).
    static func clientTLS(trusting destination: any CaseDestination) -> TLSConfiguration? {
        try? destination.clientTLS()
    }

    static let unloadableTrustRoot = OracleFinding(kind: .notRefused, requirement: .harness, expected: ["the destination's CA"],
                                                   observed: "its PEM does not load")
}
