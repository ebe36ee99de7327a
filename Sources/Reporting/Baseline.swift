import DPSCore
import Foundation
import Verdicts

/// A run compared with an earlier one (`--baseline report.json`): the failures both have are
/// known, those only this run has are new, and those of the baseline that passed this time are
/// fixed. With a baseline, only new failures fail the run.
public struct BaselineComparison: Sendable, Hashable {
    /// A failing check: a requirement (or `HARNESS`) in one case.
    public struct Failure: Sendable, Hashable, Comparable, CustomStringConvertible {
        public let caseID: String
        public let requirement: RequirementID
        public let outcome: VerdictOutcome

        public var description: String { "\(caseID) \(requirement) (\(outcome.rawValue))" }

        public static func < (lhs: Failure, rhs: Failure) -> Bool {
            (lhs.caseID, lhs.requirement.rawValue) < (rhs.caseID, rhs.requirement.rawValue)
        }
    }

    public let baselineSource: String
    public let known: [Failure]
    public let new: [Failure]
    public let fixed: [Failure]

    /// Reads a report.json written by `dpsconform run`; errors name the file and field.
    public static func load(path: String) throws(ReportingError) -> RunResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportingError(.jsonNotDecoded, "\(path): cannot read the baseline report", path: path)
        }
        return try JSONReport.decode(data, source: path)
    }

    public init(baseline: RunResult, current: RunResult, source: String) {
        func failures(_ run: RunResult) -> Set<Failure> {
            Set(run.cases.flatMap { item in
                item.verdicts.filter { $0.outcome.failsRun }.map { Failure(caseID: item.id, requirement: $0.requirement, outcome: $0.outcome) }
            })
        }
        func key(_ failure: Failure) -> String { failure.caseID + "\u{0}" + failure.requirement.rawValue }
        let before = Dictionary(failures(baseline).map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let now = failures(current)
        let nowKeys = Set(now.map(key))
        let ranNow = Set(current.cases.map(\.id))
        baselineSource = source
        known = now.filter { before[key($0)] != nil }.sorted()
        new = now.filter { before[key($0)] == nil }.sorted()
        fixed = before.values.filter { ranNow.contains($0.caseID) && !nowKeys.contains(key($0)) }.sorted()
    }

    /// The exit code of the run with this baseline: 0 unless something new failed (1) or a new
    /// case could not be checked (3); an interrupted run stays 3.
    public func exitCode(for run: RunResult) -> Int32 {
        if run.properties[RunProperty.interrupted] != nil { return 3 }
        if new.contains(where: { $0.outcome == .fail }) { return 1 }
        if !new.isEmpty { return 3 }
        return 0
    }

    /// One line for the console and the run's properties.
    public var summaryLine: String {
        "Baseline \(baselineSource): \(known.count) known failure(s) still failing, \(new.count) new, \(fixed.count) fixed"
    }
}
