import DPSCore
import Foundation
import TestSupport

/// `dpsconform serve` with its HTTPS front end on, for real HTTP and TLS peers (curl, openssl).
/// The body runs while serve is up; serve is stopped afterwards whether the body throws or not.
func withHTTPSServe(enrollmentYAML: String, extraArguments: [String] = [],
                    _ body: (ServeProcess, ServiceEndpoint) async throws -> Void) async throws {
    let serve = try ServeProcess(enrollmentYAML: enrollmentYAML, extraArguments: ["--https-port", "0"] + extraArguments)
    do {
        try await serve.waitUntilReady()
        let endpoint = try JSONDecoder().decode(ServiceEndpoint.self, from: Data(contentsOf: serve.endpointFile))
        try await body(serve, endpoint)
    } catch {
        _ = await serve.stop()
        throw error
    }
    let status = await serve.stop()
    guard status == 0 else { throw InteropError("serve exited with \(status) on SIGTERM") }
}

/// A throw-away directory for keys and certificates made at test time (never committed).
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Debian tools the interoperability tests drive; ci/install-deps.sh installs them.
enum DebianTool {
    static func path(_ name: String) throws -> String {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") + ["/usr/bin", "/bin"]
        for directory in directories {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw InteropError("\(name) not found on PATH; run ci/install-deps.sh")
    }

    /// Runs a tool with standard input at end of file, standard error merged into the output.
    static func run(_ name: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path(name))
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let collected = OutputCollector(output.fileHandleForReading)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            throw InteropError("\(name) did not finish within \(timeout)")
        }
        return (process.terminationStatus, String(decoding: await collected.data(), as: UTF8.self))
    }

    /// `openssl`, failing the test with its output when it does not succeed.
    static func openssl(_ arguments: [String]) async throws {
        let result = try await run("openssl", arguments)
        guard result.status == 0 else { throw InteropError("openssl \(arguments.joined(separator: " ")) failed: \(result.output)") }
    }

    /// A self-signed P-256 certificate with subject CN=`commonName`, for a device or a CA.
    static func makeSelfSigned(commonName: String, key: String, certificate: String, extensions: [String] = []) async throws {
        try await openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                           "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=\(commonName)"]
                          + extensions.flatMap { ["-addext", $0] })
    }

    /// A P-256 certificate for CN=`commonName` signed by the CA in `issuer`.pem / `issuer`.key of
    /// `scratch`, written as `name`.pem and `name`.key; a CA when `isCA`, else a client certificate.
    static func makeIssued(_ name: String, commonName: String, issuer: String, isCA: Bool, in scratch: ScratchDirectory) async throws {
        let extensions = isCA ? "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
            : "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
        try Data(extensions.utf8).write(to: URL(fileURLWithPath: scratch.path("\(name).ext")))
        try await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", scratch.path("\(name).key"),
                           "-subj", "/CN=\(commonName)", "-out", scratch.path("\(name).csr")])
        try await openssl(["x509", "-req", "-in", scratch.path("\(name).csr"), "-CA", scratch.path("\(issuer).pem"), "-CAkey", scratch.path("\(issuer).key"),
                           "-CAcreateserial", "-days", "2", "-extfile", scratch.path("\(name).ext"), "-out", scratch.path("\(name).pem")])
    }
}

/// One HTTP response as `curl --include` prints it.
struct CurlResponse {
    let status: Int
    let headers: [String: String]
    let body: String

    /// Parses the last response in `output` (skipping `100 Continue` blocks).
    init(_ output: String) throws {
        var rest = Substring(output)
        var parsed: (Int, [String: String], Substring)?
        while let separator = rest.range(of: "\r\n\r\n") {
            let head = rest[..<separator.lowerBound]
            let lines = head.split(separator: "\r\n")
            guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/") else { break }
            let fields = statusLine.split(separator: " ")
            guard fields.count >= 2, let status = Int(fields[1]) else { throw InteropError("bad status line: \(statusLine)") }
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            rest = rest[separator.upperBound...]
            parsed = (status, headers, rest)
            if status >= 200 { break }
        }
        guard let (status, headers, body) = parsed else { throw InteropError("curl printed no HTTP response: \(output)") }
        self.status = status
        self.headers = headers
        self.body = String(body)
    }

    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            throw InteropError("body is not a JSON object: \(body)")
        }
        return object
    }
}
