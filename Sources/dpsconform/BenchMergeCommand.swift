import ArgumentParser
import Fleet
import Foundation

/// `dpsconform bench merge`: joins the JSON results of `bench fleet --shard K/N` runs. Percentiles
/// are recomputed from the merged histograms, never averaged.
struct BenchMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join 'bench fleet --shard K/N --json' results into one: counts and histograms added, percentiles recomputed.",
        discussion: "Refuses (exit 2) results of different transports, phase sets, fleet sizes, targets or shard splits, and a shard given twice.")

    @Argument(help: "Result files written by 'bench fleet --json'.")
    var files: [String] = []

    @Option(name: .long, help: "Write the merged result to this JSON file.")
    var json: String?

    func run() throws {
        guard !files.isEmpty else { throw Failure(status: ExitStatus.badInput, message: "bench merge: give at least one result file") }
        let results = try files.map(FleetText.read)
        let merged: FleetResult
        do { merged = try FleetResult.merge(results) } catch {
            throw Failure(status: ExitStatus.badInput, message: "bench merge: \(error)")
        }
        print(FleetText.summary(merged, fakeThreads: nil))
        let covered = Set(merged.shards.map(\.index))
        if let count = merged.shards.first?.count, covered.count < count {
            print("note: \(count - covered.count) of \(count) shards missing")
        }
        if let json { try FleetText.write(merged, to: json) }
        if !merged.allProvisioned { throw ExitCode(ExitStatus.checkFailed) }
    }
}
