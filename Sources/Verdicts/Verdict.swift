import DPSCore

/// How one check of one requirement came out.
public enum VerdictOutcome: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// The requirement held.
    case pass
    /// The requirement was checked and did not hold: the device or service is wrong.
    case fail
    /// The check could not be carried out (harness, network, bad setup): nothing is known.
    case error
    /// Not applicable to this run.
    case skip
    /// Failed as the scenario said it would (a known fault or a mutant): counts as passing.
    case xfail
    /// A SHOULD-level requirement did not hold: reported, does not fail the run.
    case warn

    /// Severity order used to fold verdicts into a case outcome: error > fail > warn > xfail > pass > skip.
    var severity: Int {
        switch self {
        case .skip: 0
        case .pass: 1
        case .xfail: 2
        case .warn: 3
        case .fail: 4
        case .error: 5
        }
    }

    public static func < (lhs: VerdictOutcome, rhs: VerdictOutcome) -> Bool { lhs.severity < rhs.severity }

    /// Whether this outcome fails a CI gate.
    public var failsRun: Bool { self == .fail || self == .error }
}

/// The result of checking one requirement in one case: which rule, what was legal, what happened.
public struct Verdict: Sendable, Hashable, Codable {
    /// Requirement ID, e.g. `DPS-FLOW-RETRY-001`.
    public var requirement: RequirementID
    public var outcome: VerdictOutcome
    /// The conditions the requirement sets; every one of them must hold for the verdict to pass.
    public var expected: [String]
    /// What actually happened.
    public var observed: String
    /// Transcript sequence numbers that show it.
    public var evidence: [Int]

    public init(requirement: RequirementID, outcome: VerdictOutcome, expected: [String], observed: String, evidence: [Int] = []) {
        self.requirement = requirement
        self.outcome = outcome
        self.expected = expected
        self.observed = observed
        self.evidence = evidence
    }
}
