import ArgumentParser
import DPSCore
import Foundation
import Inputs
import Reporting
import Verdicts

/// `dpsconform report`: work on reports already written.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Work on written reports (merge the reports of shards).",
        subcommands: [MergeReportsCommand.self])
}

/// `dpsconform report merge DIR...`: the reports of `run --shard K/N` jobs joined into the
/// reports of the whole run, with the exit code the unsharded run would have had.
struct MergeReportsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the report.json of each shard directory into one set of JUnit, JSON, HTML and Markdown reports.",
        discussion: """
            Reads DIR/report.json of each DIR. Refuses (exit 2, naming the files) a case found in two reports, reports of \
            different formatVersions, and shards of one split with a shard missing or doubled. Cases are ordered by case ID. \
            Exit codes are those of the unsharded run: 0 every required check passed, 1 a check failed, 3 a case could not \
            run or a shard was interrupted; 2 bad input.
            """)

    @Argument(help: "Report directories of the shards (each holding report.json).")
    var directories: [String]

    @Option(name: .long, help: "Directory the merged reports are written to.")
    var reports: String = "Reports"

    @Option(name: .long, help: "Requirement catalogue for levels and statements in the reports (default: Scenarios/requirements.yaml when present).")
    var requirements: String?

    @Flag(name: .long, help: "Also write junit-strict.xml.")
    var junitStrict = false

    @Flag(name: .long, help: "Exit 1 unless every catalogued requirement was evaluated by some case and shown failing by some case (needs the catalogue).")
    var requireCoverage = false

    @Option(name: .long, help: "A previous report.json: its failures are known and do not fail the merged run; new failures do (as run --baseline).")
    var baseline: String?

    func validate() throws {
        guard !directories.isEmpty else { throw ValidationError("give at least one report directory") }
    }

    func run() async throws {
        var inputs: [ReportMerge.Input] = []
        var versions: [String: Int] = [:]
        var datas: [(String, Data)] = []
        for directory in directories {
            let path = (directory as NSString).appendingPathComponent(ReportFormat.json.defaultFileName)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Failure(status: ExitStatus.badInput, message: "\(path): cannot read the report (is \(directory) a shard's report directory?)")
            }
            versions[path] = JSONReport.declaredFormatVersion(of: data)
            datas.append((path, data))
        }
        do {
            try ReportMerge.checkFormatVersions(versions)
            for (path, data) in datas { inputs.append(ReportMerge.Input(source: path, run: try JSONReport.decode(data, source: path))) }
        } catch let error as ReportMerge.MergeError {
            throw Failure(status: ExitStatus.badInput, message: error.description)
        } catch {
            throw Failure(status: ExitStatus.badInput, message: "\(error)")
        }
        let merged: RunResult
        do { merged = try ReportMerge.merge(inputs) } catch {
            throw Failure(status: ExitStatus.badInput, message: "\(error)")
        }
        var catalogue: RequirementCatalogue?
        let cataloguePath = requirements ?? "Scenarios/" + RequirementCatalogue.fileName
        if requirements != nil || FileManager.default.fileExists(atPath: cataloguePath) {
            do { catalogue = try RequirementCatalogue.load(path: cataloguePath) } catch let error as InputError {
                throw Failure(status: ExitStatus.badInput, message: error.description)
            }
        }
        if requireCoverage, catalogue == nil {
            throw Failure(status: ExitStatus.badInput, message: "--require-coverage needs the catalogue: give --requirements FILE")
        }
        for line in ConsoleSummary.lines(for: merged) { Console.line(line) }
        if let interrupted = merged.properties[RunProperty.interrupted] { Console.line("dpsconform: interrupted shard: \(interrupted)") }
        let writer = ReportWriter(directory: URL(fileURLWithPath: reports),
                                  requirements: catalogue.map { $0.requirements.values.sorted { $0.id < $1.id } } ?? [],
                                  junitStrict: junitStrict)
        var baselineRun: (run: RunResult, path: String)?
        if let baseline {
            do { baselineRun = (try BaselineComparison.load(path: baseline), baseline) } catch {
                throw Failure(status: ExitStatus.badInput, message: "\(error)")
            }
        }
        let status = try RunEnding.finish(merged, writer: writer, baseline: baselineRun, coverage: requireCoverage ? catalogue : nil)
        if status != 0 { throw ExitCode(status) }
    }
}
