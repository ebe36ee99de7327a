import DPSCore
import Foundation
import Testing
import Verdicts
@testable import Reporting

@Suite("JUnit XML report")
struct JUnitReportTests {
    let root: ParsedElement
    let text: String

    init() throws {
        text = JUnitReport.render(Fixture.mixedRun)
        root = try ParsedElement.parse(text)
    }

    private func testcase(_ id: String) throws -> ParsedElement {
        try #require(root.descendants.first { $0.name == "testcase" && $0.attributes["name"] == id })
    }

    @Test(arguments: ["<a>\u{1}</a>", "<a><b></a>", "<a b=\"<\"/>", "<a>&bogus;</a>", "<a>\u{FFFE}</a>"])
    func parserUsedByTheseTestsRejectsBrokenXML(text: String) {
        #expect(throws: ParsedElement.ParseFailure.self) { try ParsedElement.parse(text) }
    }

    @Test func startsWithTheXMLDeclaration() {
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "))
    }

    @Test func rootCountsEveryOutcome() {
        #expect(root.name == "testsuites")
        #expect(root.attributes["name"] == "nightly <conformance> & \"more\"")
        #expect(root.attributes["tests"] == "6")
        #expect(root.attributes["failures"] == "1")
        #expect(root.attributes["errors"] == "1")
        #expect(root.attributes["skipped"] == "1")
        #expect(root.attributes["time"] == "4.500")
    }

    @Test func oneSuitePerSuiteValueInOrderOfFirstAppearance() throws {
        let suites = root.all("testsuite")
        #expect(suites.map { $0.attributes["name"] } == ["mqtt/symmetric-key", "https/x509", "mqtt/mutant"])
        #expect(suites.map { $0.attributes["tests"] } == ["3", "2", "1"])
        #expect(suites.map { $0.attributes["failures"] } == ["1", "0", "0"])
        #expect(suites.map { $0.attributes["errors"] } == ["0", "1", "0"])
        #expect(suites.map { $0.attributes["skipped"] } == ["0", "1", "0"])
        #expect(suites.map { $0.attributes["time"] } == ["3.660", "0.000", "0.100"])
        #expect(suites.map { $0.attributes["timestamp"] } == Array(repeating: "2026-01-01T00:00:00", count: 3))
        #expect(suites.map { $0.attributes["hostname"] } == Array(repeating: "localhost", count: 3))
    }

    @Test func propertiesAreListedSortedWithTheirValuesIntact() throws {
        let suite = try #require(root.first("testsuite"))
        let properties = try #require(suite.first("properties")).all("property")
        // target, device and transport are always listed (empty when the run has none); seed only when given.
        #expect(properties.map { $0.attributes["name"] } == ["device", "endpoint", "seed", "target", "tool", "transport"])
        #expect(properties.map { $0.attributes["value"] } == ["", "mqtts://localhost:8883?a=1&b=<2>", "42", "", "dpsconform 0.1", ""])
    }

    @Test func testcaseCarriesNameClassnameAndTime() throws {
        let item = try testcase("mqtt/symmetric-key/retry-after")
        #expect(item.attributes["classname"] == "mqtt/symmetric-key")
        #expect(item.attributes["time"] == "1.250")
        #expect(try testcase("https/x509/leaf").attributes["time"] == "0.000")
    }

    @Test func oneFailurePerFailingRequirement() throws {
        let failures = try testcase("mqtt/symmetric-key/retry-after").all("failure")
        #expect(failures.map { $0.attributes["type"] } == ["DPS-FLOW-RETRY-001", "DPS-FLOW-POLL-002"])
        #expect(failures.map { $0.attributes["message"] } == [
            "DPS-FLOW-RETRY-001: expected <poll after >= 3 s; poll after >= retry-after, capped>, got <polled after 0.2 s>",
            "DPS-FLOW-POLL-002: expected <operationId from the 202 response>, got <operationId \"abc\" & <none>>",
        ])
        let expectedBody = """
        DPS-FLOW-RETRY-001 [FAIL]
          expected (every condition must hold):
            - poll after >= 3 s
            - poll after >= retry-after, capped
          observed: polled after 0.2 s
          evidence: transcript #3, #4
        """
        #expect(failures.first?.text.hasPrefix(expectedBody + "\n\nTranscript around the evidence") == true)
        #expect(failures.allSatisfy { !$0.text.contains("DPS-MQTT-SUB-001") }, "passing verdicts are not part of a failure")
    }

    @Test func singleFailingVerdictIsTheMessage() throws {
        let run = RunResult(name: "one", startedAt: Fixture.start, wallSeconds: 1, cases: [
            CaseResult(id: "c", title: "t", suite: "s", verdicts: [
                Verdict(requirement: RequirementID(reported: "DPS-ID-001"), outcome: .fail, expected: ["a", "b"], observed: "c"),
            ]),
        ])
        let failure = try #require(try ParsedElement.parse(JUnitReport.render(run)).descendants.first { $0.name == "failure" })
        #expect(failure.attributes["message"] == "DPS-ID-001: expected <a; b>, got <c>")
        #expect(failure.attributes["type"] == "DPS-ID-001")
    }

    @Test func errorSkipAndPassingOutcomesMapToTheirElements() throws {
        let error = try #require(try testcase("https/x509/leaf").first("error"))
        #expect(error.attributes["type"] == "DPS-HTTP-TLS-001")
        #expect(error.attributes["message"] == "DPS-HTTP-TLS-001: expected <TLS handshake completes>, got <port 8443 already in use>")
        let skipped = try #require(try testcase("https/x509/group").first("skipped"))
        #expect(skipped.attributes["message"] == "device has no group certificate")
        for id in ["mqtt/symmetric-key/basic", "mqtt/mutant/no-subscribe", "mqtt/symmetric-key/keep-alive"] {
            let item = try testcase(id)
            #expect(item.children.map(\.name) == ["system-out"], "\(id) passes")
        }
    }

    @Test func xfailAndWarnAreSaidInSystemOut() throws {
        let xfail = try #require(try testcase("mqtt/mutant/no-subscribe").first("system-out")).text
        #expect(xfail.contains("Outcome: XFAIL (failed as the scenario said it would; counts as passing)"))
        let warn = try #require(try testcase("mqtt/symmetric-key/keep-alive").first("system-out")).text
        #expect(warn.contains("Outcome: WARN (a SHOULD-level requirement did not hold; does not fail the run)"))
        #expect(warn.contains("  WARN   DPS-MQTT-KEEPALIVE-002: expected <keep-alive <= 240 s>, got <keep-alive 1200 s>"))
        #expect(warn.hasSuffix("\nTranscript: no wire events were recorded.\n"))
    }

    @Test func caseWithoutVerdictsIsAnError() throws {
        let run = RunResult(name: "r", startedAt: Fixture.start, wallSeconds: 0, cases: [
            CaseResult(id: "nothing", title: "t", suite: "s", verdicts: []),
        ])
        let parsed = try ParsedElement.parse(JUnitReport.render(run))
        #expect(parsed.attributes["errors"] == "1")
        let error = try #require(parsed.descendants.first { $0.name == "error" })
        #expect(error.attributes["type"] == "NO-VERDICTS")
    }

    @Test func systemOutListsVerdictsAndTheTranscriptAsLines() throws {
        let out = try #require(try testcase("mqtt/symmetric-key/retry-after").first("system-out")).text
        #expect(out.contains("  PASS   DPS-MQTT-SUB-001: expected <SUBSCRIBE before PUBLISH>, got <ok>"))
        #expect(out.contains("Transcript (4 events; -> device to service, <- service to device, -- noted locally):"))
        #expect(out.contains("  #0  00:00:00.000  +0.000 s  mqtt#1  ->  CONNECT  CONNECT clientId=dev-1 username=- no password cleanSession=1 keepAlive=60\n"))
        #expect(out.contains("  #1  00:00:00.250  +0.250 s  mqtt#1  <-  CONNACK  CONNACK rc=0 sessionPresent=0  [status 0]\n"))
        #expect(out.contains("  #3  00:00:03.500  +3.500 s  mqtt#1  --  CLOSE  closed: error: connection closed\\nby peer\n"))
        #expect(out.contains("Log:\n  device started\n  device stopped"))
    }

    @Test func illegalCharactersAreRemovedAndTheRestSurvives() throws {
        #expect(!Fixture.hasForbiddenXMLCharacter(text))
        let out = try #require(try testcase("mqtt/symmetric-key/retry-after").first("system-out")).text
        #expect(out.contains("PUBLISH qos=1 id=2 $dps/registrations/PUT/iotdps-register/?$rid=1&x=<y>&<b>Tom & \"Jerry\" 'x'</b> Grüße 日本 🚀 [31mend"))
        #expect(out.contains("[$dps/registrations/PUT/iotdps-register/?$rid=1&x=<y>&<b>Tom & \"Jerry\" 'x'</b> Grüße 日本 🚀 [31mend]"))
    }

    @Test func carriageReturnsAndTabsSurviveParsing() throws {
        let run = RunResult(name: "tab\there", startedAt: Fixture.start, wallSeconds: 0, cases: [
            CaseResult(id: "c", title: "t", suite: "s", verdicts: [
                Verdict(requirement: RequirementID(reported: "R"), outcome: .fail, expected: ["x"], observed: "line1\r\nline2\tend"),
            ]),
        ])
        let parsed = try ParsedElement.parse(JUnitReport.render(run))
        #expect(parsed.attributes["name"] == "tab\there")
        let failure = try #require(parsed.descendants.first { $0.name == "failure" })
        #expect(failure.attributes["message"] == "R: expected <x>, got <line1\\nline2\tend>")
    }

    @Test func transcriptIsCutAtTheLimit() throws {
        let out = JUnitReport.systemOut(Fixture.fail, maxTranscriptEvents: 2)
        #expect(out.contains("#1  "))
        #expect(!out.contains("#2  "))
        #expect(out.contains("  ... 2 more events (see report.json)"))
    }

    @Test func emptyRunIsAValidDocumentWithZeroCounts() throws {
        let parsed = try ParsedElement.parse(JUnitReport.render(Fixture.emptyRun))
        #expect(parsed.name == "testsuites")
        #expect(parsed.children.isEmpty)
        #expect(["tests", "failures", "errors", "skipped"].map { parsed.attributes[$0] } == ["0", "0", "0", "0"])
        #expect(parsed.attributes["time"] == "0.000")
    }
}
