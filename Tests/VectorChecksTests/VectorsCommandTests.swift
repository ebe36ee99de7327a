import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `dpsconform vectors verify` run as a process: console lines, reports and exit codes.
@Suite("dpsconform vectors verify", .serialized)
struct VectorsCommandTests {
    @Test("the shipped vectors pass (exit 0) and the four reports are written and well-formed")
    func shippedVectors() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let reports = scratch.file("reports")
        let run = try await Tool.run(["vectors", "verify", repositoryRoot.appendingPathComponent("Vectors").path, "--reports", reports.path])
        #expect(run.status == 0, "\(run.standardError)")
        let lines = run.standardOutput.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("PASS  ") }.count == 62)
        #expect(lines.contains { $0.hasPrefix("PASS  dice/pub-01-docs-uds ") })
        #expect(lines.contains { $0.hasPrefix("PASS  dps/sas_token_node_skn_order ") })
        #expect(lines.contains { $0.hasPrefix("Conformance: 62 passed, 0 failed, 0 skipped, 0 errors") })

        // JSON: every case and verdict.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: reports.appendingPathComponent("report.json"))) as? [String: Any])
        let run_ = try #require(json["run"] as? [String: Any])
        let cases = try #require(run_["cases"] as? [[String: Any]])
        #expect(cases.count == 62)
        #expect(cases.allSatisfy { ($0["verdicts"] as? [Any])?.isEmpty == false })
        // JUnit: parses, one test case per vector, no failures.
        let junit = try Data(contentsOf: reports.appendingPathComponent("junit.xml"))
        let counter = JUnitCounter()
        let parser = XMLParser(data: junit)
        parser.delegate = counter
        #expect(parser.parse(), "junit.xml is not well-formed XML")
        #expect(counter.testcases == 62)
        #expect(counter.failures == 0)
        #expect(counter.rootTests == "62")
        let html = try String(contentsOf: reports.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("dps/docs_dps_token_non_reproducible"))
        let markdown = try String(contentsOf: reports.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(!markdown.isEmpty)
    }

    @Test("a mutated expected value in a copy fails its vector (exit 1) and the JUnit report says so")
    func mutatedCopyFails() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        var text = try String(contentsOf: dpsVectorFile, encoding: .utf8)
        let original = #""username": "0neFEEDC0DE/registrations/myRegistrationId/api-version=2019-03-31""#
        let range = try #require(text.range(of: original))
        text.replaceSubrange(range, with: #""username": "0neFEEDC0DE/registrations/myRegistrationId?api-version=2019-03-31""#)
        try scratch.write("Vectors/dps/dps-vectors.json", text)
        let run = try await Tool.run(["vectors", "verify", scratch.file("Vectors").path, "--reports", scratch.file("reports").path])
        #expect(run.status == 1)
        #expect(run.standardOutput.contains("FAIL  dps/mqtt_username_basic"))
        #expect(run.standardOutput.contains("DPS-MQTT-CONN-002"))
        #expect(run.standardOutput.contains("53 passed, 1 failed"))
        let counter = JUnitCounter()
        let parser = XMLParser(data: try Data(contentsOf: scratch.file("reports/junit.xml")))
        parser.delegate = counter
        #expect(parser.parse())
        #expect(counter.failures == 1)
    }

    @Test("bad vector files, paths and flags are bad input (exit 2)")
    func badInput() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let broken = try scratch.write("broken-vectors.json", #"{"schema": "dpsconform-vectors", "schemaVersion": 1, "area": "dps", "#
            + #""algorithm": "a", "source": "s", "vectors": [{"id": "x", "kind": "mqtt_username"}]}"#)
        let file = try await Tool.run(["vectors", "verify", broken.path, "--reports", scratch.file("r").path])
        #expect(file.status == 2)
        #expect(file.standardError.contains(broken.path))
        #expect(file.standardError.contains("$.vectors[0]"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("r").path), "no report for a file that did not load")

        let oldFormat = try scratch.write("old-vectors.json", "[]")
        #expect(try await Tool.run(["vectors", "verify", oldFormat.path, "--reports", scratch.file("r").path]).status == 2)
        #expect(try await Tool.run(["vectors", "verify", scratch.file("absent").path, "--reports", scratch.file("r").path]).status == 2)
        let empty = scratch.file("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(try await Tool.run(["vectors", "verify", empty.path, "--reports", scratch.file("r").path]).status == 2)
        #expect(try await Tool.run(["vectors", "verify", "--no-such-flag"]).status == 2)
        #expect(try await Tool.run(["vectors", "verify", dpsVectorFile.path, "--requirements", scratch.file("absent.yaml").path,
                                    "--reports", scratch.file("r").path]).status == 2)
    }

    @Test("reports that cannot be written are a harness failure (exit 3)")
    func unwritableReports() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let blocker = try scratch.write("reports", "a file where the report directory should be")
        let run = try await Tool.run(["vectors", "verify", dpsVectorFile.path, "--reports", blocker.path])
        #expect(run.status == 3)
    }
}

/// Counts `<testcase>` elements of a JUnit report and the test cases that hold a `<failure>`
/// (junit.xml gives each broken rule of a case its own `<failure>`).
final class JUnitCounter: NSObject, XMLParserDelegate, @unchecked Sendable {
    var testcases = 0
    var failures = 0
    var rootTests: String?
    private var counted = 0

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        switch elementName {
        case "testcase": testcases += 1
        case "failure" where counted != testcases:
            failures += 1
            counted = testcases
        case "testsuites": rootTests = attributes["tests"]
        default: break
        }
    }
}
