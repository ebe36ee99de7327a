import TestSupport
import Foundation
import Synchronization

/// `dpsconform serve` run as a child process on an ephemeral loopback port, with a fresh state
/// directory and an enrollment file made for the test (keys made at run time, never committed).
final class ServeProcess {
    let process = Process()
    let stateDirectory: URL
    let endpointFile: URL
    private let output = Pipe()

    /// The `dpsconform` executable: $DPSCONFORM_BIN, or the one built beside this test bundle.
    static func executable() throws -> URL {
        guard let url = BuiltTool.dpsconform else { throw InteropError(BuiltTool.missing) }
        return url
    }

    init(enrollmentYAML: String, extraArguments: [String] = []) throws {
        stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-interop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        let enrollments = stateDirectory.appendingPathComponent("enrollments.yaml")
        try Data(enrollmentYAML.utf8).write(to: enrollments)
        endpointFile = stateDirectory.appendingPathComponent("endpoint.json")
        process.executableURL = try Self.executable()
        process.arguments = ["serve", "--host", "127.0.0.1", "--mqtt-port", "0", "--enrollments", enrollments.path,
                             "--state-dir", stateDirectory.path] + extraArguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    /// Waits until the endpoint file exists (the fake is listening).
    func waitUntilReady(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if FileManager.default.fileExists(atPath: endpointFile.path) { return }
            guard process.isRunning else { throw InteropError("serve exited early: \(log())") }
            try await Task.sleep(for: .milliseconds(50))
        }
        // A test task that was not scheduled for a while wakes after the deadline: look once more.
        if FileManager.default.fileExists(atPath: endpointFile.path) { return }
        throw InteropError("serve did not write \(endpointFile.path) within \(timeout)")
    }

    /// Stops serve with SIGTERM and returns its exit status.
    func stop() async -> Int32 {
        if process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: stateDirectory)
        return process.isRunning ? -1 : process.terminationStatus
    }

    func log() -> String {
        String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
    }
}

struct InteropError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command to completion (with a deadline) and returns its exit status and standard output.
func runTool(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(120)) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.standardError
    try process.run()
    // The output is read on a thread of its own: a blocking read on the test's cooperative
    // threads would starve every other test while a long run goes on.
    let collected = OutputCollector(output.fileHandleForReading)
    let deadline = ContinuousClock.now + timeout
    while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
    if process.isRunning {
        process.terminate()
        throw InteropError("\(executable) did not finish within \(timeout)")
    }
    return (process.terminationStatus, String(decoding: await collected.data(), as: UTF8.self))
}

