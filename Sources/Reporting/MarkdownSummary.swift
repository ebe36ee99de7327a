import Verdicts

/// A short Markdown summary for GitHub job summaries (`$GITHUB_STEP_SUMMARY`) and PR comments:
/// the PASS/FAIL line, counts per outcome, and a table of the cases that fail the run with the
/// requirements that failed.
public enum MarkdownSummary {
    /// The summary for `run`; at most `maxRows` failing cases are listed (PR comments are
    /// limited in size), the rest are counted.
    public static func render(_ run: RunResult, maxRows: Int = 50) -> String {
        let summary = RunSummary(run)
        var lines: [String] = []
        let banner = summary.interrupted != nil ? "⚠️ INTERRUPTED" : summary.failed ? "❌ FAIL" : "✅ PASS"
        lines.append("## dpsconform \(banner): \(MarkdownText.cell(run.name))")
        lines.append("")
        lines.append("\(VerdictText.counted(summary.total, "case")) in \(SecondsText.fixed(run.wallSeconds)) s, started "
                     + "\(ReportTimestamp.readable(run.startedAt)), exit code \(summary.exitCode).")
        if let interrupted = summary.interrupted {
            lines.append("")
            lines.append("**Interrupted:** \(MarkdownText.cell(interrupted)). Only the cases that finished are reported.")
        }
        lines.append("")
        lines.append("| " + VerdictOutcome.allCases.map(VerdictText.label).joined(separator: " | ") + " | Total |")
        lines.append("|" + String(repeating: "---:|", count: VerdictOutcome.allCases.count + 1))
        lines.append("| " + VerdictOutcome.allCases.map { String(summary.count($0)) }.joined(separator: " | ")
                     + " | \(summary.total) |")
        lines.append("")
        let coverage = RequirementCoverage(catalogued: [], cases: run.cases)
        if !coverage.evaluated.isEmpty {
            lines.append("Requirements: \(coverage.evaluated.count) evaluated, \(coverage.shownFailing.count) shown failing by an expected-failure case.")
            lines.append("")
        }
        let failing = run.cases.filter { $0.outcome.failsRun }
        if failing.isEmpty {
            lines.append(run.cases.isEmpty ? "This run has no cases." : "No failing cases.")
        } else {
            lines.append("### Failing cases")
            lines.append("")
            lines.append("| Case | Outcome | Failing requirements | Observed |")
            lines.append("|---|---|---|---|")
            for item in failing.prefix(max(0, maxRows)) {
                let requirements = VerdictText.decidingRequirements(item)
                let observed = VerdictText.deciding(item).first.map { VerdictText.truncated($0.observed, limit: 200) }
                    ?? "no verdicts: nothing was checked"
                lines.append("| \(MarkdownText.cell(item.id)) | \(VerdictText.label(item.outcome)) | "
                             + "\(requirements.isEmpty ? "none" : requirements.map(MarkdownText.cell).joined(separator: ", ")) | "
                             + "\(MarkdownText.cell(observed)) |")
            }
            if failing.count > maxRows {
                lines.append("")
                lines.append("… and \(failing.count - max(0, maxRows)) more failing cases (see the HTML or JSON report).")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
