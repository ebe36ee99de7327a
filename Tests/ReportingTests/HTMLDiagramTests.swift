import DPSCore
import Foundation
import Testing
import Verdicts
@testable import Reporting

@Suite("HTML report: filters, sequence diagrams, scale")
struct HTMLDiagramTests {
    let html = HTMLReport.render(Fixture.mixedRun)

    /// The part of `page` from the section of `anchor` up to the next case section (or the page's script).
    static func section(_ anchor: String, in page: String) -> Substring {
        guard let start = page.range(of: "<section class=\"case\" id=\"\(anchor)\"") else { return "" }
        let rest = page[start.upperBound...]
        let end = rest.range(of: "<section class=\"case\"")?.lowerBound ?? rest.range(of: "<script>\n")?.lowerBound ?? rest.endIndex
        return page[start.lowerBound..<end]
    }

    @Test func filterControlsAreHiddenUntilTheScriptRuns() {
        #expect(html.contains("<section id=\"filters\" class=\"filters\" role=\"search\" hidden>"))
        #expect(html.contains("<option value=\"\">all (6)</option><option value=\"pass\">PASS (1)</option><option value=\"fail\">FAIL (1)</option>"))
        #expect(html.contains("<option value=\"https/x509\">https/x509 (2)</option>"))
        #expect(html.contains("<datalist id=\"f-reqs\"><option value=\"DPS-AUTH-X509-003\">"))
        #expect(html.contains("panel.hidden = false;"))
        #expect(!HTMLReport.render(Fixture.emptyRun).contains("id=\"filters\""))
    }

    @Test func everyCaseCarriesItsFilterData() {
        #expect(html.components(separatedBy: "<section class=\"case\" id=").count - 1 == 6)
        #expect(html.components(separatedBy: " data-outcome=\"").count - 1 == 12)
        #expect(html.contains("<section class=\"case\" id=\"case-5\" data-outcome=\"warn\" data-suite=\"mqtt/symmetric-key\""
                              + " data-reqs=\"DPS-MQTT-KEEPALIVE-002 DPS-MQTT-SUB-001\">"))
    }

    @Test func brokenRequirementsAreListedAtTheTop() {
        #expect(html.contains("<h2>Requirements not met</h2>"))
        #expect(html.contains("<li><code class=\"pick\" data-pick=\"DPS-FLOW-RETRY-001\">DPS-FLOW-RETRY-001</code> 1 case</li>"))
        #expect(html.contains("data-pick=\"DPS-HTTP-TLS-001\""))
        #expect(!HTMLReport.render(Fixture.passingRun).contains("Requirements not met"))
    }

    @Test func diagramHasLifelinesArrowsAndNotes() {
        let failing = Self.section("case-1", in: html)
        #expect(failing.contains("<h3>Sequence</h3>\n<div class=\"seqwrap\"><svg class=\"seq\" role=\"img\" width=\"980\" height=\"144\" viewBox=\"0 0 980 144\">"))
        for name in ["device", "TLS", "fake DPS"] {
            #expect(failing.contains(">\(name)</text>"), "\(name)")
        }
        // #0 CONNECT device -> fake; #1 CONNACK fake -> device; #3 the close, a note on the fake's line.
        #expect(failing.contains("<path class=\"arr\" d=\"M150 62H550m-7 -4 7 4-7 4\"/><text class=\"l\" x=\"350\" y=\"58\">CONNECT</text>"))
        #expect(failing.contains("<path class=\"arr\" d=\"M550 84H150m7 -4-7 4 7 4\"/><text class=\"l\" x=\"350\" y=\"80\">CONNACK rc=0</text>"))
        #expect(failing.contains("<rect class=\"note n-close\""))
        #expect(failing.contains("CLOSE: closed: error: connection closed\\nby peer</text>"))
        #expect(failing.contains("<text class=\"t\" x=\"4\" y=\"80\">#1 +0.250 s</text>"))
        #expect(!Self.section("case-2", in: html).contains("<svg"), "a case without events has no diagram")
    }

    @Test func evidenceOfABrokenRuleIsHighlightedWithItsID() {
        let failing = Self.section("case-1", in: html)
        #expect(failing.contains("<g class=\"ev h h-fail\" id=\"case-1-sq-3\"><a href=\"#case-1-ev-3\">"))
        #expect(failing.contains("<a href=\"#case-1-v-1\"><text class=\"rq\" x=\"770\" y=\"128\">DPS-FLOW-RETRY-001</text></a>"))
        #expect(failing.contains("<tr id=\"case-1-v-1\">"))
        #expect(failing.contains("<g class=\"ev\" id=\"case-1-sq-0\">"), "events no verdict names are drawn plainly")
        #expect(!failing.contains("case-1-v-0\"><text"), "a passing verdict highlights nothing")
    }

    @Test func arrowsSayWhatTheExchangeCarries() {
        let events = SyntheticRun.events(registration: "dev", polls: 2, start: Fixture.start)
        let labels = events.map(HTMLSequenceDiagram.arrowLabel)
        #expect(labels[0] == "certificate 0 CN=dev")
        #expect(labels[5] == "PUBLISH register $rid=1")
        #expect(labels[7] == "PUBLISH 202 assigning retry-after=3 $rid=1")
        #expect(labels[11] == "PUBLISH 200 assigned $rid=3")
        let https = WireEvent(time: Fixture.start, connection: "https#1", transport: .https, direction: .toDevice,
                              content: .httpResponse(HTTPResponseRecord(status: 429, reason: "Too Many Requests", headers: [("Retry-After", "5")], body: [])),
                              exchange: .response(to: .poll, requestID: "https#1/2", status: 429, retryAfter: "5", body: []))
        #expect(HTMLSequenceDiagram.arrowLabel(https) == "HTTP 429 retry-after=5 $rid=https#1/2")
        var uuid = events[5]
        uuid.exchange?.requestID = "8b631e14-b1f4-4c13-99be-3a45bdb10f32"
        #expect(HTMLSequenceDiagram.arrowLabel(uuid) == "PUBLISH register $rid=8b631e14-b1f…")
        #expect(HTMLSequenceDiagram.tooltip(uuid).hasSuffix(" · $rid=8b631e14-b1f4-4c13-99be-3a45bdb10f32"))
        // A TLS event runs between the device and the TLS line.
        let page = HTMLReport.render(RunResult(name: "tls", startedAt: Fixture.start, wallSeconds: 1, cases: [SyntheticRun.item(0, polls: 1)]))
        #expect(page.contains("<path class=\"arr\" d=\"M150 62H350m-7 -4 7 4-7 4\"/><text class=\"l\" x=\"250\" y=\"58\">certificate 0 CN=device-0</text>"))
    }

    @Test func diagramIsBoundedButKeepsTheEvidence() {
        var item = SyntheticRun.item(3, polls: 120)
        #expect(item.transcript.count == 251)
        item.verdicts = [Verdict(requirement: .dpsFlowRetry001, outcome: .fail, expected: ["x"], observed: "y", evidence: [240])]
        let page = HTMLReport.render(RunResult(name: "long", startedAt: Fixture.start, wallSeconds: 1, cases: [item]), diagramLimit: 200)
        let svg = Self.section("case-0", in: page)
        #expect(svg.components(separatedBy: "<g class=\"ev").count - 1 == 201)
        #expect(svg.contains("⋯ 40 events not drawn ⋯"))
        #expect(svg.contains("⋯ 10 events not drawn ⋯"))
        #expect(svg.contains("id=\"case-0-sq-240\""))
        #expect(!svg.contains("id=\"case-0-sq-239\""))
        #expect(svg.contains("Diagram shows 201 of 251 events (the first 200 and every evidence event); 50 more are in the transcript below and in report.json."))
    }

    @Test func diagramTextIsEscaped() {
        let item = CaseResult(id: "x", title: "x", suite: "s",
                              verdicts: [Verdict(requirement: RequirementID(reported: "<b>&\"ID"), outcome: .fail, expected: [], observed: "", evidence: [0])],
                              transcript: [WireEvent.note(.info("</svg><script>alert(1)</script>" + Fixture.hostileText), time: Fixture.start,
                                                          connection: "c", transport: .mqtt)])
        let page = HTMLReport.render(RunResult(name: "x", startedAt: Fixture.start, wallSeconds: 0, cases: [item]))
        let section = Self.section("case-0", in: page)
        #expect(!section.contains("<script"))
        #expect(!section.contains("</svg><"))
        #expect(section.contains("&lt;/svg&gt;&lt;script&gt;"))
        #expect(section.contains(">&lt;b&gt;&amp;&quot;ID</text></a>"))
        #expect(!Fixture.hasForbiddenXMLCharacter(page))
    }

    /// A thousand cases of about twenty events each stay a page a browser opens: measured at
    /// about 14.8 MB (docs/reports.md); the bound leaves room, and no time is asserted here.
    @Test func thousandCasesStayUnderTheSizeBound() throws {
        let run = SyntheticRun.run(cases: 1000)
        #expect(run.cases.reduce(0) { $0 + $1.transcript.count } > 17_000)
        let page = HTMLReport.render(run)
        let bytes = page.utf8.count
        print("HTML report of 1000 synthetic cases: \(bytes) bytes")
        #expect(bytes < 25_000_000)
        #expect(page.components(separatedBy: "<svg class=\"seq\"").count - 1 == 1000 - SyntheticRun.count(.skip, of: 1000))
        #expect(page.contains("<option value=\"fail\">FAIL (\(SyntheticRun.count(.fail, of: 1000)))</option>"))
    }
}
