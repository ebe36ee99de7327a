import Foundation
import Verdicts

/// Joins the reports of shards (`run --shard K/N`) into the report of the whole run
/// (`dpsconform report merge`).
public enum ReportMerge {
    /// One shard's report and where it was read from (named in errors).
    public struct Input: Sendable {
        public var source: String
        public var run: RunResult

        public init(source: String, run: RunResult) {
            self.source = source
            self.run = run
        }
    }

    /// Why reports cannot be joined.
    public enum MergeError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The same case in two reports.
        case duplicateCase(id: String, first: String, second: String)
        /// Reports of different format versions.
        case mixedFormatVersions([String: Int])
        /// Every report is a shard of the same split, but some shard numbers are missing (or doubled).
        case incompleteShards(count: Int, present: [Int], sources: [String])
        /// Shards of different splits (e.g. 1/3 and 2/4).
        case mixedSplits([String: String])
        case noReports

        public var description: String {
            switch self {
            case .duplicateCase(let id, let first, let second):
                "case \(id) is in both \(first) and \(second); shards must not overlap"
            case .mixedFormatVersions(let versions):
                "mixed formatVersions: " + versions.sorted { $0.key < $1.key }.map { "\($0.key) is \($0.value)" }.joined(separator: ", ")
            case .incompleteShards(let count, let present, let sources):
                "shards of \(count) expected 1...\(count) once each, got \(present.map(String.init).joined(separator: ", ")) (from \(sources.joined(separator: ", ")))"
            case .mixedSplits(let splits):
                "reports of different shard splits: " + splits.sorted { $0.key < $1.key }.map { "\($0.key) is shard \($0.value)" }.joined(separator: ", ")
            case .noReports:
                "no reports to merge"
            }
        }
    }

    /// Property naming the shard a run was (`2/3`).
    public static let shardProperty = "shard"
    /// Property listing the merged reports in a merged run.
    public static let mergedProperty = "merged"

    /// The runs joined: cases ordered by case ID; started when the first started, as long as the
    /// longest (shards run side by side); properties the runs agree on are kept, `shard`
    /// dropped, `merged` added; a shard that was interrupted makes the merged run interrupted
    /// (its exit code is 3), naming the shard.
    public static func merge(_ inputs: [Input]) throws(MergeError) -> RunResult {
        guard let first = inputs.first else { throw .noReports }
        var owner: [String: String] = [:]
        var cases: [CaseResult] = []
        for input in inputs {
            for item in input.run.cases {
                if let earlier = owner[item.id] { throw .duplicateCase(id: item.id, first: earlier, second: input.source) }
                owner[item.id] = input.source
                cases.append(item)
            }
        }
        try checkShards(inputs)
        cases.sort { $0.id < $1.id }
        var properties = first.run.properties
        for input in inputs.dropFirst() {
            properties = properties.filter { input.run.properties[$0.key] == $0.value }
        }
        properties[shardProperty] = nil
        properties[RunProperty.interrupted] = nil
        let interrupted = inputs.compactMap { input in
            input.run.properties[RunProperty.interrupted].map { "\(input.source): \($0)" }
        }
        if !interrupted.isEmpty { properties[RunProperty.interrupted] = interrupted.joined(separator: "; ") }
        properties[mergedProperty] = inputs.map { input in
            input.run.properties[shardProperty].map { "\(input.source) (shard \($0))" } ?? input.source
        }.joined(separator: ", ")
        let started = inputs.map(\.run.startedAt).min() ?? first.run.startedAt
        let wall = inputs.map(\.run.wallSeconds).max() ?? 0
        return RunResult(name: "merge of \(inputs.count) report\(inputs.count == 1 ? "" : "s"): " + first.run.name, startedAt: started,
                         wallSeconds: wall, cases: cases, properties: properties)
    }

    /// Refuses reports of different format versions, naming each file's version.
    public static func checkFormatVersions(_ versions: [String: Int]) throws(MergeError) {
        if Set(versions.values).count > 1 { throw .mixedFormatVersions(versions) }
    }

    /// When every report names its shard and they share one count N, each of 1...N must be
    /// there exactly once: a missing shard would otherwise pass as a smaller, green run.
    static func checkShards(_ inputs: [Input]) throws(MergeError) {
        var splits: [String: String] = [:]
        var parsed: [(index: Int, count: Int)] = []
        for input in inputs {
            guard let text = input.run.properties[shardProperty] else { return }
            splits[input.source] = text
            let parts = text.split(separator: "/")
            guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { return }
            parsed.append((index, count))
        }
        guard let count = parsed.first?.count else { return }
        guard parsed.allSatisfy({ $0.count == count }) else { throw .mixedSplits(splits) }
        let present = parsed.map(\.index).sorted()
        if present != Array(1...count) { throw .incompleteShards(count: count, present: present, sources: inputs.map(\.source)) }
    }
}
