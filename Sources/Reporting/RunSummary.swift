import Verdicts

/// The verdict of a whole run in numbers: cases per outcome, whether CI should go red, and the
/// process exit code that says so.
public struct RunSummary: Sendable, Hashable {
    /// Cases per outcome; every outcome is present, zero included.
    public let counts: [VerdictOutcome: Int]
    /// Number of cases in the run.
    public let total: Int
    /// Whether the run fails the CI gate (a case failed or could not be checked).
    public let failed: Bool
    /// The exit code `dpsconform run` should end with (docs/architecture.md, exit codes): 3 when
    /// the run was interrupted (SIGINT or SIGTERM; its reports hold the cases finished before);
    /// otherwise 1 when a check failed; otherwise 3 when a case could not be carried out (the
    /// harness could not run it); otherwise 0.
    public let exitCode: Int32
    /// Why the run stopped early (the ``RunProperty/interrupted`` property), if it did.
    public let interrupted: String?

    public init(_ run: RunResult) {
        var counts = Dictionary(uniqueKeysWithValues: VerdictOutcome.allCases.map { ($0, 0) })
        for item in run.cases {
            counts[item.outcome, default: 0] += 1
        }
        self.counts = counts
        self.total = run.cases.count
        self.interrupted = run.properties[RunProperty.interrupted]
        self.failed = run.failed || interrupted != nil
        if interrupted != nil {
            exitCode = 3
        } else if counts[.fail, default: 0] > 0 {
            exitCode = 1
        } else if counts[.error, default: 0] > 0 {
            exitCode = 3
        } else {
            exitCode = 0
        }
    }

    /// Number of cases that came out as `outcome`.
    public func count(_ outcome: VerdictOutcome) -> Int {
        counts[outcome, default: 0]
    }

    /// Counts keyed by outcome name (`pass`, `fail`, ...): a dictionary keyed by the enum itself
    /// would encode as a flat JSON array.
    var countsByName: [String: Int] {
        Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })
    }

    /// Cases that count as passing: pass, xfail (failed as expected) and warn (SHOULD-level only).
    public var passed: Int {
        count(.pass) + count(.xfail) + count(.warn)
    }
}

/// Run properties with a meaning to the reports.
public enum RunProperty {
    /// Present when the run was stopped before its end (SIGINT or SIGTERM): says by what and
    /// after how many cases. The reports then hold the cases that had finished; the run exits 3.
    public static let interrupted = "interrupted"
}
