import DPSCore
import Foundation
import Testing
import TestSupport
import Verdicts
@testable import Reporting

/// report.json checked against docs/report.schema.json by the `jsonschema` package (PyPI), the
/// reference validator for JSON Schema draft 2020-12.
@Suite("report.json against docs/report.schema.json (jsonschema)",
       .enabled(if: InteropPython.interpreter != nil || ProcessInfo.processInfo.environment["CI"] != nil))
struct JSONSchemaTests {
    static let schema = Checkout.url("docs/report.schema.json").path

    /// Checks the schema itself, then prints each validation error of the document and exits 1
    /// when there is one.
    static let script = """
        import json, sys
        from jsonschema import Draft202012Validator
        schema = json.load(open(sys.argv[1], encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        document = json.load(open(sys.argv[2], encoding="utf-8"))
        errors = list(Draft202012Validator(schema).iter_errors(document))
        for error in errors:
            print("/".join(str(part) for part in error.absolute_path) + ": " + error.message[:300])
        sys.exit(1 if errors else 0)
        """

    /// A run whose transcripts hold events of every content kind, an exchange, a failing verdict,
    /// scenario sites and an external device record, besides the mixed fixture's outcomes.
    static var run: RunResult {
        var run = FlavourFixture.run
        let recorder = Transcript()
        let start = Fixture.start
        _ = recorder.append(WireEvent(time: start, connection: "https#1", transport: .tls, direction: .toService,
                                      content: .certificate(PresentedCertificateRecord(index: 0, subjectCommonName: "dev-1", sha256: "ab12")),
                                      raw: [0x30, 0x82]))
        _ = recorder.append(WireEvent(time: start, connection: "https#1", transport: .https, direction: .toService,
                                      content: .httpRequest(HTTPRequestRecord(method: "PUT", target: "/0ne/registrations/dev-1/register?api-version=2021-10-01",
                                                                              version: "HTTP/1.1", headers: [("Authorization", "SharedAccessSignature sr=x&sig=y")],
                                                                              body: Array("{\"registrationId\":\"dev-1\"}".utf8))),
                                      exchange: DPSExchange(role: .request, kind: .register, requestID: "https#1/1", registrationID: "dev-1")))
        _ = recorder.append(WireEvent(time: start.addingTimeInterval(0.5), connection: "https#1", transport: .https, direction: .toDevice,
                                      content: .httpResponse(HTTPResponseRecord(status: 202, reason: "Accepted", headers: [("Retry-After", "3")],
                                                                                body: Array("{\"operationId\":\"op\",\"status\":\"assigning\"}".utf8)))))
        _ = recorder.append(WireEvent(time: start.addingTimeInterval(1), connection: "mqtt#2", transport: .mqtt, direction: .toService,
                                      content: .mqtt(.subscribe(packetID: 1, filters: [MQTTSubscriptionRecord(filter: "$dps/registrations/res/#", qos: 1)]))))
        _ = recorder.append(WireEvent(time: start.addingTimeInterval(1), connection: "mqtt#2", transport: .mqtt, direction: .toService,
                                      content: .mqtt(.pingReq)))
        _ = recorder.append(.note(.fault(.responseDelayed(seconds: 2.5)), time: start.addingTimeInterval(2), connection: "mqtt#2", transport: .mqtt))
        _ = recorder.append(.note(.refused(status: 401, requirement: nil, reason: "bad token"), time: start.addingTimeInterval(2),
                                  connection: "mqtt#2", transport: .mqtt))
        _ = recorder.append(.note(.closed(.deadline(phase: "connect", seconds: 10)), time: start.addingTimeInterval(3),
                                  connection: "mqtt#2", transport: .mqtt))
        run.cases[2].transcript = recorder.snapshot
        run.cases[2].verdicts.append(Verdict(requirement: RequirementID(reported: "DPS-HTTP-REG-001"), outcome: .fail,
                                             expected: ["202 then poll"], observed: "no poll", evidence: [1, 2]))
        return run
    }

    private func validate(_ data: Data) throws -> ToolProcess.Result {
        let python = try #require(InteropPython.interpreter, Comment(rawValue: InteropPython.missing))
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("report.json")
        try data.write(to: file)
        return try ToolProcess.run(python, ["-c", Self.script, Self.schema, file.path])
    }

    @Test func reportOfASyntheticRunValidates() throws {
        let data = try JSONReport.encode(Self.run)
        let text = String(decoding: data, as: UTF8.self)
        for kind in ["\"certificate\"", "\"httpRequest\"", "\"httpResponse\"", "\"subscribe\"", "\"pingReq\"", "\"fault\"", "\"closed\"",
                     "\"exchange\"", "\"file\"", "\"device\"", "\"outcome\" : \"fail\""] {
            #expect(text.contains(kind), "the run exercises \(kind)")
        }
        let result = try validate(data)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test(arguments: [Fixture.emptyRun, Fixture.passingRun,
                      RunResult(name: "odd", startedAt: Date(timeIntervalSince1970: -1.5), wallSeconds: .nan, cases: [
                          CaseResult(id: "", title: "", suite: "", verdicts: [], wallSeconds: .infinity, clockSeconds: -.infinity),
                      ])])
    func otherRunsValidate(run: RunResult) throws {
        let result = try validate(try JSONReport.encode(run))
        #expect(result.status == 0, "\(result.output)")
    }

    /// Edits that the schema must refuse, each applied to a valid report.
    @Test func brokenReportsFailValidation() throws {
        let valid = try JSONSerialization.jsonObject(with: try JSONReport.encode(Self.run)) as? [String: Any]
        var document = try #require(valid)
        func breaks(_ edit: (inout [String: Any]) -> Void, _ what: String) throws {
            var copy = document
            edit(&copy)
            let data = try JSONSerialization.data(withJSONObject: copy)
            let result = try validate(data)
            #expect(result.status == 1, "\(what) passed validation: \(result.output)")
        }
        try breaks({ $0["formatVersion"] = 1 }, "another formatVersion")
        try breaks({ $0["extra"] = true }, "an unknown top-level field")
        try breaks({ doc in
            var run = doc["run"] as? [String: Any] ?? [:]
            var cases = run["cases"] as? [[String: Any]] ?? []
            var verdicts = cases[1]["verdicts"] as? [[String: Any]] ?? []
            verdicts[1]["outcome"] = "failed"
            cases[1]["verdicts"] = verdicts
            run["cases"] = cases
            doc["run"] = run
        }, "an unknown verdict outcome")
        try breaks({ doc in
            var run = doc["run"] as? [String: Any] ?? [:]
            var cases = run["cases"] as? [[String: Any]] ?? []
            var events = cases[2]["transcript"] as? [[String: Any]] ?? []
            events[0]["content"] = ["certificate": ["_0": ["index": 0, "sha256": "ab"]], "note": ["abandoned": [:]]]
            cases[2]["transcript"] = events
            run["cases"] = cases
            doc["run"] = run
        }, "an event with two contents")
        try breaks({ doc in
            var run = doc["run"] as? [String: Any] ?? [:]
            run["startedAt"] = "2026-01-01 00:00:00"
            doc["run"] = run
        }, "a time that is not ISO 8601 UTC")
        try breaks({ doc in
            var summary = doc["summary"] as? [String: Any] ?? [:]
            summary.removeValue(forKey: "coverage")
            doc["summary"] = summary
        }, "a summary without coverage")
        document["format"] = "dpsconform-transcript"
        let result = try validate(try JSONSerialization.data(withJSONObject: document))
        #expect(result.status == 1, "another format passed validation")
    }
}
