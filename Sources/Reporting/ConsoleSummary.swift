import Verdicts

/// Plain lines for CI logs: one per case (`PASS  mqtt/symmetric-key/basic  (0.41 s)`, failing
/// requirement IDs after a FAIL) and a total line (`Conformance: 12 passed, 1 failed, 0 skipped, 0 errors`).
public enum ConsoleSummary {
    /// One line for one case. Requirement IDs that decided the outcome follow a FAIL, ERROR, WARN
    /// or XFAIL.
    public static func line(for item: CaseResult) -> String {
        let outcome = item.outcome
        let label = VerdictText.label(outcome)
        var line = label + String(repeating: " ", count: max(1, 6 - label.count))
        line += "\(plain(item.id))  (\(SecondsText.fixed(item.wallSeconds, decimals: 2)) s)"
        switch outcome {
        case .fail, .error, .warn, .xfail:
            let requirements = VerdictText.decidingRequirements(item)
            line += "  " + (requirements.isEmpty ? "no verdicts" : requirements.map(plain).joined(separator: ", "))
        case .pass, .skip:
            break
        }
        return line
    }

    /// The total line. Passed counts pass, xfail and warn cases; xfail and warn are named after
    /// the counts when there are any.
    public static func totalLine(for run: RunResult) -> String {
        let summary = RunSummary(run)
        let errors = summary.count(.error)
        var line = "Conformance: \(summary.passed) passed, \(summary.count(.fail)) failed, "
            + "\(summary.count(.skip)) skipped, \(errors) \(errors == 1 ? "error" : "errors")"
        var included: [String] = []
        if summary.count(.xfail) > 0 { included.append("\(summary.count(.xfail)) expected to fail") }
        if summary.count(.warn) > 0 {
            included.append("\(summary.count(.warn)) with \(summary.count(.warn) == 1 ? "warning" : "warnings")")
        }
        if !included.isEmpty { line += " (passed includes " + included.joined(separator: ", ") + ")" }
        return line
    }

    /// The requirement-coverage line: how many catalogued requirements some case evaluated and
    /// some case showed failing, naming the ones that fall short.
    public static func coverageLine(for coverage: RequirementCoverage) -> String {
        let total = coverage.catalogued.count
        var line = "Requirements: \(total) catalogued, \(total - coverage.notEvaluated.count) evaluated, "
            + "\(total - coverage.notShownFailing.count) shown failing"
        if !coverage.notEvaluated.isEmpty { line += "; not evaluated: " + coverage.notEvaluated.map(\.rawValue).joined(separator: ", ") }
        if !coverage.notShownFailing.isEmpty { line += "; never shown failing: " + coverage.notShownFailing.map(\.rawValue).joined(separator: ", ") }
        return line
    }

    /// For `--verbose`: under a case line, each verdict that is not a plain pass (failures,
    /// errors, warnings, expected failures) with what was expected and what happened, and the
    /// reason of a skipped case.
    public static func details(for item: CaseResult) -> [String] {
        item.verdicts.filter { $0.outcome != .pass && ($0.outcome != .skip || item.outcome == .skip) }.map { verdict in
            "      " + VerdictText.label(verdict.outcome) + "  " + plain(VerdictText.oneLine(verdict))
        }
    }

    /// Every case line followed by the total line.
    public static func lines(for run: RunResult) -> [String] {
        run.cases.map(line(for:)) + [totalLine(for: run)]
    }

    /// Control characters removed and line breaks folded, so a log line stays one line and
    /// cannot carry terminal escape sequences.
    private static func plain(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in VerdictText.flatten(text).unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F
            && !(0x80...0x9F).contains(scalar.value) {
            out.append(scalar)
        }
        return String(out)
    }
}
