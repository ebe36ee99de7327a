import ArgumentParser
import DPSCore
import Foundation
import Reporting
import ScenarioEngine
import Verdicts

/// `dpsconform run`: runs scenarios against the built-in fake and writes the reports.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run conformance scenarios (default: Scenarios/) and write JUnit, JSON, HTML and Markdown reports.")

    @Argument(help: "Scenario files or directories.")
    var paths: [String] = ["Scenarios"]

    @Option(name: .long, help: "Directory the reports are written to.")
    var reports: String = "Reports"

    @Option(name: .long, help: "Requirement catalogue (default: requirements.yaml beside the first path).")
    var requirements: String?

    @Option(name: .long, help: "Run only scenarios whose id contains this text.")
    var filter: String?

    @Option(name: .long, help: "Wall-time limit of one case, in seconds.")
    var caseTimeout: Int = 120

    @Flag(name: .long, help: "Fail the run (exit 1) unless every catalogued requirement was evaluated by some case and shown failing by some expected-failure case.")
    var requireCoverage = false

    func validate() throws {
        guard (1...3600).contains(caseTimeout) else { throw ValidationError("--case-timeout must be 1...3600 seconds") }
    }

    func run() async throws {
        let catalogue: RequirementCatalogue
        var scenarios: [Scenario]
        do {
            catalogue = try RequirementCatalogue.load(path: requirements ?? defaultCataloguePath())
            scenarios = try ScenarioLoader.load(paths: paths)
            if let filter { scenarios = scenarios.filter { $0.id.contains(filter) } }
            try catalogue.validate(scenarios)
        } catch let error as InputError {
            throw Failure(status: ExitStatus.badInput, message: error.description)
        }
        guard !scenarios.isEmpty else {
            throw Failure(status: ExitStatus.badInput, message: "no scenario matches \(filter.map { "--filter \($0)" } ?? paths.joined(separator: " "))")
        }
        let started = Date()
        let wall = ContinuousClock.now
        let runner = ScenarioRunner(catalogue: catalogue, caseTimeout: .seconds(caseTimeout))
        let cases = await runner.run(scenarios) { result in
            print(ConsoleSummary.line(for: result))
        }
        let result = RunResult(name: "conformance run of " + paths.joined(separator: " "), startedAt: started, wallSeconds: (ContinuousClock.now - wall).seconds,
                               cases: cases, properties: ["tool": "dpsconform 0.1.0", "target": "built-in fake DPS",
                                                          "scenarios": paths.joined(separator: " ")])
        print(ConsoleSummary.totalLine(for: result))
        let writer = ReportWriter(directory: URL(fileURLWithPath: reports), requirements: catalogue.requirements.values.sorted { $0.id < $1.id })
        do {
            let written = try writer.write(result)
            print("Reports: " + written.map { $0.url.path }.joined(separator: ", "))
        } catch {
            throw Failure(status: ExitStatus.harnessFailed, message: "cannot write the reports: \(error)")
        }
        var status = RunSummary(result).exitCode
        if requireCoverage {
            let coverage = RequirementCoverage(catalogued: catalogue.catalogued.map(\.id), cases: cases)
            print(ConsoleSummary.coverageLine(for: coverage))
            if status == 0, !coverage.notEvaluated.isEmpty || !coverage.notShownFailing.isEmpty { status = 1 }
        }
        if status != 0 { throw ExitCode(status) }
    }

    private func defaultCataloguePath() -> String {
        let first = paths.first ?? "Scenarios"
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: first, isDirectory: &isDirectory)
        let directory = isDirectory.boolValue ? first : (first as NSString).deletingLastPathComponent
        return ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent(RequirementCatalogue.fileName)
    }
}
