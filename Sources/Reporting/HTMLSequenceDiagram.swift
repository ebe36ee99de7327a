import DPSCore
import Foundation
import Verdicts

/// A case's exchange as a sequence diagram in inline SVG, made here rather than in the browser:
/// three lifelines (device, TLS, fake DPS), one arrow per wire event in transcript order, notes as
/// boxes on the lifeline of the side that noted them, and the events a non-passing verdict names
/// as evidence drawn in the verdict's colour with its requirement ID beside them, linking to the
/// verdict row. Every piece of text goes through `HTMLText.escape`; no `url(...)`, no script.
struct HTMLSequenceDiagram {
    var item: CaseResult
    /// The case section's element id; verdict rows are `<anchor>-v-<index>`, transcript rows `<anchor>-ev-<sequence>`.
    var anchor: String
    /// At most this many events are drawn in order; events named as evidence after them are drawn
    /// too, with a gap row for what was left out.
    var eventLimit: Int

    static let rowHeight = 22
    static let top = 44
    static let device = 150
    static let tls = 350
    static let fake = 550
    static let requirementColumn = 770
    static let width = 980
    /// Characters of label text shown on an arrow or in a note box (the transcript table has the rest).
    static let labelLimit = 62
    static let noteLimit = 48

    /// The SVG element and, when events were left out, a line saying how many.
    func render() -> String {
        guard !item.transcript.isEmpty else { return "" }
        let marks = highlights()
        var rows: [Row] = []
        var skipped = 0
        var totalSkipped = 0
        for (index, event) in item.transcript.enumerated() {
            if index >= eventLimit && marks[event.sequence] == nil {
                skipped += 1
                totalSkipped += 1
                continue
            }
            if skipped > 0 {
                rows.append(.gap(skipped))
                skipped = 0
            }
            rows.append(.event(event))
        }
        if skipped > 0 { rows.append(.gap(skipped)) }

        let height = Self.top + rows.count * Self.rowHeight + 12
        var svg = "<svg class=\"seq\" role=\"img\" width=\"\(Self.width)\" height=\"\(height)\" viewBox=\"0 0 \(Self.width) \(height)\">"
        svg += "<title>Sequence of \(HTMLText.escape(item.id))</title>"
        svg += lifelines(bottom: height - 6)
        let start = item.transcript.first?.time
        for (row, content) in rows.enumerated() {
            let y = Self.top + row * Self.rowHeight + 14
            switch content {
            case .gap(let count):
                svg += "<text class=\"gap\" x=\"\(Self.tls)\" y=\"\(y)\">⋯ \(VerdictText.counted(count, "event")) not drawn ⋯</text>"
            case .event(let event):
                svg += draw(event, y: y, start: start, mark: marks[event.sequence])
            }
        }
        svg += "</svg>\n"
        var html = "<div class=\"seqwrap\">" + svg + "</div>\n"
        if totalSkipped > 0 {
            html += "<p class=\"meta\">Diagram shows \(item.transcript.count - totalSkipped) of \(VerdictText.counted(item.transcript.count, "event"))"
                + " (the first \(eventLimit) and every evidence event); \(totalSkipped) more are in the transcript below and in report.json.</p>\n"
        }
        return html
    }

    private enum Row {
        case event(WireEvent)
        case gap(Int)
    }

    /// A highlighted event: the most severe outcome of the verdicts naming it, and those verdicts.
    struct Mark {
        var outcome: VerdictOutcome
        var verdicts: [(index: Int, requirement: RequirementID)]
    }

    /// Evidence of the verdicts that did not pass (fail, error, warn, xfail), by sequence number.
    func highlights() -> [Int: Mark] {
        var marks: [Int: Mark] = [:]
        for (index, verdict) in item.verdicts.enumerated() where verdict.outcome != .pass && verdict.outcome != .skip {
            for sequence in Set(verdict.evidence) {
                var mark = marks[sequence] ?? Mark(outcome: verdict.outcome, verdicts: [])
                if verdict.outcome > mark.outcome { mark.outcome = verdict.outcome }
                mark.verdicts.append((index, verdict.requirement))
                marks[sequence] = mark
            }
        }
        return marks
    }

    private func lifelines(bottom: Int) -> String {
        var svg = ""
        for (x, name) in [(Self.device, "device"), (Self.tls, "TLS"), (Self.fake, "fake DPS")] {
            svg += "<line class=\"life\" x1=\"\(x)\" y1=\"30\" x2=\"\(x)\" y2=\"\(bottom)\"/>"
            svg += "<rect class=\"head\" x=\"\(x - 45)\" y=\"6\" width=\"90\" height=\"24\" rx=\"4\"/>"
            svg += "<text class=\"headt\" x=\"\(x)\" y=\"22\">\(name)</text>"
        }
        return svg
    }

    /// Which lifelines an event joins: TLS events run between the device and the TLS line; notes
    /// sit on the side that made them (the device's waits and closes, TLS facts, the rest the fake's).
    private func ends(_ event: WireEvent) -> (from: Int, to: Int)? {
        let service = event.transport == .tls ? Self.tls : Self.fake
        switch event.direction {
        case .toService: return (Self.device, service)
        case .toDevice: return (service, Self.device)
        case .local: return nil
        }
    }

    private func noteLine(_ event: WireEvent) -> Int {
        if event.transport == .tls { return Self.tls }
        switch event.note {
        case .timedOut?, .abandoned?, .closed(.byDevice)?: return Self.device
        default: return Self.fake
        }
    }

    private func draw(_ event: WireEvent, y: Int, start: Date?, mark: Mark?) -> String {
        let sequence = event.sequence
        let markClass = mark.map { " h h-\($0.outcome.rawValue)" } ?? ""
        var svg = "<g class=\"ev\(markClass)\" id=\"\(anchor)-sq-\(sequence)\"><a href=\"#\(anchor)-ev-\(sequence)\">"
        svg += "<text class=\"t\" x=\"4\" y=\"\(y)\">#\(sequence) \(HTMLText.escape(TranscriptLine.offset(event, start: start)))</text>"
        if let line = ends(event) {
            let (from, to) = (line.from, line.to)
            let label = HTMLText.escape(Self.clip(Self.arrowLabel(event), Self.labelLimit))
            let head = to > from ? "m-7 -4 7 4-7 4" : "m7 -4-7 4 7 4"
            svg += "<path class=\"arr\" d=\"M\(from) \(y + 4)H\(to)\(head)\"/>"
            svg += "<text class=\"l\" x=\"\((from + to) / 2)\" y=\"\(y)\">\(label)</text>"
        } else {
            let text = Self.clip(VerdictText.flatten(event.label + ": " + event.summary), Self.noteLimit)
            let width = text.count * 7 + 12
            let x = noteLine(event)
            svg += "<rect class=\"note n-\(HTMLText.escape(event.label.lowercased()))\" x=\"\(x - width / 2)\" y=\"\(y - 12)\" width=\"\(width)\" height=\"18\"/>"
            svg += "<text class=\"nt\" x=\"\(x)\" y=\"\(y + 1)\">\(HTMLText.escape(text))</text>"
        }
        svg += "<title>\(HTMLText.escape(Self.tooltip(event)))</title></a>"
        if let mark {
            var x = Self.requirementColumn
            for (index, requirement) in mark.verdicts {
                let id = HTMLText.escape(requirement.rawValue)
                svg += "<a href=\"#\(anchor)-v-\(index)\"><text class=\"rq\" x=\"\(x)\" y=\"\(y + 4)\">\(id)</text></a>"
                x += requirement.rawValue.count * 7 + 10
            }
        }
        return svg + "</g>"
    }

    /// At most `limit` characters, the last an ellipsis when the text was cut.
    static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(limit - 1, 0))) + "…"
    }

    /// What an arrow says: the packet kind or HTTP method or status, then the DPS exchange it
    /// carries: a request's kind and `$rid`, a response's status, registration state, retry-after
    /// and `$rid`. A long `$rid` (a UUID) is shortened here; the tooltip has it whole.
    static func arrowLabel(_ event: WireEvent) -> String {
        var parts: [String] = []
        switch event.content {
        case .mqtt(.connAck(let code, _)): parts.append("CONNACK rc=\(code)")
        case .mqtt(.subAck(_, let codes)): parts.append("SUBACK " + codes.map(String.init).joined(separator: ","))
        case .mqtt(let packet): parts.append(packet.kind.rawValue)
        case .httpRequest(let request): parts.append(request.method)
        case .httpResponse(let response): parts.append("HTTP \(response.status)")
        case .certificate(let certificate): parts.append("certificate \(certificate.index) CN=\(certificate.subjectCommonName ?? "?")")
        case .note: parts.append(event.label)
        }
        if let exchange = event.exchange {
            switch exchange.role {
            case .request:
                if let kind = exchange.kind { parts.append(kind.rawValue) }
            case .response:
                if let status = exchange.status, event.httpResponse == nil { parts.append("\(status)") }
                if let state = exchange.registrationState { parts.append(state) }
                if let retryAfter = exchange.retryAfter { parts.append("retry-after=\(retryAfter)") }
            }
            parts.append("$rid=" + clip(exchange.requestID, 13))
            if exchange.duplicate { parts.append("dup") }
        }
        return VerdictText.flatten(parts.joined(separator: " "))
    }

    /// The tooltip: the event's one-line summary and the exchange's whole `$rid`.
    static func tooltip(_ event: WireEvent) -> String {
        let rid = event.exchange.map { " · $rid=\($0.requestID)" } ?? ""
        return clip(VerdictText.flatten(event.summary + rid), 360)
    }
}
