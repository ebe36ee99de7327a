import DPSCore
import Foundation
import Testing
import TestSupport
import Verdicts
@testable import Reporting

/// Runs and catalogue shared by the tests of both JUnit flavours.
enum FlavourFixture {
    static let catalogue = [
        Requirement(id: RequirementID(reported: "DPS-FLOW-RETRY-001"), level: .must, statement: "honour retry-after", source: "notes"),
        Requirement(id: RequirementID(reported: "DPS-FLOW-POLL-002"), level: .should, statement: "poll the operation", source: "notes"),
        Requirement(id: RequirementID(reported: "DPS-HTTP-TLS-001"), level: .must, statement: "TLS", source: "notes"),
    ]

    /// The mixed run (pass, fail, error, skip, xfail, warn; hostile text and control characters in
    /// names, transcripts and outputs) with a scenario site on some cases, a repeated case ID, and
    /// an external device's stderr with control characters.
    static var run: RunResult {
        var run = Fixture.mixedRun
        run.cases[1].file = "Scenarios/mqtt-retry.yaml"
        run.cases[1].line = 12
        var device = DeviceRunRecord(kind: "command")
        device.command = "./device {host}"
        device.stderrTail = "warning \u{7}\u{1B}[1mbold\u{0} & <done>\n"
        run.cases[2].device = device
        var repeated = Fixture.pass
        repeated.wallSeconds = 1.23456
        run.cases.append(repeated)
        return run
    }

    static func write(_ text: String, name: String) throws -> URL {
        let directory = try Fixture.temporaryDirectory()
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }
}

@Suite("JUnit flavours: messages, names, times, sites")
struct JUnitFlavourTests {
    let root: ParsedElement
    let strict: ParsedElement

    init() throws {
        root = try ParsedElement.parse(JUnitReport.render(FlavourFixture.run, requirements: FlavourFixture.catalogue))
        strict = try ParsedElement.parse(JUnitReport.renderStrict(FlavourFixture.run, requirements: FlavourFixture.catalogue))
    }

    private func cases(_ element: ParsedElement) -> [ParsedElement] {
        element.descendants.filter { $0.name == "testcase" }
    }

    @Test func failureMessageNamesTheLevelAndListsEveryCondition() throws {
        let item = try #require(cases(root).first { $0.attributes["name"] == "mqtt/symmetric-key/retry-after" })
        #expect(item.all("failure").map { $0.attributes["message"] } == [
            "DPS-FLOW-RETRY-001 (MUST): expected <poll after >= 3 s; poll after >= retry-after, capped>, got <polled after 0.2 s>",
            "DPS-FLOW-POLL-002 (SHOULD): expected <operationId from the 202 response>, got <operationId \"abc\" & <none>>",
        ])
        let error = try #require(cases(root).first { $0.attributes["name"] == "https/x509/leaf" }?.first("error"))
        #expect(error.attributes["message"] == "DPS-HTTP-TLS-001 (MUST): expected <TLS handshake completes>, got <port 8443 already in use>")
    }

    @Test func noReportPresentsTheConditionsAsAlternatives() throws {
        let writer = ReportWriter(directory: URL(fileURLWithPath: "/nonexistent"), requirements: FlavourFixture.catalogue, junitStrict: true)
        for format in ReportFormat.allCases where format != .json {
            let text = String(decoding: try writer.render(FlavourFixture.run, as: format), as: UTF8.self)
            for phrase in ["expected one of", "one of:", "(one of)"] {
                #expect(!text.contains(phrase), "\(format) says \"\(phrase)\"")
            }
        }
    }

    @Test func strictFlavourPutsEveryBrokenRuleIntoItsOneFailure() throws {
        let item = try #require(cases(strict).first { $0.attributes["name"] == "mqtt/symmetric-key/retry-after" })
        #expect(item.children.map(\.name) == ["failure"])
        let failure = try #require(item.first("failure"))
        #expect(failure.attributes["type"] == "DPS-FLOW-RETRY-001")
        #expect(failure.attributes["message"] == """
            DPS-FLOW-RETRY-001 (MUST): expected <poll after >= 3 s; poll after >= retry-after, capped>, got <polled after 0.2 s>
            DPS-FLOW-POLL-002 (SHOULD): expected <operationId from the 202 response>, got <operationId "abc" & <none>>
            """)
        #expect(failure.text.contains("DPS-FLOW-RETRY-001 (MUST) [FAIL]") && failure.text.contains("DPS-FLOW-POLL-002 (SHOULD) [FAIL]"))
    }

    @Test func failureBodyHoldsTheVerdictAndTheTranscriptAroundItsEvidence() throws {
        let item = try #require(cases(root).first { $0.attributes["name"] == "mqtt/symmetric-key/retry-after" })
        let failures = item.all("failure")
        let retry = try #require(failures.first).text
        #expect(retry.hasPrefix("DPS-FLOW-RETRY-001 (MUST) [FAIL]\n  expected (every condition must hold):\n"))
        // Evidence #3 (and #4, which the transcript lacks): #3 marked, two events before it shown, #0 not.
        #expect(retry.contains("\n  >> #3  00:00:03.500  +3.500 s  mqtt#1  --  CLOSE"))
        #expect(retry.contains("\n     #1  00:00:00.250  +0.250 s  mqtt#1  <-  CONNACK"))
        #expect(retry.contains("\n     #2  "))
        #expect(!retry.contains("#0  "))
        let poll = try #require(failures.last).text
        #expect(poll.contains("Evidence: the transcript holds none of the events named (#5)."))
    }

    @Test func excerptKeepsGapsAndMarksOnlyTheEvidence() {
        let events = (0..<12).map { index in
            WireEvent.note(.info("event \(index)"), time: Fixture.start.addingTimeInterval(Double(index)), connection: "c", transport: .mqtt)
        }
        let transcript = { () -> [WireEvent] in
            let recorder = Transcript()
            for event in events { _ = recorder.append(event) }
            return recorder.snapshot
        }()
        let verdict = Verdict(requirement: RequirementID(reported: "R"), outcome: .fail, expected: ["x"], observed: "y", evidence: [1, 9])
        let lines = JUnitReport.evidenceExcerpt(verdict, transcript: transcript)
        let shown = lines.compactMap { line in line.firstMatch(of: #/#([0-9]+)  /#).map { Int($0.1)! } }
        #expect(shown == [0, 1, 2, 3, 7, 8, 9, 10, 11])
        #expect(lines.filter { $0.hasPrefix("  >> ") }.count == 2)
        #expect(lines.contains("    ..."))
        #expect(JUnitReport.evidenceExcerpt(Verdict(requirement: .harness, outcome: .fail, expected: [], observed: ""), transcript: transcript).isEmpty)
    }

    @Test func fileAndLineOnlyWhenKnownAndOnlyInTheDefaultFlavour() throws {
        let sited = try #require(cases(root).first { $0.attributes["name"] == "mqtt/symmetric-key/retry-after" })
        #expect(sited.attributes["file"] == "Scenarios/mqtt-retry.yaml")
        #expect(sited.attributes["line"] == "12")
        let unsited = try #require(cases(root).first { $0.attributes["name"] == "https/x509/leaf" })
        #expect(unsited.attributes["file"] == nil && unsited.attributes["line"] == nil)
        for item in cases(strict) {
            #expect(Set(item.attributes.keys) == ["classname", "name", "time"])
        }
    }

    @Test func timesHaveAtMostThreeDecimals() throws {
        for element in [root] + root.descendants + [strict] + strict.descendants {
            guard let time = element.attributes["time"] else { continue }
            #expect(time.wholeMatch(of: /[0-9]+(\.[0-9]{1,3})?/) != nil, "\(element.name) time=\(time)")
        }
        #expect(cases(root).first { $0.attributes["name"] == "mqtt/symmetric-key/basic (2)" }?.attributes["time"] == "1.235")
        #expect(SecondsText.fixed(0.0004) == "0.000" && SecondsText.fixed(2.0005) == "2.001")
    }

    @Test func classnameDotNameIsUniqueAndRepeatsAreNumbered() {
        for document in [root, strict] {
            let keys = cases(document).map { "\($0.attributes["classname"] ?? "").\($0.attributes["name"] ?? "")" }
            #expect(keys.count == FlavourFixture.run.cases.count)
            #expect(Set(keys).count == keys.count, "\(keys)")
            #expect(keys.filter { $0.hasPrefix("mqtt/symmetric-key.mqtt/symmetric-key/basic") }
                    == ["mqtt/symmetric-key.mqtt/symmetric-key/basic", "mqtt/symmetric-key.mqtt/symmetric-key/basic (2)"])
        }
        let same = CaseResult(id: "c", title: "t", suite: "s", verdicts: [])
        let blank = CaseResult(id: "c", title: "t", suite: "  ", verdicts: [])
        #expect(JUnitReport.uniqueNames([same, same, same, blank]) == ["c", "c (2)", "c (3)", "c"])
    }

    @Test func suitesListTheRunPropertiesSeedOnlyWhenGiven() throws {
        let withSeed = JUnitReport.propertyList(of: Fixture.mixedRun).map(\.name)
        #expect(withSeed == ["device", "endpoint", "seed", "target", "tool", "transport"])
        let without = JUnitReport.propertyList(of: RunResult(name: "r", startedAt: Fixture.start, wallSeconds: 0, cases: [],
                                                             properties: ["tool": "dpsconform 1", "target": "fake", "device": "reference", "": "x"]))
        #expect(without.map(\.name) == ["device", "target", "tool", "transport"])
        #expect(without.map(\.value) == ["reference", "fake", "dpsconform 1", ""])
        for document in [root, strict] {
            for suite in document.descendants where suite.name == "testsuite" {
                let names = try #require(suite.first("properties")).all("property").compactMap { $0.attributes["name"] }
                #expect(names.contains("seed") && names.contains("tool") && names.contains("transport"))
            }
        }
    }

    @Test func strictSuitesCarryPackageIdAndTheirOutput() throws {
        #expect(strict.attributes.isEmpty)
        let suites = strict.all("testsuite")
        #expect(suites.map { $0.attributes["id"] } == ["0", "1", "2"])
        #expect(suites.map { $0.attributes["package"] } == suites.map { $0.attributes["name"] })
        for suite in suites {
            #expect(suite.children.first?.name == "properties")
            #expect(Array(suite.children.suffix(2).map(\.name)) == ["system-out", "system-err"])
        }
        let https = try #require(suites.first { $0.attributes["name"] == "https/x509" })
        #expect(https.first("system-out")?.text.contains("=== https/x509.https/x509/leaf ===\nCase: https/x509/leaf") == true)
        #expect(https.first("system-err")?.text == "=== https/x509.https/x509/leaf ===\nwarning [1mbold & <done>\n")
    }

    @Test func writerAddsTheStrictReportOnlyWhenAsked() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = try ReportWriter(directory: directory).write(Fixture.mixedRun)
        #expect(!plain.map(\.format).contains(.junitStrict))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("junit-strict.xml").path))
        let both = try ReportWriter(directory: directory, requirements: FlavourFixture.catalogue, junitStrict: true).write(Fixture.mixedRun)
        #expect(both.map(\.url.lastPathComponent) == ["junit.xml", "report.json", "report.html", "summary.md", "junit-strict.xml"])
        let written = try String(contentsOf: directory.appendingPathComponent("junit-strict.xml"), encoding: .utf8)
        #expect(written == JUnitReport.renderStrict(Fixture.mixedRun, requirements: FlavourFixture.catalogue))
    }
}

/// The strict report checked by libxml2's schema validator against the Ant JUnit schema.
@Suite("junit-strict.xml against the Ant JUnit schema (xmllint)",
       .enabled(if: ToolProcess.onPath("xmllint") != nil || ProcessInfo.processInfo.environment["CI"] != nil))
struct JUnitStrictSchemaTests {
    static let schema = Checkout.url("Tests/ReportingTests/Resources/junit-ant.xsd").path

    private func validate(_ text: String) throws -> ToolProcess.Result {
        let xmllint = try #require(ToolProcess.onPath("xmllint"), "xmllint not found: install libxml2-utils (ci/install-deps.sh)")
        let file = try FlavourFixture.write(text, name: "junit-strict.xml")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        return try ToolProcess.run(xmllint, ["--noout", "--schema", Self.schema, file.path])
    }

    static let runs: [RunResult] = [
        FlavourFixture.run, Fixture.passingRun, Fixture.emptyRun,
        RunResult(name: "odd", startedAt: Date(timeIntervalSince1970: -1.5), wallSeconds: -3, cases: [
            CaseResult(id: "", title: "", suite: "", verdicts: [], wallSeconds: .nan, clockSeconds: .infinity),
        ], properties: ["hostname": " ", "": "blank"]),
    ]

    @Test(arguments: runs)
    func strictReportValidates(run: RunResult) throws {
        let result = try validate(JUnitReport.renderStrict(run, requirements: FlavourFixture.catalogue))
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func brokenDocumentsFailValidation() throws {
        let valid = JUnitReport.renderStrict(FlavourFixture.run, requirements: FlavourFixture.catalogue)
        #expect(try validate(valid).status == 0)
        // The default flavour has attributes the strict schema forbids (file, line, attributes on the root).
        #expect(try validate(JUnitReport.render(FlavourFixture.run, requirements: FlavourFixture.catalogue)).status != 0)
        // A time zone in the timestamp, a second <failure> in one case, a missing system-err.
        let broken = [
            valid.replacingOccurrences(of: "timestamp=\"2026-01-01T00:00:00\"", with: "timestamp=\"2026-01-01T00:00:00Z\""),
            valid.replacingOccurrences(of: "</failure>", with: "</failure><failure type=\"X\"/>"),
            valid.replacingOccurrences(of: "<system-err></system-err>", with: ""),
        ]
        for text in broken {
            #expect(text != valid)
            #expect(try validate(text).status != 0)
        }
    }
}

/// Both flavours read by junitparser (PyPI), a JUnit XML library CI tooling is built on.
@Suite("JUnit flavours read by junitparser",
       .enabled(if: InteropPython.interpreter != nil || ProcessInfo.processInfo.environment["CI"] != nil))
struct JUnitParserInteropTests {
    /// Prints, per suite: the counts as the file states them and each case with its result kinds.
    static let script = """
        import json, sys
        from junitparser import JUnitXml, TestSuite, Failure, Error, Skipped
        xml = JUnitXml.fromfile(sys.argv[1])
        suites = [xml] if isinstance(xml, TestSuite) else list(xml)
        out = []
        for suite in suites:
            cases = []
            for case in suite:
                kinds = []
                for result in case.result:
                    kinds.append("failure" if isinstance(result, Failure) else "error" if isinstance(result, Error)
                                 else "skipped" if isinstance(result, Skipped) else type(result).__name__)
                cases.append({"classname": case.classname, "name": case.name, "results": kinds,
                              "messages": [r.message for r in case.result]})
            out.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures,
                        "errors": suite.errors, "skipped": suite.skipped, "cases": cases})
        print(json.dumps(out))
        """

    struct Suite: Decodable {
        var name: String
        var tests: Int
        var failures: Int
        var errors: Int
        var skipped: Int
        var cases: [Case]
    }

    struct Case: Decodable {
        var classname: String
        var name: String
        var results: [String]
        var messages: [String?]
    }

    private func read(_ text: String) throws -> [Suite] {
        let python = try #require(InteropPython.interpreter, Comment(rawValue: InteropPython.missing))
        let file = try FlavourFixture.write(text, name: "junit.xml")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let result = try ToolProcess.run(python, ["-c", Self.script, file.path])
        try #require(result.status == 0, "junitparser: \(result.output)")
        let line = try #require(result.output.split(separator: "\n").last)
        return try JSONDecoder().decode([Suite].self, from: Data(line.utf8))
    }

    @Test(arguments: [false, true])
    func countsAndNamesAsWritten(strict: Bool) throws {
        let run = FlavourFixture.run
        let text = strict ? JUnitReport.renderStrict(run, requirements: FlavourFixture.catalogue)
                          : JUnitReport.render(run, requirements: FlavourFixture.catalogue)
        let suites = try read(text)
        #expect(suites.map(\.name) == ["mqtt/symmetric-key", "https/x509", "mqtt/mutant"])
        #expect(suites.map(\.tests) == [4, 2, 1])
        #expect(suites.map(\.failures) == [1, 0, 0])
        #expect(suites.map(\.errors) == [0, 1, 0])
        #expect(suites.map(\.skipped) == [0, 1, 0])
        let cases = suites.flatMap(\.cases)
        #expect(cases.map(\.name) == [
            "mqtt/symmetric-key/basic", "mqtt/symmetric-key/retry-after", "mqtt/symmetric-key/keep-alive", "mqtt/symmetric-key/basic (2)",
            "https/x509/leaf", "https/x509/group", "mqtt/mutant/no-subscribe",
        ])
        #expect(cases.map(\.classname) == ["mqtt/symmetric-key", "mqtt/symmetric-key", "mqtt/symmetric-key", "mqtt/symmetric-key",
                                           "https/x509", "https/x509", "mqtt/mutant"])
        let failing = try #require(cases.first { $0.name == "mqtt/symmetric-key/retry-after" })
        #expect(failing.results == (strict ? ["failure"] : ["failure", "failure"]))
        #expect(failing.messages.first??.hasPrefix("DPS-FLOW-RETRY-001 (MUST): expected <poll after >= 3 s; ") == true)
        #expect(cases.first { $0.name == "https/x509/leaf" }?.results == ["error"])
        #expect(cases.first { $0.name == "https/x509/group" }?.results == ["skipped"])
        #expect(cases.first { $0.name == "https/x509/group" }?.messages == ["device has no group certificate"])
        #expect(cases.filter { $0.results.isEmpty }.count == 4, "pass, warn, the repeat and xfail pass")
    }
}
