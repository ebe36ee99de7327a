import ArgumentParser
import DPSCore
import Foundation
import Inputs
import Reporting
import ScenarioEngine
import Verdicts

/// `dpsconform run`: runs scenarios against the built-in fake and writes the reports.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run conformance scenarios (default: Scenarios/) and write JUnit, JSON, HTML and Markdown reports.",
        discussion: """
            Exit codes: 0 every required check passed, 1 a check failed, 2 bad input, 3 the harness could not run \
            (or the run was interrupted). SIGINT or SIGTERM stops the current case and writes the reports of the cases \
            that finished, marked with the run property 'interrupted'; the reports are replaced as a set, never mixed.
            """)

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
        // From here SIGINT and SIGTERM stop the run instead of the process (exit codes in README).
        let interruption = Interruption()
        let runner = ScenarioRunner(catalogue: catalogue, caseTimeout: .seconds(caseTimeout))
        let finished = FinishedCases<CaseResult>()
        let work = Task {
            await runner.run(scenarios) { result in
                finished.append(result)
                Console.line(ConsoleSummary.line(for: result))
            }
        }
        enum End: Sendable {
            case completed([CaseResult])
            case interrupted(String)
        }
        let end: End = await withCheckedContinuation { continuation in
            let first = FirstOf(continuation)
            Task { first.resume(.completed(await work.value)) }
            Task {
                for await name in interruption.signals {
                    first.resume(.interrupted(name))
                    return
                }
            }
        }
        var properties = ["tool": "dpsconform " + DPSConform.version, "target": "built-in fake DPS", "scenarios": paths.joined(separator: " ")]
        let cases: [CaseResult]
        switch end {
        case .completed(let all):
            cases = all
        case .interrupted(let name):
            // The cases that finished before the signal; the current one is cancelled and given a
            // moment to stop its fake and device, but not waited for beyond that.
            cases = finished.snapshot
            work.cancel()
            await Self.wait(for: work, atMost: .seconds(3))
            properties[RunProperty.interrupted] = "\(name) after \(cases.count) of \(scenarios.count) cases"
            Console.line("dpsconform: \(name): run stopped after \(cases.count) of \(scenarios.count) cases; writing their reports")
        }
        let result = RunResult(name: "conformance run of " + paths.joined(separator: " "), startedAt: started, wallSeconds: (ContinuousClock.now - wall).seconds,
                               cases: cases, properties: properties)
        Console.line(ConsoleSummary.totalLine(for: result))
        let writer = ReportWriter(directory: URL(fileURLWithPath: reports), requirements: catalogue.requirements.values.sorted { $0.id < $1.id })
        do {
            let written = try writer.write(result)
            Console.line("Reports: " + written.map { $0.url.path }.joined(separator: ", "))
        } catch {
            throw Failure(status: ExitStatus.harnessFailed, message: "cannot write the reports: \(error)")
        }
        withExtendedLifetime(interruption) {}
        var status = RunSummary(result).exitCode
        if requireCoverage {
            let coverage = RequirementCoverage(catalogued: catalogue.catalogued.map(\.id), cases: cases)
            Console.line(ConsoleSummary.coverageLine(for: coverage))
            if status == 0, !coverage.notEvaluated.isEmpty || !coverage.notShownFailing.isEmpty { status = 1 }
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Waits for `task` to end, or for `limit`, whichever is first.
    private static func wait<T: Sendable>(for task: Task<T, Never>, atMost limit: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let first = FirstOf(continuation)
            Task { _ = await task.value; first.resume(()) }
            Task { try? await Task.sleep(for: limit); first.resume(()) }
        }
    }

    private func defaultCataloguePath() -> String {
        let first = paths.first ?? "Scenarios"
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: first, isDirectory: &isDirectory)
        let directory = isDirectory.boolValue ? first : (first as NSString).deletingLastPathComponent
        return ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent(RequirementCatalogue.fileName)
    }
}
