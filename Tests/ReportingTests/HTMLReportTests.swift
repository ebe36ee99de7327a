import DPSCore
import Foundation
import Testing
import Verdicts
@testable import Reporting

@Suite("HTML report")
struct HTMLReportTests {
    static let scripted = CaseResult(
        id: "mqtt/injection", title: "<script>alert(1)</script>", suite: "mqtt",
        verdicts: [Verdict(requirement: RequirementID(reported: "DPS-ID-001"), outcome: .fail, expected: ["<SCRIPT src=x>"],
                           observed: "<script>document.write('x')</script>")],
        transcript: [WireEvent(time: Fixture.start, connection: "<script>", transport: .mqtt, direction: .toService,
                               content: .mqtt(.publish(MQTTPublishRecord(topic: "<Script>", qos: 0, duplicate: false, retain: false, packetID: nil,
                                                                         payload: Array((String(repeating: "a", count: 5000) + "<script>").utf8)))))])

    let html = HTMLReport.render(RunResult(name: "<script>x</script>", startedAt: Fixture.start, wallSeconds: 1,
                                           cases: Fixture.mixedRun.cases + [scripted],
                                           properties: Fixture.mixedRun.properties))

    @Test func deviceTextIsEscapedNeverMarkup() {
        // The page's one script is its own filter script, at the end; device text adds none.
        let ownScript = "<script>\n\(HTMLFilters.script)\n</script>\n</body>\n</html>\n"
        #expect(html.hasSuffix(ownScript))
        #expect(html.dropLast(ownScript.count).range(of: "<script", options: .caseInsensitive) == nil)
        #expect(!HTMLFilters.script.lowercased().contains("</script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("<title>dpsconform: &lt;script&gt;x&lt;/script&gt;</title>"))
        #expect(html.contains("PUBLISH qos=1 id=2 $dps/registrations/PUT/iotdps-register/?$rid=1&amp;x=&lt;y&gt;&amp;&lt;b&gt;Tom &amp; &quot;Jerry&quot; &#39;x&#39;&lt;/b&gt; Grüße 日本 🚀 [31mend"))
        #expect(html.contains("operationId &quot;abc&quot; &amp; &lt;none&gt;"))
        #expect(html.contains("mqtts://localhost:8883?a=1&amp;b=&lt;2&gt;"))
        #expect(!Fixture.hasForbiddenXMLCharacter(html))
    }

    @Test func pageIsSelfContained() {
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.contains("<meta charset=\"utf-8\">"))
        #expect(html.contains("<style>"))
        for external in ["<link", "src=\"", "url(", "@import", "http://", "https://"] {
            #expect(!html.contains(external), "\(external)")
        }
        let hrefs = html.components(separatedBy: "href=\"").dropFirst()
        #expect(!hrefs.isEmpty)
        #expect(hrefs.allSatisfy { $0.hasPrefix("#") })
    }

    @Test func headerHasBannerAndCounts() {
        #expect(html.contains("<div class=\"banner fail\">FAIL</div>"))
        #expect(html.contains("<li><span class=\"badge o-fail\">FAIL</span> 2</li>"))
        #expect(html.contains("<li><span class=\"badge o-xfail\">XFAIL</span> 1</li>"))
        #expect(html.contains("Started 2026-01-01 00:00:00 UTC"))
        let green = HTMLReport.render(Fixture.passingRun)
        #expect(green.contains("<div class=\"banner pass\">PASS</div>"))
    }

    @Test func caseTableRowsLinkToSections() {
        #expect(html.contains("<tr data-outcome=\"fail\" data-suite=\"mqtt/symmetric-key\" data-reqs=\"DPS-MQTT-SUB-001 DPS-FLOW-RETRY-001 DPS-FLOW-POLL-002\">"
                              + "<td><a href=\"#case-1\"><code>mqtt/symmetric-key/retry-after</code></a></td><td>Honour retry-after</td>"
                              + "<td><span class=\"badge o-fail\">FAIL</span></td><td class=\"num\">1.250 s</td><td class=\"num\">3.500 s</td>"
                              + "<td><code>DPS-FLOW-RETRY-001</code>, <code>DPS-FLOW-POLL-002</code></td></tr>"))
        #expect(html.contains("<section class=\"case\" id=\"case-1\" data-outcome=\"fail\" data-suite=\"mqtt/symmetric-key\""
                              + " data-reqs=\"DPS-MQTT-SUB-001 DPS-FLOW-RETRY-001 DPS-FLOW-POLL-002\">"))
    }

    @Test func verdictTableShowsExpectedAndObserved() {
        #expect(html.contains("<tr id=\"case-1-v-1\"><td><code>DPS-FLOW-RETRY-001</code></td><td><span class=\"badge o-fail\">FAIL</span></td>"
                              + "<td><ul class=\"expected\"><li>poll after &gt;= 3 s</li><li>poll after &gt;= retry-after, capped</li></ul></td>"
                              + "<td><pre>polled after 0.2 s</pre></td>"
                              + "<td><a href=\"#case-1-ev-3\">#3</a> <a href=\"#case-1-ev-4\">#4</a></td></tr>"))
    }

    @Test func transcriptIsCollapsedWithItsColumns() {
        #expect(html.contains("<details>\n<summary>Wire transcript (4 events)</summary>"))
        #expect(html.contains("<tr id=\"case-1-ev-1\"><td class=\"num\">1</td><td class=\"mono\">00:00:00.250<br>+0.250 s</td>"
                              + "<td><code>mqtt#1</code> mqtt</td><td>service → device</td><td><code>CONNACK</code></td>"
                              + "<td>CONNACK rc=0 sessionPresent=0<div class=\"req\">status 0</div></td><td></td></tr>"))
        #expect(html.contains("5 raw bytes (in report.json)"))
    }

    @Test func longPayloadsAreCut() {
        #expect(html.contains("<pre>" + String(repeating: "a", count: 2000) + "… (3008 more characters)</pre>"))
        #expect(!html.contains(String(repeating: "a", count: 2001)))
    }

    @Test func catalogueAddsStatementLevelAndSource() {
        let catalogue = [
            Requirement(id: .dpsFlowRetry001, level: .must, statement: "Wait at least retry-after <seconds>",
                        source: "Microsoft Learn iot-dps-mqtt-support"),
        ]
        let page = HTMLReport.render(Fixture.mixedRun, requirements: catalogue)
        #expect(page.contains("<code>DPS-FLOW-RETRY-001</code><div class=\"req\"><strong>MUST</strong> "
                              + "Wait at least retry-after &lt;seconds&gt; <em>(Microsoft Learn iot-dps-mqtt-support)</em></div>"))
        #expect(page.contains("<code>DPS-FLOW-POLL-002</code><div class=\"req\">not in the requirement catalogue</div>"))
        #expect(!HTMLReport.render(Fixture.mixedRun).contains("not in the requirement catalogue"))
    }

    @Test func emptyRunSaysSo() {
        let page = HTMLReport.render(Fixture.emptyRun)
        #expect(page.contains("<p>This run has no cases.</p>"))
        #expect(page.contains("<div class=\"banner pass\">PASS</div>"))
        #expect(page.hasSuffix("</body>\n</html>\n"))
    }
}
