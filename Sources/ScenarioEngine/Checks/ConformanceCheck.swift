import DPSCore
import Device
import Foundation
import Verdicts

/// What a check sees: the scenario, how the device ended, and the typed wire transcript.
struct CheckContext {
    let scenario: Scenario
    /// How the provisioning ended, read from what the fake told the device (`ToldOutcome`).
    let outcome: ProvisioningOutcome
    let view: TranscriptView
    /// The device's own report of its outcome: the in-process device's result, or the last
    /// JSON object an external device printed on stdout; nil when it printed none.
    var deviceReport: DeviceReport? = nil
    /// Seconds a measured wait may fall short of the one asked for: a millisecond on the
    /// virtual clock, `ScenarioRunner.realClockTolerance` on the real one.
    var timingTolerance: Double = 0.001
    /// Whether the device is an external one standing in for the reference device: a scenario's
    /// `xfail:` describes what its inputs make the reference device break, so an external device
    /// that keeps the rule is not failed for it.
    var judgesExternalDevice = false
    /// Whether the transcript holds the service's own reasons (the built-in fake notes which rule
    /// a refusal enforced); false when a recording proxy recorded another service, which answers
    /// 401 without saying why.
    var serviceGivesReasons = true
    /// The reference transcript the device's behaviour is compared with (`replay:`, `run --compare-with`).
    var reference: [WireEvent]? = nil

    /// Why a rule the service enforces cannot be judged from this transcript, or nil: a 401 from
    /// a service that gives no reasons.
    var unexplainedRefusal: String? {
        guard !serviceGivesReasons, let refusal = view.responses.first(where: { $0.status == 401 }) else { return nil }
        return "the service answered 401 (event \(refusal.event.sequence)) without saying which rule the credential broke; only the built-in fake records its reason"
    }
}

/// A check's finding before the requirement's level is applied.
struct Finding {
    let outcome: VerdictOutcome
    let expected: [String]
    let observed: String
    let evidence: [Int]

    static func pass(_ expected: [String], _ observed: String, _ evidence: [Int] = []) -> Finding {
        Finding(outcome: .pass, expected: expected, observed: observed, evidence: evidence)
    }

    static func fail(_ expected: [String], _ observed: String, _ evidence: [Int] = []) -> Finding {
        Finding(outcome: .fail, expected: expected, observed: observed, evidence: evidence)
    }

    static func skip(_ why: String) -> Finding {
        Finding(outcome: .skip, expected: [], observed: why, evidence: [])
    }
}

/// A conformance check: the requirement it judges, where that requirement applies, and its
/// evaluation over the typed transcript and the outcome (in the manner of swift-certificates'
/// `VerifierPolicy` and h2spec's test cases: one rule, one value).
protocol ConformanceCheck: Sendable {
    var requirement: RequirementID { get }
    /// The transports the rule exists on.
    var transports: Set<ScenarioTransport> { get }
    func evaluate(_ context: CheckContext) -> Finding
}

/// A check whose evaluation is a function of the context.
struct TranscriptCheck: ConformanceCheck {
    let requirement: RequirementID
    let transports: Set<ScenarioTransport>
    let rule: @Sendable (CheckContext) -> Finding

    init(_ requirement: RequirementID, on transports: Set<ScenarioTransport> = Set(ScenarioTransport.allCases),
         _ rule: @escaping @Sendable (CheckContext) -> Finding) {
        self.requirement = requirement
        self.transports = transports
        self.rule = rule
    }

    func evaluate(_ context: CheckContext) -> Finding { rule(context) }
}
