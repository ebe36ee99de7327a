import Foundation

/// Device certificates made with the `openssl` command line at test time (never committed):
/// a root CA, an intermediate it signs, and device certificates signed by either.
struct TestPKI {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A self-signed CA, or a CA signed by `issuer`.
    func makeCA(_ name: String, issuer: String? = nil) async throws {
        try await key(name)
        let extensions = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
        if let issuer {
            try await sign(name, subject: "/CN=dpsconform interop \(name)", issuer: issuer, extensions: extensions)
        } else {
            try await openssl(["req", "-x509", "-new", "-key", path("\(name).key"), "-subj", "/CN=dpsconform interop \(name)", "-days", "30",
                               "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                               "-out", path("\(name).pem")])
        }
    }

    /// A client certificate with CN = `commonName`, signed by `issuer` (self-signed when nil).
    func makeDevice(_ name: String, commonName: String, issuer: String?) async throws {
        try await key(name)
        let extensions = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
        if let issuer {
            try await sign(name, subject: "/CN=\(commonName)", issuer: issuer, extensions: extensions)
        } else {
            try await openssl(["req", "-x509", "-new", "-key", path("\(name).key"), "-subj", "/CN=\(commonName)", "-days", "30",
                               "-addext", "extendedKeyUsage=clientAuth", "-out", path("\(name).pem")])
        }
    }

    /// Concatenates PEM files (leaf first) into `name`.
    func chain(_ name: String, _ parts: [String]) throws -> String {
        let text = try parts.map { try String(contentsOfFile: path("\($0).pem"), encoding: .utf8) }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    private func key(_ name: String) async throws {
        try await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path("\(name).key")])
    }

    private func sign(_ name: String, subject: String, issuer: String, extensions: String) async throws {
        try Data(extensions.utf8).write(to: URL(fileURLWithPath: path("\(name).ext")))
        try await openssl(["req", "-new", "-key", path("\(name).key"), "-subj", subject, "-out", path("\(name).csr")])
        try await openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(issuer).pem"), "-CAkey", path("\(issuer).key"),
                           "-CAcreateserial", "-days", "30", "-extfile", path("\(name).ext"), "-out", path("\(name).pem")])
    }

    private func openssl(_ arguments: [String]) async throws {
        guard let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first(where: FileManager.default.isExecutableFile) else {
            throw InteropError("openssl not found: apt-get install openssl (ci/install-deps.sh)")
        }
        let result = try await runTool(openssl, arguments, timeout: .seconds(30))
        guard result.status == 0 else { throw InteropError("openssl \(arguments.prefix(2).joined(separator: " ")) failed (\(result.status))") }
    }
}
