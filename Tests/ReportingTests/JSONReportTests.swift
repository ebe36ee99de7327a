import DPSCore
import Foundation
import Testing
import Verdicts
@testable import Reporting

@Suite("JSON report")
struct JSONReportTests {
    private func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func decodesBackToAnEqualRun() throws {
        let data = try JSONReport.encode(Fixture.mixedRun)
        #expect(try JSONReport.decode(data) == Fixture.mixedRun)
    }

    @Test func emptyRunRoundTrips() throws {
        #expect(try JSONReport.decode(try JSONReport.encode(Fixture.emptyRun)) == Fixture.emptyRun)
    }

    @Test(arguments: [
        789_012_345.678_901_2, -12.345_678_9, 0.000_000_1, -0.000_000_1, Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude, -978_307_200.5,
        Date().timeIntervalSinceReferenceDate, 1e-5, 123_456_789.000_001,
    ])
    func awkwardTimesRoundTripExactly(seconds: Double) throws {
        let time = Date(timeIntervalSinceReferenceDate: seconds)
        let event = WireEvent(time: time, wallTime: time, connection: "c", transport: .tcp, direction: .local, content: .note(.info("s")))
        let run = RunResult(name: "t", startedAt: time, wallSeconds: 0,
                            cases: [CaseResult(id: "c", title: "t", suite: "s", verdicts: [], transcript: [event])])
        let back = try JSONReport.decode(try JSONReport.encode(run))
        #expect(back.startedAt.timeIntervalSinceReferenceDate == seconds)
        #expect(back == run)
    }

    @Test func summaryCountsEveryOutcome() throws {
        let json = try object(try JSONReport.encode(Fixture.mixedRun))
        #expect(json["format"] as? String == "dpsconform-report")
        #expect(json["formatVersion"] as? Int == 2)
        let summary = try #require(json["summary"] as? [String: Any])
        let counts = try #require(summary["counts"] as? [String: Int])
        #expect(counts == ["pass": 1, "fail": 1, "error": 1, "skip": 1, "xfail": 1, "warn": 1])
        #expect(summary["total"] as? Int == 6)
        #expect(summary["passed"] as? Int == 3)
        #expect(summary["failed"] as? Bool == true)
        #expect(summary["exitCode"] as? Int == 1)
        let cases = try #require(summary["cases"] as? [[String: Any]])
        #expect(cases.map { $0["outcome"] as? String } == ["pass", "fail", "error", "skip", "xfail", "warn"])
        #expect(cases[1]["requirements"] as? [String] == ["DPS-FLOW-RETRY-001", "DPS-FLOW-POLL-002"])
    }

    @Test func exitCodeFollowsTheCLIContract() {
        #expect(RunSummary(Fixture.passingRun).exitCode == 0)
        #expect(RunSummary(Fixture.emptyRun).exitCode == 0)
        #expect(RunSummary(Fixture.mixedRun).exitCode == 1)
        let harnessOnly = RunResult(name: "e", startedAt: Fixture.start, wallSeconds: 0, cases: [Fixture.pass, Fixture.error])
        #expect(RunSummary(harnessOnly).exitCode == 3)
        #expect(RunSummary(harnessOnly).failed)
        #expect(!RunSummary(Fixture.passingRun).failed)
    }

    @Test func textIsSortedPrettyAndUsesISODatesAndBase64() throws {
        let text = String(decoding: try JSONReport.encode(Fixture.mixedRun), as: UTF8.self)
        let format = try #require(text.range(of: "\n  \"format\""))
        let version = try #require(text.range(of: "\n  \"formatVersion\""))
        let run = try #require(text.range(of: "\n  \"run\""))
        let summary = try #require(text.range(of: "\n  \"summary\""))
        #expect(format.lowerBound < version.lowerBound && version.lowerBound < run.lowerBound && run.lowerBound < summary.lowerBound)
        #expect(text.contains("\"startedAt\" : \"2026-01-01T00:00:00.125Z\""))
        #expect(text.contains("\"time\" : \"2026-01-01T00:00:03.5Z\""))
        #expect(text.contains("\"raw\" : \"AP88JsM=\""))
        #expect(text.hasSuffix("}\n"))
    }

    @Test func sameRunGivesTheSameBytes() throws {
        #expect(try JSONReport.encode(Fixture.mixedRun) == JSONReport.encode(Fixture.mixedRun))
    }

    @Test func nonFiniteDurationsDoNotStopTheReport() throws {
        let run = RunResult(name: "n", startedAt: Fixture.start, wallSeconds: .infinity, cases: [])
        let back = try JSONReport.decode(try JSONReport.encode(run))
        #expect(back.wallSeconds == .infinity)
    }

    @Test(arguments: [
        ("not json", "{"),
        ("wrong format", #"{"format": "other", "formatVersion": 2, "run": {}}"#),
        ("newer version", #"{"format": "dpsconform-report", "formatVersion": 99, "run": {}}"#),
        ("missing run", #"{"format": "dpsconform-report", "formatVersion": 2}"#),
        ("bad date", #"{"format": "dpsconform-report", "formatVersion": 2, "run": {"name": "x", "startedAt": "yesterday", "wallSeconds": 0, "cases": [], "properties": {}}}"#),
        ("date with junk", #"{"format": "dpsconform-report", "formatVersion": 2, "run": {"name": "x", "startedAt": "2026-01-01T00:00:00Zjunk", "wallSeconds": 0, "cases": [], "properties": {}}}"#),
    ])
    func malformedInputIsATypedError(label: String, text: String) {
        let error = #expect(throws: ReportingError.self, "\(label)") {
            _ = try JSONReport.decode(Data(text.utf8), source: "shard.json")
        }
        #expect(error?.code == .jsonNotDecoded)
        #expect(error?.path == "shard.json")
    }

    @Test func acceptsAZoneOffset() throws {
        let text = #"{"format": "dpsconform-report", "formatVersion": 2, "run": {"name": "x", "startedAt": "2026-01-01T02:00:00.5+02:00", "wallSeconds": 0, "cases": [], "properties": {}}}"#
        let run = try JSONReport.decode(Data(text.utf8))
        #expect(run.startedAt == Date(timeIntervalSince1970: 1_767_225_600.5))
    }
}
