import Foundation
import Synchronization

/// Runs a program the tests use as an independent judge (xmllint, a Python reader) to its end.
public enum ToolProcess {
    /// What the program did: its exit status and its stdout and stderr together.
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
    }

    /// Runs `executable` with `arguments` and waits for it; output is read while it runs, so a
    /// chatty program cannot fill the pipe and stall.
    public static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let (process, pipe) = try start(executable, arguments)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// As `run`, without holding a thread of the caller's while the program runs (for programs
    /// that take seconds, such as a browser): the output is read on a thread of its own.
    public static func runAsync(_ executable: String, _ arguments: [String]) async throws -> Result {
        let (process, pipe) = try start(executable, arguments)
        let collected = OutputCollector(pipe.fileHandleForReading)
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return Result(status: process.terminationStatus, output: String(decoding: await collected.data(), as: UTF8.self))
    }

    /// Starts `executable` with stdin from /dev/null and stdout and stderr into one pipe.
    private static func start(_ executable: String, _ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, pipe)
    }

    /// The first executable called `name` on `PATH`, or nil.
    public static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// The Python of `.venv-interop` (ci/setup-interop-venv.sh: azure-iot-device, junitparser,
/// jsonschema), found as the interoperability tests find it: `$DPSCONFORM_PYTHON`, else the
/// checkout's `.venv-interop/bin/python`.
public enum InteropPython {
    public static var interpreter: String? {
        if let path = ProcessInfo.processInfo.environment["DPSCONFORM_PYTHON"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let local = Checkout.url(".venv-interop/bin/python").path
        return FileManager.default.isExecutableFile(atPath: local) ? local : nil
    }

    /// Says what is missing when there is no interpreter.
    public static var missing: String {
        "no Python with the interop packages: run ci/setup-interop-venv.sh (or ci/test.sh) first, or set DPSCONFORM_PYTHON"
    }
}

/// Reads a pipe on a dedicated thread until its writers close it.
public final class OutputCollector: Sendable {
    private let state = Mutex<(data: Data, done: Bool)>((Data(), false))

    public init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                state.withLock { $0.data.append(chunk) }
            }
            state.withLock { $0.done = true }
        }
        thread.start()
    }

    /// What was read, once the writers have closed the pipe, or what was read by `limit` when
    /// something the program started keeps the pipe open.
    public func data(within limit: Duration = .seconds(30)) async -> Data {
        let deadline = ContinuousClock.now + limit
        while true {
            let (data, done) = state.withLock { ($0.data, $0.done) }
            if done || ContinuousClock.now >= deadline { return data }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
