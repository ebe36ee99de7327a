import DPSCore
import Testing
import Verdicts
@testable import Reporting

@Suite("Console summary")
struct ConsoleSummaryTests {
    @Test func oneLinePerCase() {
        #expect(ConsoleSummary.line(for: Fixture.pass) == "PASS  mqtt/symmetric-key/basic  (0.41 s)")
        #expect(ConsoleSummary.line(for: Fixture.fail)
                == "FAIL  mqtt/symmetric-key/retry-after  (1.25 s)  DPS-FLOW-RETRY-001, DPS-FLOW-POLL-002")
        #expect(ConsoleSummary.line(for: Fixture.error) == "ERROR https/x509/leaf  (0.00 s)  DPS-HTTP-TLS-001")
        #expect(ConsoleSummary.line(for: Fixture.skip) == "SKIP  https/x509/group  (0.00 s)")
        #expect(ConsoleSummary.line(for: Fixture.xfail) == "XFAIL mqtt/mutant/no-subscribe  (0.10 s)  DPS-MQTT-SUB-001")
        #expect(ConsoleSummary.line(for: Fixture.warn) == "WARN  mqtt/symmetric-key/keep-alive  (2.00 s)  DPS-MQTT-KEEPALIVE-002")
        #expect(ConsoleSummary.line(for: CaseResult(id: "x", title: "", suite: "", verdicts: []))
                == "ERROR x  (0.00 s)  no verdicts")
    }

    @Test func controlCharactersNeverReachTheLog() {
        let item = CaseResult(id: "evil\u{1B}[2J\nid", title: "", suite: "", verdicts: [
            Verdict(requirement: RequirementID(reported: "R\u{7}"), outcome: .fail, expected: [], observed: ""),
        ])
        #expect(ConsoleSummary.line(for: item) == "FAIL  evil[2J\\nid  (0.00 s)  R")
    }

    @Test func totalLine() {
        #expect(ConsoleSummary.totalLine(for: Fixture.mixedRun)
                == "Conformance: 3 passed, 1 failed, 1 skipped, 1 error (passed includes 1 expected to fail, 1 with warning)")
        #expect(ConsoleSummary.totalLine(for: Fixture.emptyRun) == "Conformance: 0 passed, 0 failed, 0 skipped, 0 errors")
        let plain = RunResult(name: "p", startedAt: Fixture.start, wallSeconds: 0, cases: [Fixture.pass, Fixture.pass, Fixture.fail])
        #expect(ConsoleSummary.totalLine(for: plain) == "Conformance: 2 passed, 1 failed, 0 skipped, 0 errors")
    }

    @Test func linesEndWithTheTotal() {
        let lines = ConsoleSummary.lines(for: Fixture.passingRun)
        #expect(lines.count == 4)
        #expect(lines.last == "Conformance: 3 passed, 0 failed, 0 skipped, 0 errors (passed includes 1 expected to fail, 1 with warning)")
    }

    @Test("the coverage line counts evaluated and shown-failing requirements and names the ones that fall short")
    func coverageLine() {
        let sub = RequirementID(reported: "DPS-MQTT-SUB-001")
        let never = RequirementID(reported: "DPS-FLOW-ETAG-001")
        let coverage = RequirementCoverage(catalogued: [sub, never], cases: [Fixture.xfail, Fixture.skip])
        #expect(coverage.evaluated == [sub])
        #expect(coverage.shownFailing == [sub])
        #expect(coverage.notEvaluated == [never])
        #expect(ConsoleSummary.coverageLine(for: coverage)
            == "Requirements: 2 catalogued, 1 evaluated, 1 shown failing; not evaluated: DPS-FLOW-ETAG-001; never shown failing: DPS-FLOW-ETAG-001")
        let full = RequirementCoverage(catalogued: [sub], cases: [Fixture.xfail])
        #expect(ConsoleSummary.coverageLine(for: full) == "Requirements: 1 catalogued, 1 evaluated, 1 shown failing")
    }
}
