import DPSCore
import Foundation
import Verdicts

/// The part of the HTML page about one case: verdict table, sequence diagram, device outcome,
/// log, and the transcript folded into a `<details>` block. The section carries the data the
/// page's filters read: `data-outcome` (the case outcome), `data-suite` and `data-reqs` (the
/// requirement IDs of its verdicts, space-separated).
struct HTMLCaseSection {
    var item: CaseResult
    /// Element id of the section; transcript rows get `<anchor>-ev-<sequence>` so evidence links work.
    var anchor: String
    var catalogue: [RequirementID: Requirement]
    var payloadLimit: Int
    /// At most this many events drawn in the sequence diagram (evidence events after them are drawn too).
    var diagramLimit: Int = HTMLReport.defaultDiagramLimit

    /// `data-outcome`, `data-suite` and `data-reqs` attributes for the case, for its section and its row in the case table.
    static func filterAttributes(_ item: CaseResult) -> String {
        var seen = Set<String>()
        let requirements = item.verdicts.map(\.requirement.rawValue).filter { seen.insert($0).inserted }
        return "data-outcome=\"\(item.outcome.rawValue)\" data-suite=\"\(HTMLText.escape(item.suite))\""
            + " data-reqs=\"\(HTMLText.escape(requirements.joined(separator: " ")))\""
    }

    func render() -> String {
        let outcome = item.outcome
        var html = "<section class=\"case\" id=\"\(anchor)\" \(Self.filterAttributes(item))>\n"
        html += "<h2><code>\(HTMLText.escape(item.id))</code> <span class=\"badge o-\(outcome.rawValue)\">\(VerdictText.label(outcome))</span></h2>\n"
        html += "<p class=\"meta\">\(HTMLText.escape(item.title)) · suite <code>\(HTMLText.escape(item.suite))</code>"
        html += " · wall time \(SecondsText.fixed(item.wallSeconds)) s · clock time \(SecondsText.fixed(item.clockSeconds)) s"
        if let meaning = VerdictText.meaning(outcome) { html += " · \(HTMLText.escape(meaning))" }
        html += "</p>\n"
        html += verdictTable()
        html += diagram()
        html += deviceOutcome()
        html += deviceRun()
        html += log()
        html += transcript()
        return html + "</section>\n"
    }

    private func verdictTable() -> String {
        guard !item.verdicts.isEmpty else {
            return "<p class=\"t-error\">No verdicts: nothing was checked.</p>\n"
        }
        var html = "<h3>Verdicts</h3>\n<table class=\"verdicts\">\n"
        html += "<tr><th>Requirement</th><th>Outcome</th><th>Expected (all must hold)</th><th>Observed</th><th>Evidence</th></tr>\n"
        for (index, verdict) in item.verdicts.enumerated() {
            html += "<tr id=\"\(anchor)-v-\(index)\"><td><code>\(HTMLText.escape(verdict.requirement.rawValue))</code>\(requirementNote(verdict.requirement))</td>"
            html += "<td><span class=\"badge o-\(verdict.outcome.rawValue)\">\(VerdictText.label(verdict.outcome))</span></td>"
            html += "<td>\(expected(verdict.expected))</td>"
            html += "<td><pre>\(HTMLText.escape(verdict.observed))</pre></td>"
            html += "<td>" + verdict.evidence.map { "<a href=\"#\(anchor)-ev-\($0)\">#\($0)</a>" }.joined(separator: " ") + "</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private func diagram() -> String {
        guard !item.transcript.isEmpty else { return "" }
        return "<h3>Sequence</h3>\n" + HTMLSequenceDiagram(item: item, anchor: anchor, eventLimit: diagramLimit).render()
    }

    /// Level, statement and source from the catalogue, when one was given.
    private func requirementNote(_ id: RequirementID) -> String {
        guard !catalogue.isEmpty else { return "" }
        guard let requirement = catalogue[id] else {
            return "<div class=\"req\">not in the requirement catalogue</div>"
        }
        return "<div class=\"req\"><strong>\(requirement.level.rawValue)</strong> \(HTMLText.escape(requirement.statement))"
            + " <em>(\(HTMLText.escape(requirement.source)))</em></div>"
    }

    /// The verdict's conditions, every one of which must hold.
    private func expected(_ conditions: [String]) -> String {
        guard !conditions.isEmpty else { return "<em>(not stated)</em>" }
        return "<ul class=\"expected\">" + conditions.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ul>"
    }

    private func deviceOutcome() -> String {
        guard !item.deviceOutcome.isEmpty else { return "" }
        var html = "<h3>Device outcome</h3>\n<table>\n"
        for key in item.deviceOutcome.keys.sorted() {
            html += "<tr><th><code>\(HTMLText.escape(key))</code></th><td>\(HTMLText.escape(item.deviceOutcome[key] ?? ""))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// An external device: its command, end, report and the end of its output.
    private func deviceRun() -> String {
        guard let device = item.device, device.command != nil || device.settings != nil else { return "" }
        let lines = DeviceRunText.lines(device)
        return "<details>\n<summary>External device: \(HTMLText.escape(device.end ?? device.kind))</summary>\n<pre>"
            + lines.map(HTMLText.escape).joined(separator: "\n") + "</pre>\n</details>\n"
    }

    private func log() -> String {
        guard !item.log.isEmpty else { return "" }
        return "<details>\n<summary>Harness log (\(VerdictText.counted(item.log.count, "line")))</summary>\n<pre>"
            + item.log.map(HTMLText.escape).joined(separator: "\n") + "</pre>\n</details>\n"
    }

    private func transcript() -> String {
        guard !item.transcript.isEmpty else { return "<p class=\"meta\">No wire events were recorded.</p>\n" }
        var html = "<details>\n<summary>Wire transcript (\(VerdictText.counted(item.transcript.count, "event")))</summary>\n"
        html += "<table class=\"transcript\">\n<tr><th>#</th><th>Time (UTC)</th><th>Connection</th><th>Direction</th>"
        html += "<th>Kind</th><th>Summary</th><th>Payload</th></tr>\n"
        let start = item.transcript.first?.time
        for event in item.transcript {
            html += "<tr id=\"\(anchor)-ev-\(event.sequence)\"><td class=\"num\">\(event.sequence)</td>"
            html += "<td class=\"mono\">\(ReportTimestamp.timeOfDay(event.time))<br>\(HTMLText.escape(TranscriptLine.offset(event, start: start)))</td>"
            html += "<td><code>\(HTMLText.escape(event.connection))</code> \(event.transport.rawValue)</td>"
            html += "<td>\(HTMLText.escape(TranscriptLine.words(event.direction)))</td>"
            html += "<td><code>\(HTMLText.escape(event.label))</code></td>"
            html += "<td>\(HTMLText.escape(event.summary))\(details(of: event))</td>"
            html += "<td>\(payload(of: event))</td></tr>\n"
        }
        return html + "</table>\n</details>\n"
    }

    private func details(of event: WireEvent) -> String {
        var parts: [String] = []
        if let topic = event.target { parts.append("<code>\(HTMLText.escape(topic))</code>") }
        if let status = event.status { parts.append("status \(status)") }
        return parts.isEmpty ? "" : "<div class=\"req\">" + parts.joined(separator: " · ") + "</div>"
    }

    private func payload(of event: WireEvent) -> String {
        var html = ""
        if let text = event.payloadText, !text.isEmpty {
            html += "<pre>\(HTMLText.escape(VerdictText.truncated(text, limit: payloadLimit)))</pre>"
        }
        if !event.raw.isEmpty {
            html += "<div class=\"req\">\(VerdictText.counted(event.raw.count, "raw byte")) (in report.json)</div>"
        }
        return html
    }
}
