import TestSupport
import Foundation
import Testing

/// The checkout's root (TestSupport).
let repositoryRoot = Checkout.root

let dpsVectorFile = repositoryRoot.appendingPathComponent("Vectors/dps/dps-vectors.json")
let diceVectorFile = repositoryRoot.appendingPathComponent("Vectors/dice/dice-vectors.json")

/// A fresh directory under the system temporary directory, removed by `cleanUp`.
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-vectorchecks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let target = file(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: target)
        return target
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL { try write(name, Array(text.utf8)) }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }
}

struct ToolMissing: Error, CustomStringConvertible {
    let description: String
}

/// The outcome of one run of the `dpsconform` executable.
struct ToolRun {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

/// Runs the built `dpsconform` ($DPSCONFORM_BIN, or the one beside the test bundle) to
/// completion, killing it after `timeout`.
enum Tool {
    static func executable() throws -> URL {
        guard let url = BuiltTool.dpsconform else { throw ToolMissing(description: BuiltTool.missing) }
        return url
    }

    static func run(_ arguments: [String], in directory: URL? = nil, timeout: Duration = .seconds(120)) async throws -> ToolRun {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drained concurrently, so a chatty child never blocks on a full pipe.
        let collectedOutput = OutputCollector(output.fileHandleForReading)
        let collectedErrors = OutputCollector(errors.fileHandleForReading)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("dpsconform \(arguments.joined(separator: " ")) did not finish within \(timeout)")
        }
        process.waitUntilExit()
        return ToolRun(status: process.terminationStatus,
                       standardOutput: String(decoding: await collectedOutput.data(), as: UTF8.self),
                       standardError: String(decoding: await collectedErrors.data(), as: UTF8.self))
    }
}
