import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A private Debian `mosquitto` broker on 127.0.0.1 with three TLS listeners on free ports:
/// user name + password, client certificate (`use_identity_as_username`), and one presenting a
/// certificate for another host name. Its files live in a temporary directory removed by `stop()`.
///
/// Always pair `start()` with `defer { broker.stop() }`: `stop` resumes a paused broker and kills it.
final class TestBroker {
    static let username = "dpsconform-user"

    let directory: String
    let certificates: TestCertificates
    /// Generated per run; a secret the client must never echo.
    let password: String
    /// Listener 1: TLS, `require_certificate false`, password file.
    let passwordPort: UInt16
    /// Listener 2: TLS, `require_certificate true`, `use_identity_as_username true`.
    let certificatePort: UInt16
    /// Listener 3: like listener 1 but its certificate names `wrong.example` only.
    let mismatchedNamePort: UInt16
    private let process: Process
    private var stopped = false

    var logPath: String { directory + "/broker.log" }

    static func start() async throws -> TestBroker {
        let brokerPath = try ExternalTool.broker.path()
        let directory = try makeTemporaryDirectory()
        do {
            let password = "pw-" + UUID().uuidString
            let certificates = try await TestCertificates.shared()
            // mosquitto_passwd blocks; keep it off the cooperative pool other tests time on.
            _ = try await runBlocking {
                try ExternalTool.passwordFileTool.run(["-c", "-b", "passwd", username, password], in: directory)
            }
            let ports = try (UInt16(LoopbackPort.free()), UInt16(LoopbackPort.free()), UInt16(LoopbackPort.free()))
            let configuration = brokerConfiguration(directory: directory, certificates: certificates,
                                                    ports: [ports.0, ports.1, ports.2])
            try configuration.write(toFile: directory + "/broker.conf", atomically: true, encoding: .utf8)

            let process = Process()
            process.executableURL = URL(fileURLWithPath: brokerPath)
            process.arguments = ["-c", directory + "/broker.conf"]
            let output = try FileHandle(forWritingTo: URL(fileURLWithPath: makeEmptyFile(directory + "/broker.out")))
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let broker = TestBroker(directory: directory, certificates: certificates, password: password,
                                    ports: ports, process: process)
            do {
                try await broker.waitUntilListening()
            } catch {
                broker.stop()
                throw error
            }
            return broker
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    private init(directory: String, certificates: TestCertificates, password: String,
                 ports: (UInt16, UInt16, UInt16), process: Process) {
        self.directory = directory
        self.certificates = certificates
        self.password = password
        (passwordPort, certificatePort, mismatchedNamePort) = ports
        self.process = process
    }

    private static func brokerConfiguration(directory: String, certificates: TestCertificates, ports: [UInt16]) -> String {
        // As root, mosquitto would switch to the `mosquitto` user, which cannot read our 0700 directory.
        let user = geteuid() == 0 ? "user root\n" : ""
        return """
            per_listener_settings true
            \(user)log_dest file \(directory)/broker.log
            log_type all
            connection_messages true
            persistence false

            listener \(ports[0]) 127.0.0.1
            cafile \(certificates.rootCA)
            certfile \(certificates.serverCertificate)
            keyfile \(certificates.serverKey)
            require_certificate false
            password_file \(directory)/passwd
            allow_anonymous false

            listener \(ports[1]) 127.0.0.1
            cafile \(certificates.rootCA)
            certfile \(certificates.serverCertificate)
            keyfile \(certificates.serverKey)
            require_certificate true
            use_identity_as_username true
            allow_anonymous false

            listener \(ports[2]) 127.0.0.1
            cafile \(certificates.rootCA)
            certfile \(certificates.mismatchedServerCertificate)
            keyfile \(certificates.mismatchedServerKey)
            require_certificate false
            password_file \(directory)/passwd
            allow_anonymous false

            """
    }

    /// Resumes (if paused) and kills the broker, then removes its directory. Safe to call twice.
    func stop() {
        guard !stopped else { return }
        stopped = true
        let pid = process.processIdentifier
        if process.isRunning {
            kill(pid, SIGCONT)
            kill(pid, SIGKILL)
        }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// SIGSTOP: the kernel still accepts TCP connections and buffers data, but nothing answers.
    func pause() {
        kill(process.processIdentifier, SIGSTOP)
    }

    func resume() {
        kill(process.processIdentifier, SIGCONT)
    }

    var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Polls the broker log (line-buffered) until it contains `text`.
    func waitForLog(containing text: String, within limit: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline {
            if log.contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return log.contains(text)
    }

    private func waitUntilListening() async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                let output = (try? String(contentsOfFile: directory + "/broker.out", encoding: .utf8)) ?? ""
                throw FixtureError("mosquitto exited at start-up: \(output) \(log)")
            }
            if log.contains("mosquitto version") && log.contains(" running") {
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw FixtureError("mosquitto did not report 'running' within 10 s: \(log)")
    }

    private static func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/mosquitto-client-tests.XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            throw FixtureError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        return String(cString: created)
    }

    private static func makeEmptyFile(_ path: String) throws -> String {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw FixtureError("cannot create \(path)")
        }
        return path
    }
}

/// Runs blocking work (child processes) on a Dispatch thread instead of a cooperative one.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}
