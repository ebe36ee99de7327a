import DPSCore
import Foundation
import Verdicts

/// One self-contained HTML page for people: a PASS/FAIL banner, counts, filters, a table of
/// cases, and per case its verdicts, a sequence diagram (inline SVG) and its wire transcript.
/// Inline CSS and one small inline script (the filters; without it every case shows), nothing
/// loaded from anywhere; every piece of text is escaped, so device bytes cannot inject markup.
public enum HTMLReport {
    /// Events drawn per case in the sequence diagram, unless told otherwise.
    public static let defaultDiagramLimit = 200

    /// The page for `run`. `requirements` (the catalogue) adds each requirement's level, statement
    /// and source next to its ID; payloads longer than `payloadLimit` characters are cut; each
    /// sequence diagram draws at most `diagramLimit` events (and the evidence events after them).
    public static func render(_ run: RunResult, requirements: [Requirement] = [], payloadLimit: Int = 2000,
                              diagramLimit: Int = defaultDiagramLimit) -> String {
        var catalogue: [RequirementID: Requirement] = [:]
        for requirement in requirements where catalogue[requirement.id] == nil {
            catalogue[requirement.id] = requirement
        }
        let summary = RunSummary(run)
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLText.escape("dpsconform: " + run.name))</title>
        <style>
        \(HTMLStyle.css)
        </style>
        </head>
        <body>

        """
        html += header(run, summary)
        html += brokenRequirements(run)
        html += properties(run)
        html += HTMLFilters.controls(run, summary)
        html += caseTable(run)
        for (index, item) in run.cases.enumerated() {
            html += HTMLCaseSection(item: item, anchor: "case-\(index)", catalogue: catalogue,
                                    payloadLimit: payloadLimit, diagramLimit: diagramLimit).render()
        }
        html += "<script>\n\(HTMLFilters.script)\n</script>\n"
        html += "</body>\n</html>\n"
        return html
    }

    private static func header(_ run: RunResult, _ summary: RunSummary) -> String {
        let verdict = summary.failed ? "FAIL" : "PASS"
        var html = "<header>\n<h1>\(HTMLText.escape(run.name))</h1>\n"
        html += "<p class=\"meta\">Started \(HTMLText.escape(ReportTimestamp.readable(run.startedAt)))"
        html += " · wall time \(SecondsText.fixed(run.wallSeconds)) s · \(VerdictText.counted(summary.total, "case")) · exit code \(summary.exitCode)</p>\n"
        html += "<div class=\"banner \(verdict.lowercased())\">\(verdict)</div>\n"
        if let interrupted = summary.interrupted {
            html += "<p class=\"meta\"><strong>Interrupted:</strong> \(HTMLText.escape(interrupted)). Only the cases that finished are reported.</p>\n"
        }
        html += "<ul class=\"counts\">\n"
        for outcome in VerdictOutcome.allCases {
            html += "<li><span class=\"badge o-\(outcome.rawValue)\">\(VerdictText.label(outcome))</span> \(summary.count(outcome))</li>\n"
        }
        html += "</ul>\n</header>\n"
        return html
    }

    /// Requirements that failed or could not be checked, each with the number of cases; with the
    /// script, clicking one filters the cases by it.
    private static func brokenRequirements(_ run: RunResult) -> String {
        var cases: [String: Int] = [:]
        for item in run.cases {
            for id in Set(item.verdicts.filter { $0.outcome.failsRun }.map(\.requirement.rawValue)) {
                cases[id, default: 0] += 1
            }
        }
        guard !cases.isEmpty else { return "" }
        let items = cases.keys.sorted().map { id in
            "<li><code class=\"pick\" data-pick=\"\(HTMLText.escape(id))\">\(HTMLText.escape(id))</code> \(VerdictText.counted(cases[id] ?? 0, "case"))</li>"
        }
        return "<section>\n<h2>Requirements not met</h2>\n<ul class=\"counts\">\n" + items.joined(separator: "\n") + "\n</ul>\n</section>\n"
    }

    private static func properties(_ run: RunResult) -> String {
        guard !run.properties.isEmpty else { return "" }
        var html = "<section>\n<h2>Run properties</h2>\n<table>\n<tr><th>Property</th><th>Value</th></tr>\n"
        for key in run.properties.keys.sorted() {
            html += "<tr><td><code>\(HTMLText.escape(key))</code></td><td>\(HTMLText.escape(run.properties[key] ?? ""))</td></tr>\n"
        }
        return html + "</table>\n</section>\n"
    }

    private static func caseTable(_ run: RunResult) -> String {
        var html = "<section>\n<h2>Cases</h2>\n"
        guard !run.cases.isEmpty else { return html + "<p>This run has no cases.</p>\n</section>\n" }
        html += "<table class=\"cases\">\n<tr><th>Case</th><th>Title</th><th>Outcome</th>"
        html += "<th>Wall time</th><th>Clock time</th><th>Deciding requirements</th></tr>\n"
        for (index, item) in run.cases.enumerated() {
            let outcome = item.outcome
            html += "<tr \(HTMLCaseSection.filterAttributes(item))><td><a href=\"#case-\(index)\"><code>\(HTMLText.escape(item.id))</code></a></td>"
            html += "<td>\(HTMLText.escape(item.title))</td>"
            html += "<td><span class=\"badge o-\(outcome.rawValue)\">\(VerdictText.label(outcome))</span></td>"
            html += "<td class=\"num\">\(SecondsText.fixed(item.wallSeconds)) s</td>"
            html += "<td class=\"num\">\(SecondsText.fixed(item.clockSeconds)) s</td>"
            html += "<td>" + VerdictText.decidingRequirements(item).map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: ", ")
            html += "</td></tr>\n"
        }
        return html + "</table>\n</section>\n"
    }
}
