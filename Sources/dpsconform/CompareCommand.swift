import ArgumentParser
import DPSCore
import Foundation
import ScenarioEngine

/// `dpsconform compare REFERENCE DEVICE`: two transcripts side by side, the first divergence and
/// the rule it breaks (docs/recordings.md).
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a device's transcript with a reference recording: requests and responses side by side, the first divergence and the rule it breaks.",
        discussion: "Exit codes: 0 the same behaviour, 1 a difference (DPS-BEHAV-SEQ-001, -FIELD-001 or -TIME-001), 2 bad input.")

    @Argument(help: "The reference transcript (a recording, or 'provision --transcript' output).")
    var reference: String

    @Argument(help: "The device's transcript.")
    var device: String

    @Option(name: .long, help: "Seconds a wait may fall short of the recorded retry-after (real-clock scheduling).")
    var tolerance: Double = 0.05

    func validate() throws {
        guard tolerance >= 0, tolerance <= 10 else { throw ValidationError("--tolerance must be 0...10 seconds") }
    }

    func run() throws {
        let referenceEvents = try Self.events(reference)
        let deviceEvents = try Self.events(device)
        let comparison = BehaviourComparison.compare(reference: referenceEvents, device: deviceEvents, tolerance: tolerance)
        Console.line(comparison.sideBySide(referenceName: reference, deviceName: device))
        if !comparison.matches { throw ExitCode(ExitStatus.checkFailed) }
    }

    static func events(_ path: String) throws -> [WireEvent] {
        do throws(DPSCoreError) {
            return try ReferenceRecording.load(path: path).events
        } catch {
            throw Failure(status: ExitStatus.badInput, message: error.description)
        }
    }
}
