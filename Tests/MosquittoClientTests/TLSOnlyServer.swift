import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `openssl s_server` on 127.0.0.1 speaking exactly one TLS version and no MQTT: a client that
/// gets through the handshake waits for a CONNACK that never comes.
///
/// Always pair `start` with `defer { server.stop() }`.
final class TLSOnlyServer {
    let port: UInt16
    private let process: Process
    private let directory: String

    /// - Parameter versionFlag: an `s_server` protocol flag such as `-tls1_2`.
    static func start(versionFlag: String) async throws -> TLSOnlyServer {
        let certificates = try await TestCertificates.shared()
        let port = try UInt16(LoopbackPort.free())
        let directory = NSTemporaryDirectory() + "/tls-only-server-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let outputPath = directory + "/s_server.out"
        guard FileManager.default.createFile(atPath: outputPath, contents: nil) else {
            throw FixtureError("cannot create \(outputPath)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ExternalTool.openssl.path())
        process.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificates.serverCertificate,
                             "-key", certificates.serverKey, versionFlag]
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = Pipe()
        try process.run()
        let server = TLSOnlyServer(port: port, process: process, directory: directory)
        // s_server prints ACCEPT once it listens.
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            if text.contains("ACCEPT") { return server }
            if !process.isRunning {
                server.stop()
                throw FixtureError("openssl s_server exited at start-up: \(text)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        server.stop()
        throw FixtureError("openssl s_server did not print ACCEPT within 10 s")
    }

    private init(port: UInt16, process: Process, directory: String) {
        self.port = port
        self.process = process
        self.directory = directory
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
