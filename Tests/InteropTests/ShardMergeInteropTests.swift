import Foundation
import TestSupport
import Testing

/// `run --shard K/N`, `report merge` and `run --list` through the built tool.
@Suite("Shards and merge: the merged shards are the unsharded run", .serialized)
struct ShardMergeInteropTests {
    /// Verdict outcomes by case and requirement, and the summary's exit code, read from a
    /// report.json with JSONSerialization (independently of the tool's decoder).
    struct Outcomes: Equatable {
        let cases: [String: [String: String]]
        let exitCode: Int
        let order: [String]
        let properties: [String: String]

        init(_ directory: URL) throws {
            let data = try Data(contentsOf: directory.appendingPathComponent("report.json"))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let run = try #require(object["run"] as? [String: Any])
            let summary = try #require(object["summary"] as? [String: Any])
            exitCode = try #require(summary["exitCode"] as? Int)
            properties = try #require(run["properties"] as? [String: String])
            var cases: [String: [String: String]] = [:]
            var order: [String] = []
            for item in try #require(run["cases"] as? [[String: Any]]) {
                let id = try #require(item["id"] as? String)
                var verdicts: [String: String] = [:]
                for verdict in try #require(item["verdicts"] as? [[String: Any]]) {
                    verdicts[try #require(verdict["requirement"] as? String)] = try #require(verdict["outcome"] as? String)
                }
                #expect(cases[id] == nil, "case \(id) twice")
                cases[id] = verdicts
                order.append(id)
            }
            self.cases = cases
            self.order = order
        }

        static func == (lhs: Outcomes, rhs: Outcomes) -> Bool { lhs.cases == rhs.cases && lhs.exitCode == rhs.exitCode }
    }

    static func tool() throws -> String {
        guard let tool = BuiltTool.dpsconform else { throw InteropError(BuiltTool.missing) }
        return tool.path
    }

    static func directory(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-shard-\(name)-\(UUID().uuidString)")
    }

    static let scenarios = Checkout.url("Scenarios").path

    @Test("shards 1/3, 2/3, 3/3 merged: the same cases, verdicts and exit code as the unsharded run")
    func shardsMergeToTheWholeRun() async throws {
        let tool = try Self.tool()
        let whole = Self.directory("whole")
        let unsharded = try await runTool(tool, ["run", Self.scenarios, "--jobs", "4", "--reports", whole.path], timeout: .seconds(900))
        let expected = try Outcomes(whole)
        #expect(Int(unsharded.status) == expected.exitCode)
        #expect(expected.cases.count > 100)

        var shardDirectories: [URL] = []
        var seen: Set<String> = []
        for index in 1...3 {
            let directory = Self.directory("part\(index)")
            let result = try await runTool(tool, ["run", Self.scenarios, "--jobs", "4", "--shard", "\(index)/3", "--reports", directory.path],
                                           timeout: .seconds(900))
            let part = try Outcomes(directory)
            #expect(part.properties["shard"] == "\(index)/3")
            #expect(Int(result.status) == part.exitCode)
            // Round-robin over sorted IDs: the shards differ in size by at most one and do not overlap.
            #expect(abs(part.cases.count - expected.cases.count / 3) <= 1)
            #expect(seen.isDisjoint(with: part.cases.keys))
            seen.formUnion(part.cases.keys)
            shardDirectories.append(directory)
        }
        #expect(seen == Set(expected.cases.keys))

        let merged = Self.directory("merged")
        let merge = try await runTool(tool, ["report", "merge"] + shardDirectories.map(\.path) + ["--reports", merged.path])
        let joined = try Outcomes(merged)
        #expect(joined.cases.keys.sorted() == expected.cases.keys.sorted())
        for (id, verdicts) in expected.cases { #expect(joined.cases[id] == verdicts, "case \(id)") }
        #expect(joined.exitCode == expected.exitCode)
        #expect(merge.status == unsharded.status)
        #expect(joined.order == joined.order.sorted())
        #expect(joined.properties["shard"] == nil)
        for name in ["junit.xml", "report.html", "summary.md"] {
            #expect(FileManager.default.fileExists(atPath: merged.appendingPathComponent(name).path), "\(name)")
        }

        // Balanced by the unsharded run's wall times: still a partition of the same cases.
        var balanced: Set<String> = []
        for index in 1...2 {
            let listed = try await runTool(tool, ["run", Self.scenarios, "--filter", "symmetric-key/*", "--shard", "\(index)/2",
                                                  "--shard-durations", whole.appendingPathComponent("report.json").path, "--list"])
            let ids = Set(listed.output.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
            #expect(!ids.isEmpty)
            #expect(balanced.isDisjoint(with: ids))
            balanced.formUnion(ids)
        }
        #expect(balanced == Set(expected.cases.keys.filter { $0.hasPrefix("symmetric-key/") }))
    }

    @Test("report merge refuses overlapping shards and a missing shard (exit 2, naming the files)")
    func mergeRefusals() async throws {
        let tool = try Self.tool()
        let first = Self.directory("a")
        let second = Self.directory("b")
        for directory in [first, second] {
            _ = try await runTool(tool, ["run", Self.scenarios, "--filter", "tls/tls1?-only", "--shard", "1/2", "--reports", directory.path])
        }
        let overlap = try await runTool(tool, ["report", "merge", first.path, second.path, "--reports", Self.directory("m").path])
        #expect(overlap.status == 2)
        let missing = try await runTool(tool, ["report", "merge", first.path, "--reports", Self.directory("n").path])
        #expect(missing.status == 2)
        let absent = try await runTool(tool, ["report", "merge", Self.directory("none").path])
        #expect(absent.status == 2)
    }

    @Test("--list prints the selection without running it; an empty selection exits 2")
    func list() async throws {
        let tool = try Self.tool()
        let reports = Self.directory("list")
        let listed = try await runTool(tool, ["run", Self.scenarios, "--tag", "smoke", "--list", "--reports", reports.path])
        #expect(listed.status == 0)
        let lines = listed.output.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("symmetric-key/assigned-after-polls/mqtt  mqtt  ") && $0.contains("DPS-FLOW-RESULT-001") })
        #expect(lines.contains { $0.hasPrefix("x509/individual/") })
        #expect(!lines.contains { $0.hasPrefix("mutants/") })
        #expect(!FileManager.default.fileExists(atPath: reports.appendingPathComponent("report.json").path))
        let https = try await runTool(tool, ["run", Self.scenarios, "--requirement", "DPS-HTTP-*", "--list"])
        #expect(https.status == 0)
        #expect(https.output.split(separator: "\n").allSatisfy { $0.contains("  https  ") })
        let none = try await runTool(tool, ["run", Self.scenarios, "--tag", "no-such-tag", "--list"])
        #expect(none.status == 2)
        let badShard = try await runTool(tool, ["run", Self.scenarios, "--shard", "4/3", "--list"])
        #expect(badShard.status == 2)
    }
}
