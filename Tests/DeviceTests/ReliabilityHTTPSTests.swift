import DPSCore
import Device
import FakeDPS
import Foundation
import Testing
import TestSupport

/// A TLS server on loopback (Python's ssl module) that misbehaves on purpose:
/// `body` answers `202 Accepted` with `Content-Length: 1000` and a few bytes of body, then nothing;
/// `head` reads the request and never answers; `notls` accepts TCP and never starts TLS.
/// It ends with the test (stdin closes) and after two minutes in any case.
final class StallingServer: @unchecked Sendable {
    enum Mode: String, Sendable, CaseIterable { case body, head, notls }

    static let script = #"""
        import os, socket, ssl, sys, threading
        mode, cert, key = sys.argv[1], sys.argv[2], sys.argv[3]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)
        print(srv.getsockname()[1], flush=True)
        held = []
        def watchdog():
            sys.stdin.read()
            os._exit(0)
        threading.Thread(target=watchdog, daemon=True).start()
        threading.Timer(120, lambda: os._exit(0)).start()
        def serve(conn):
            held.append(conn)
            if mode == "notls":
                return
            try:
                tls = ctx.wrap_socket(conn, server_side=True)
            except Exception:
                return
            held.append(tls)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = tls.recv(65536)
                if not chunk:
                    return
                data += chunk
            if mode == "body":
                tls.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json; charset=utf-8\r\n"
                            b"Content-Length: 1000\r\nRetry-After: 1\r\n\r\n{\"operationId\":")
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
        """#

    static var available: Bool { ExternalTools.path("python3") != nil }

    let process = Process()
    let input = Pipe()
    let port: Int
    let caFile: String

    init(_ mode: Mode) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-stall-\(UUID().uuidString)")
        let material = try TLSMaterial.generate()
        caFile = try material.write(to: directory).path
        process.executableURL = URL(fileURLWithPath: try #require(ExternalTools.path("python3")))
        process.arguments = ["-c", Self.script, mode.rawValue, directory.appendingPathComponent("server.pem").path,
                             directory.appendingPathComponent("server-key.pem").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        port = try #require(Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)), "the server did not start")
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

enum ExternalTools {
    static func path(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Issue 10, findings 1 and 9: over HTTPS every read is inside the time given, and no connection
/// at all is a connection failure (exit 3), promptly when refused.
@Suite("Reliability of the HTTPS device transport", .serialized)
struct ReliabilityHTTPSTests {
    static let credentials = TransportCredentials(username: MQTTUsername(idScope: "0ne00TEST01", registrationID: "device-01"),
                                                  sasToken: "SharedAccessSignature sr=x&sig=y&se=4000000000")

    /// How long a timed-out exchange, closing included (at most `HTTPSDeviceTransport.closeLimit`),
    /// may overrun its time here. The documented overrun is at most 2 s, measured alone at 0 to
    /// 0.5 s; a CI runner running the other suites at the same time saw the exchange end 3.7 s
    /// late, and a machine also compiling two other checkouts 6.8 s late. This is no speed goal
    /// (those live in `dpsconform bench`): the bound only tells an exchange the timeout ended from
    /// one that waited for the stalled server, which never answers within the test's 1-minute limit.
    static let margin: Duration = .seconds(20)

    /// One register exchange; the time includes closing the transport afterwards.
    func exchange(port: Int, caFile: String?, timeout: Duration) async -> (TransportError?, Duration) {
        let transport = HTTPSDeviceTransport(host: "127.0.0.1", port: port, caFile: caFile)
        let start = ContinuousClock.now
        var failure: TransportError?
        do {
            try await transport.open(credentials: Self.credentials, timeout: timeout)
            _ = try await transport.exchange(OutgoingRequest(kind: .register, requestID: "r1", body: Array(#"{"registrationId":"device-01"}"#.utf8)),
                                             timeout: timeout)
        } catch {
            failure = error
        }
        let exchanged = ContinuousClock.now - start
        await transport.close()
        let total = ContinuousClock.now - start
        print("exchange ended after \(exchanged), closed after \(total) (timeout \(timeout))")
        return (failure, total)
    }

    @Test("a response body that stalls ends the exchange at its timeout, as a timeout", .enabled(if: StallingServer.available),
          .timeLimit(.minutes(1)))
    func stalledBody() async throws {
        let server = try StallingServer(.body)
        defer { server.stop() }
        let (failure, elapsed) = await exchange(port: server.port, caFile: server.caFile, timeout: .seconds(2))
        #expect(failure?.code == .timeout, "\(String(describing: failure))")
        #expect(elapsed < .seconds(2) + Self.margin, "took \(elapsed)")
    }

    @Test("a response head that never comes ends the exchange at its timeout, as a timeout", .enabled(if: StallingServer.available),
          .timeLimit(.minutes(1)))
    func stalledHead() async throws {
        let server = try StallingServer(.head)
        defer { server.stop() }
        let (failure, elapsed) = await exchange(port: server.port, caFile: server.caFile, timeout: .seconds(2))
        #expect(failure?.code == .timeout, "\(String(describing: failure))")
        #expect(elapsed < .seconds(2) + Self.margin, "took \(elapsed)")
    }

    @Test("the malformed-header mutant's raw request also ends at its timeout when the answer never comes",
          .enabled(if: StallingServer.available), .timeLimit(.minutes(1)))
    func rawRequestStalledHead() async throws {
        let server = try StallingServer(.head)
        defer { server.stop() }
        var credentials = Self.credentials
        credentials.wireForm.malformedHeader = true
        let transport = HTTPSDeviceTransport(host: "127.0.0.1", port: server.port, caFile: server.caFile)
        let start = ContinuousClock.now
        var failure: TransportError?
        do {
            try await transport.open(credentials: credentials, timeout: .seconds(2))
            _ = try await transport.exchange(OutgoingRequest(kind: .register, requestID: "r1", body: Array(#"{"registrationId":"device-01"}"#.utf8)),
                                             timeout: .seconds(2))
        } catch {
            failure = error
        }
        await transport.close()
        let elapsed = ContinuousClock.now - start
        #expect(failure?.code == .timeout, "\(String(describing: failure))")
        #expect(elapsed < .seconds(2) + Self.margin, "took \(elapsed)")
    }

    @Test("a server that accepts TCP but never starts TLS is no connection: connectFailed within the timeout",
          .enabled(if: StallingServer.available), .timeLimit(.minutes(1)))
    func noTLSSession() async throws {
        let server = try StallingServer(.notls)
        defer { server.stop() }
        let (failure, elapsed) = await exchange(port: server.port, caFile: server.caFile, timeout: .seconds(2))
        #expect(failure?.code == .connectFailed, "\(String(describing: failure))")
        #expect(elapsed < .seconds(2) + Self.margin, "took \(elapsed)")
    }

    @Test("a closed port is connectFailed at once, not after the timeout", .timeLimit(.minutes(1)))
    func closedPort() async throws {
        let refusing = try LoopbackPort.Refusing()
        let (failure, elapsed) = await exchange(port: refusing.port, caFile: nil, timeout: .seconds(20))
        withExtendedLifetime(refusing) {}
        #expect(failure?.code == .connectFailed, "\(String(describing: failure))")
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }
}

/// The same through `dpsconform provision`: `--timeout` holds on a stalled body, and no
/// connection is exit 3 on HTTPS as on MQTT.
@Suite("Reliability of dpsconform provision over HTTPS", .serialized)
struct ReliabilityProvisionTests {
    struct Ended {
        let status: Int32
        let json: [String: Any]
        let elapsed: Duration
        let standardError: String
    }

    func provision(_ arguments: [String]) throws -> Ended {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(ProvisionCommandTests.binary))
        process.arguments = ["provision", "--id-scope", "0ne00TEST01", "--registration-id", "device-01",
                             "--symmetric-key", FakeFixture.key] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let start = ContinuousClock.now
        try process.run()
        // A hang fails the test instead of blocking the suite.
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        let json = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        return Ended(status: process.terminationStatus, json: json, elapsed: ContinuousClock.now - start,
                     standardError: String(decoding: errorData, as: UTF8.self))
    }

    @Test("--timeout 3 against a stalled response body: timedOut (exit 1) within the timeout and its margin",
          .enabled(if: ProvisionCommandTests.binary != nil && StallingServer.available), .timeLimit(.minutes(2)))
    func stalledBody() throws {
        let server = try StallingServer(.body)
        defer { server.stop() }
        let ended = try provision(["--transport", "https", "--endpoint", "127.0.0.1:\(server.port)", "--ca", server.caFile, "--timeout", "3"])
        #expect(ended.status == 1, "\(ended.standardError)")
        #expect(ended.json["status"] as? String == "timedOut")
        // 3 s, the documented 2 s margin, and 3 s for starting a process on a loaded machine.
        #expect(ended.elapsed < .seconds(8), "took \(ended.elapsed)")
    }

    @Test("a closed port: exit 3 (connectionFailed) at once over HTTPS, as over MQTT",
          .enabled(if: ProvisionCommandTests.binary != nil), .timeLimit(.minutes(2)), arguments: ["https", "mqtt"])
    func closedPort(transport: String) throws {
        let refusing = try LoopbackPort.Refusing()
        let ended = try provision(["--transport", transport, "--endpoint", "127.0.0.1:\(refusing.port)", "--timeout", "60"])
        withExtendedLifetime(refusing) {}
        #expect(ended.status == 3, "\(ended.standardError)")
        #expect(ended.json["status"] as? String == "connectionFailed")
        #expect(ended.elapsed < .seconds(10), "took \(ended.elapsed)")
    }

    @Test("a server that never completes TLS: exit 3 (connectionFailed) over HTTPS within the timeout",
          .enabled(if: ProvisionCommandTests.binary != nil && StallingServer.available), .timeLimit(.minutes(2)))
    func noTLSSession() throws {
        let server = try StallingServer(.notls)
        defer { server.stop() }
        let ended = try provision(["--transport", "https", "--endpoint", "127.0.0.1:\(server.port)", "--ca", server.caFile, "--timeout", "3"])
        #expect(ended.status == 3, "\(ended.standardError)")
        #expect(ended.json["status"] as? String == "connectionFailed")
        #expect(ended.elapsed < .seconds(8), "took \(ended.elapsed)")
    }
}
