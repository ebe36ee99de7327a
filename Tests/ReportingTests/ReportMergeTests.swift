import DPSCore
import Foundation
import Reporting
import Testing
import Verdicts

@Suite("Report merge: shards joined into the whole run")
struct ReportMergeTests {
    static func shard(_ text: String, _ cases: [CaseResult], interrupted: String? = nil) -> RunResult {
        var properties = ["tool": "dpsconform test", "shard": text]
        if let interrupted { properties[RunProperty.interrupted] = interrupted }
        return RunResult(name: "conformance run of Scenarios", startedAt: Fixture.start, wallSeconds: 2, cases: cases, properties: properties)
    }

    static func named(_ item: CaseResult, _ id: String) -> CaseResult {
        var copy = item
        copy.id = id
        return copy
    }

    @Test("cases ordered by ID, agreeing properties kept, the exit code of the whole")
    func joins() throws {
        let first = Self.shard("1/2", [Self.named(Fixture.pass, "b"), Self.named(Fixture.pass, "d")])
        let second = Self.shard("2/2", [Self.named(Fixture.fail, "a"), Self.named(Fixture.pass, "c")])
        let merged = try ReportMerge.merge([.init(source: "one/report.json", run: first), .init(source: "two/report.json", run: second)])
        #expect(merged.cases.map(\.id) == ["a", "b", "c", "d"])
        #expect(merged.properties["tool"] == "dpsconform test")
        #expect(merged.properties["shard"] == nil)
        #expect(merged.properties["merged"] == "one/report.json (shard 1/2), two/report.json (shard 2/2)")
        #expect(RunSummary(merged).exitCode == 1)
        let green = try ReportMerge.merge([.init(source: "x", run: Self.shard("1/2", [Fixture.pass])),
                                           .init(source: "y", run: Self.shard("2/2", []))])
        #expect(RunSummary(green).exitCode == 0)
        // It survives the JSON report.
        let decoded = try JSONReport.decode(try JSONReport.encode(merged))
        #expect(decoded.cases.map(\.id) == merged.cases.map(\.id))
    }

    @Test("an interrupted shard makes the merged run interrupted: exit 3, naming the shard")
    func interrupted() throws {
        let merged = try ReportMerge.merge([.init(source: "one/report.json", run: Self.shard("1/2", [Fixture.pass], interrupted: "SIGTERM after 1 of 5 cases")),
                                            .init(source: "two/report.json", run: Self.shard("2/2", [Self.named(Fixture.pass, "z")]))])
        #expect(RunSummary(merged).exitCode == 3)
        #expect(merged.properties[RunProperty.interrupted] == "one/report.json: SIGTERM after 1 of 5 cases")
    }

    @Test("the same case in two reports is refused, naming both files")
    func duplicate() {
        #expect(throws: ReportMerge.MergeError.duplicateCase(id: Fixture.pass.id, first: "one/report.json", second: "two/report.json")) {
            try ReportMerge.merge([.init(source: "one/report.json", run: Self.shard("1/2", [Fixture.pass])),
                                   .init(source: "two/report.json", run: Self.shard("2/2", [Fixture.pass]))])
        }
    }

    @Test("a missing or doubled shard, and shards of different splits, are refused")
    func incomplete() {
        #expect(throws: ReportMerge.MergeError.self) {
            try ReportMerge.merge([.init(source: "one", run: Self.shard("1/3", [Fixture.pass])),
                                   .init(source: "three", run: Self.shard("3/3", [Self.named(Fixture.pass, "z")]))])
        }
        #expect(throws: ReportMerge.MergeError.self) {
            try ReportMerge.merge([.init(source: "one", run: Self.shard("1/2", [Fixture.pass])),
                                   .init(source: "two", run: Self.shard("2/3", [Self.named(Fixture.pass, "z")]))])
        }
    }

    @Test("mixed formatVersions are refused, naming each file's version")
    func versions() throws {
        let data = try JSONReport.encode(Self.shard("1/1", [Fixture.pass]))
        #expect(JSONReport.declaredFormatVersion(of: data) == JSONReport.formatVersion)
        #expect(JSONReport.declaredFormatVersion(of: Data("not json".utf8)) == nil)
        do {
            try ReportMerge.checkFormatVersions(["a/report.json": 1, "b/report.json": 2])
            Issue.record("mixed versions accepted")
        } catch {
            #expect("\(error)" == "mixed formatVersions: a/report.json is 1, b/report.json is 2")
        }
        try ReportMerge.checkFormatVersions(["a/report.json": 2, "b/report.json": 2])
    }
}
