import ArgumentParser
import Foundation
import Reporting
import Inputs
import VectorChecks
import Verdicts

/// `dpsconform vectors`: known-answer vector files (docs/vectors.md).
struct VectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Check known-answer vector files (Vectors/) against the implementation.",
        subcommands: [VectorsVerifyCommand.self])
}

/// `dpsconform vectors verify [PATH...]`: every vector is one test case in the usual reports.
struct VectorsVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every *-vectors.json file under the paths (default: Vectors/) and write JUnit, JSON, HTML and Markdown reports.",
        discussion: "Exit codes: 0 every vector passed, 1 a vector failed, 2 a bad vector file or flag, 3 the harness could not run.")

    @Argument(help: "Vector files, or directories searched for *-vectors.json files.")
    var paths: [String] = ["Vectors"]

    @Option(name: .long, help: "Directory the reports are written to.")
    var reports: String = "Reports/vectors"

    @Option(name: .long, help: "Requirement catalogue shown in the HTML report (default: Scenarios/requirements.yaml when present).")
    var requirements: String?

    func validate() throws {
        guard !reports.isEmpty else { throw ValidationError("--reports must name a directory") }
        guard !paths.contains(where: \.isEmpty) else { throw ValidationError("a vector path must not be empty") }
    }

    func run() throws {
        let files: [VectorFile]
        do {
            files = try VectorFileLoader.loadAll(paths: paths)
        } catch {
            throw Failure(status: ExitStatus.badInput, message: error.description)
        }
        let catalogue = try requirementList()
        let result = VectorVerifier().run(files) { item in
            print(ConsoleSummary.line(for: item))
        }
        print(ConsoleSummary.totalLine(for: result))
        let writer = ReportWriter(directory: URL(fileURLWithPath: reports), requirements: catalogue)
        do {
            let written = try writer.write(result)
            print("Reports: " + written.map { $0.url.path }.joined(separator: ", "))
        } catch {
            throw Failure(status: ExitStatus.harnessFailed, message: "cannot write the reports: \(error)")
        }
        let status = RunSummary(result).exitCode
        if status != 0 { throw ExitCode(status) }
    }

    /// The catalogue named by --requirements (its absence is bad input), else the default one
    /// when it exists; the reports only use it to show requirement statements.
    private func requirementList() throws -> [Requirement] {
        let path = requirements ?? "Scenarios/" + RequirementCatalogue.fileName
        guard requirements != nil || FileManager.default.fileExists(atPath: path) else { return [] }
        do {
            return try RequirementCatalogue.load(path: path).requirements.values.sorted { $0.id < $1.id }
        } catch {
            throw Failure(status: ExitStatus.badInput, message: "\(error)")
        }
    }
}
