import DPSCore
import Foundation
import Testing
import Verdicts
@testable import Reporting

@Suite("Markdown summary")
struct MarkdownSummaryTests {
    let text = MarkdownSummary.render(Fixture.mixedRun)

    @Test func headlineAndCounts() {
        #expect(text.hasPrefix("## dpsconform ❌ FAIL: nightly \\<conformance\\> \\& \"more\"\n"))
        #expect(text.contains("6 cases in 4.500 s, started 2026-01-01 00:00:00 UTC, exit code 1."))
        #expect(text.contains("| PASS | FAIL | ERROR | SKIP | XFAIL | WARN | Total |\n|---:|---:|---:|---:|---:|---:|---:|\n| 1 | 1 | 1 | 1 | 1 | 1 | 6 |\n"))
    }

    @Test func failingCasesAreTabledWithTheirRequirements() {
        #expect(text.contains("### Failing cases\n\n| Case | Outcome | Failing requirements | Observed |\n|---|---|---|---|\n"))
        #expect(text.contains("| mqtt/symmetric-key/retry-after | FAIL | DPS-FLOW-RETRY-001, DPS-FLOW-POLL-002 | polled after 0.2 s |\n"))
        #expect(text.contains("| https/x509/leaf | ERROR | DPS-HTTP-TLS-001 | port 8443 already in use |\n"))
        #expect(!text.contains("mqtt/symmetric-key/basic"))
        #expect(!text.contains("keep-alive"))
    }

    @Test func cellsCannotBreakTheTable() {
        let run = RunResult(name: "r", startedAt: Fixture.start, wallSeconds: 0, cases: [
            CaseResult(id: "a|b", title: "t", suite: "s", verdicts: [
                Verdict(requirement: RequirementID(reported: "R-1"), outcome: .fail, expected: [], observed: "x | y\nz <img>"),
            ]),
        ])
        #expect(MarkdownSummary.render(run).contains("| a\\|b | FAIL | R-1 | x \\| y z \\<img\\> |\n"))
    }

    @Test func rowsAreLimited() {
        let cases = (0..<5).map { CaseResult(id: "c\($0)", title: "t", suite: "s", verdicts: []) }
        let summary = MarkdownSummary.render(RunResult(name: "r", startedAt: Fixture.start, wallSeconds: 0, cases: cases), maxRows: 2)
        #expect(summary.contains("| c1 | ERROR | none | no verdicts: nothing was checked |\n"))
        #expect(!summary.contains("| c2 |"))
        #expect(summary.contains("… and 3 more failing cases (see the HTML or JSON report)."))
    }

    @Test func passingAndEmptyRuns() {
        let green = MarkdownSummary.render(Fixture.passingRun)
        #expect(green.hasPrefix("## dpsconform ✅ PASS: green\n"))
        #expect(green.hasSuffix("No failing cases.\n"))
        let empty = MarkdownSummary.render(Fixture.emptyRun)
        #expect(empty.contains("\n0 cases in 0.000 s, started 2026-01-01 00:00:00 UTC, exit code 0.\n"))
        #expect(empty.hasSuffix("This run has no cases.\n"))
    }

    @Test func namesTheRequirementCoverage() {
        let text = MarkdownSummary.render(Fixture.mixedRun)
        let coverage = RequirementCoverage(catalogued: [], cases: Fixture.mixedRun.cases)
        #expect(!coverage.evaluated.isEmpty)
        #expect(text.contains("Requirements: \(coverage.evaluated.count) evaluated, \(coverage.shownFailing.count) shown failing"))
    }
}
