import DPSCore
import Foundation
import Verdicts

/// JUnit XML in the shape Jenkins (junit plugin), GitLab, GitHub Actions reporters
/// (dorny/test-reporter, action-junit-report) and Azure Pipelines (PublishTestResults, JUnit)
/// all read: a `<testsuites>` root, one `<testsuite>` per suite, one `<testcase>` per case.
///
/// Outcomes map as: fail → `<failure>`, error → `<error>`, skip → `<skipped>`; pass, xfail and
/// warn are passing test cases (xfail and warn are said in `<system-out>`).
public enum JUnitReport {
    /// The JUnit XML document for `run`. A case's transcript is listed up to
    /// `maxTranscriptEvents` lines in its `<system-out>` (the JSON report has all of it).
    public static func render(_ run: RunResult, maxTranscriptEvents: Int = 2000) -> String {
        let summary = RunSummary(run)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites" + attributes([
            ("name", run.name),
            ("tests", String(summary.total)),
            ("failures", String(summary.count(.fail))),
            ("errors", String(summary.count(.error))),
            ("skipped", String(summary.count(.skip))),
            ("time", SecondsText.fixed(run.wallSeconds)),
        ]) + ">\n"
        for (index, suite) in suites(of: run).enumerated() {
            xml += testsuite(suite.name, cases: suite.cases, id: index, run: run, maxTranscriptEvents: maxTranscriptEvents)
        }
        xml += "</testsuites>\n"
        return xml
    }

    /// Cases grouped by `suite`, suites in order of first appearance (stable across runs).
    static func suites(of run: RunResult) -> [(name: String, cases: [CaseResult])] {
        var order: [String] = []
        var groups: [String: [CaseResult]] = [:]
        for item in run.cases {
            if groups[item.suite] == nil { order.append(item.suite) }
            groups[item.suite, default: []].append(item)
        }
        return order.map { ($0, groups[$0] ?? []) }
    }

    private static func testsuite(_ name: String, cases: [CaseResult], id: Int, run: RunResult,
                                  maxTranscriptEvents: Int) -> String {
        let outcomes = cases.map(\.outcome)
        let time = cases.reduce(0.0) { $0 + max(0, $1.wallSeconds.isFinite ? $1.wallSeconds : 0) }
        var xml = "  <testsuite" + attributes([
            ("name", name),
            ("tests", String(cases.count)),
            ("failures", String(outcomes.filter { $0 == .fail }.count)),
            ("errors", String(outcomes.filter { $0 == .error }.count)),
            ("skipped", String(outcomes.filter { $0 == .skip }.count)),
            ("time", SecondsText.fixed(time)),
            ("timestamp", ReportTimestamp.junit(run.startedAt)),
            // The Ant schema requires a hostname; "localhost" is its documented stand-in.
            ("hostname", run.properties["hostname"] ?? "localhost"),
            ("id", String(id)),
        ]) + ">\n"
        if !run.properties.isEmpty {
            xml += "    <properties>\n"
            for key in run.properties.keys.sorted() {
                xml += "      <property" + attributes([("name", key), ("value", run.properties[key] ?? "")]) + "/>\n"
            }
            xml += "    </properties>\n"
        }
        for item in cases {
            xml += testcase(item, maxTranscriptEvents: maxTranscriptEvents)
        }
        xml += "  </testsuite>\n"
        return xml
    }

    private static func testcase(_ item: CaseResult, maxTranscriptEvents: Int) -> String {
        var xml = "    <testcase" + attributes([
            ("name", item.id),
            ("classname", item.suite),
            ("time", SecondsText.fixed(item.wallSeconds)),
        ]) + ">\n"
        let deciding = VerdictText.deciding(item)
        switch item.outcome {
        case .fail:
            xml += problem("failure", deciding, type: deciding.first?.requirement.rawValue ?? "FAIL")
        case .error:
            if deciding.isEmpty {
                xml += "      <error" + attributes([
                    ("message", "no verdicts: nothing was checked"), ("type", "NO-VERDICTS"),
                ]) + ">" + XMLText.content("The case produced no verdicts, so nothing about the device is known.") + "</error>\n"
            } else {
                xml += problem("error", deciding, type: deciding.first?.requirement.rawValue ?? "ERROR")
            }
        case .skip:
            let reason = deciding.map { VerdictText.flatten($0.observed) }.first ?? "not applicable"
            xml += "      <skipped" + attributes([("message", VerdictText.truncated(reason, limit: 500))]) + "/>\n"
        case .pass, .xfail, .warn:
            break
        }
        xml += "      <system-out>" + XMLText.content(systemOut(item, maxTranscriptEvents: maxTranscriptEvents)) + "</system-out>\n"
        xml += "    </testcase>\n"
        return xml
    }

    /// `<failure>` or `<error>`: the message names the requirement(s), the body lists every
    /// deciding verdict with what was legal and what happened.
    private static func problem(_ element: String, _ verdicts: [Verdict], type: String) -> String {
        let message: String
        if verdicts.count == 1, let only = verdicts.first {
            message = VerdictText.oneLine(only)
        } else {
            let ids = verdicts.map(\.requirement.rawValue)
            message = "\(ids.count) requirements \(element == "failure" ? "failed" : "could not be checked"): "
                + ids.joined(separator: ", ")
        }
        let body = verdicts.map(VerdictText.block).joined(separator: "\n\n")
        return "      <\(element)" + attributes([
            ("message", VerdictText.truncated(message, limit: 1000)),
            ("type", type),
        ]) + ">" + XMLText.content(body) + "</\(element)>\n"
    }

    /// Readable account of the case: outcome, verdicts, device outcome, log, transcript.
    static func systemOut(_ item: CaseResult, maxTranscriptEvents: Int) -> String {
        var lines: [String] = []
        lines.append("Case: \(item.id) (\(VerdictText.flatten(item.title)))")
        var outcome = "Outcome: \(VerdictText.label(item.outcome))"
        if let meaning = VerdictText.meaning(item.outcome) { outcome += " (\(meaning))" }
        lines.append(outcome)
        lines.append("Wall time: \(SecondsText.fixed(item.wallSeconds)) s; clock time: \(SecondsText.fixed(item.clockSeconds)) s")
        lines.append("")
        lines.append("Verdicts:")
        if item.verdicts.isEmpty { lines.append("  (none)") }
        for verdict in item.verdicts {
            lines.append("  \(VerdictText.label(verdict.outcome).padding(toLength: 5, withPad: " ", startingAt: 0))  "
                         + VerdictText.oneLine(verdict))
        }
        if !item.deviceOutcome.isEmpty {
            lines.append("")
            lines.append("Device outcome:")
            for key in item.deviceOutcome.keys.sorted() {
                lines.append("  \(VerdictText.flatten(key)) = \(VerdictText.flatten(item.deviceOutcome[key] ?? ""))")
            }
        }
        if let device = item.device, device.command != nil || device.settings != nil {
            lines.append("")
            lines += DeviceRunText.lines(device)
        }
        if !item.log.isEmpty {
            lines.append("")
            lines.append("Log:")
            lines += item.log.map { "  " + VerdictText.flatten($0) }
        }
        lines.append("")
        guard !item.transcript.isEmpty else {
            lines.append("Transcript: no wire events were recorded.")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append("Transcript (\(VerdictText.counted(item.transcript.count, "event")); \(TranscriptLine.legend)):")
        let start = item.transcript.first?.time
        for event in item.transcript.prefix(max(0, maxTranscriptEvents)) {
            lines.append("  " + TranscriptLine.line(event, start: start))
        }
        if item.transcript.count > maxTranscriptEvents {
            lines.append("  ... \(item.transcript.count - max(0, maxTranscriptEvents)) more events (see report.json)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(XMLText.attribute($0.1))\"" }.joined()
    }
}
