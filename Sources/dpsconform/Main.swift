import ArgumentParser
import Foundation

/// The command-line tool. Exit codes are a contract CI pipelines depend on:
/// 0 every required check passed; 1 a check failed; 2 bad input; 3 the harness could not run.
struct DPSConform: AsyncParsableCommand {
    /// The one version string: `--version`, the reports' `tool` property.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "dpsconform",
        abstract: "Conformance harness and fake service for the Azure IoT Hub Device Provisioning Service (DPS).",
        discussion: "Exit codes: 0 all required checks passed, 1 a check failed, 2 bad input, 3 the harness could not run.",
        version: version,
        subcommands: [RunCommand.self, ServeCommand.self, ProvisionCommand.self, DiceCommand.self, VectorsCommand.self, BenchCommand.self, ReportCommand.self,
                      RecordCommand.self, CompareCommand.self, FuzzCommand.self])
}

/// Exit codes of every command.
enum ExitStatus {
    static let passed: Int32 = 0
    static let checkFailed: Int32 = 1
    static let badInput: Int32 = 2
    static let harnessFailed: Int32 = 3
}

/// An error that has been reported to the user and ends the process with `status`.
struct Failure: Error {
    let status: Int32
    let message: String
}

@main
enum Entry {
    static func main() async {
        do {
            var command = try DPSConform.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as Failure {
            FileHandle.standardError.write(Data(("dpsconform: " + failure.message + "\n").utf8))
            exit(failure.status)
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = DPSConform.exitCode(for: error)
            if code == .success {
                DPSConform.exit(withError: error)
            }
            // Flag and argument errors are bad input (2), not ArgumentParser's 64.
            FileHandle.standardError.write(Data((DPSConform.fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code == .validationFailure ? ExitStatus.badInput : code.rawValue)
        }
    }
}
