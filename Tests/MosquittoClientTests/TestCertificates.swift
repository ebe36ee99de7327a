import Foundation

/// PEM files generated at run time with the `openssl` command line into a temporary directory
/// (never committed): a root CA, a server certificate for localhost/127.0.0.1, a server certificate
/// naming another host, a device certificate issued by an intermediate CA, and an unrelated CA.
///
/// One set serves the whole test process (generated on first use, removed at exit), so parallel
/// tests do not each spend a dozen openssl runs.
struct TestCertificates {
    static func shared() async throws -> TestCertificates {
        try await sharedGeneration.value
    }

    /// Subject CN of the device certificate; the certificate listener uses it as the MQTT user name.
    static let deviceCommonName = "dpsconform-device-01"

    let rootCA: String
    let serverCertificate: String
    let serverKey: String
    /// Server certificate whose only SAN is `wrong.example` (host name verification must fail).
    let mismatchedServerCertificate: String
    let mismatchedServerKey: String
    /// Device certificate followed by its intermediate CA, as DPS group enrollments present it.
    let deviceChain: String
    let deviceKey: String
    /// A CA that signed nothing the broker presents.
    let untrustedCA: String

    static func generate(in directory: String) throws -> TestCertificates {
        let openssl = ExternalTool.openssl
        func path(_ name: String) -> String { directory + "/" + name }
        func newKey(_ name: String) throws {
            try openssl.run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name], in: directory)
        }
        func selfSignedCA(_ name: String, subject: String) throws {
            try newKey(name + ".key")
            try openssl.run(["req", "-x509", "-new", "-key", name + ".key", "-out", name + ".pem", "-days", "2",
                             "-subj", subject,
                             "-addext", "basicConstraints=critical,CA:TRUE",
                             "-addext", "keyUsage=critical,keyCertSign,cRLSign"], in: directory)
        }
        func issue(_ name: String, subject: String, by issuer: String, serial: Int, extensions: String) throws {
            try newKey(name + ".key")
            try openssl.run(["req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", subject], in: directory)
            try extensions.write(toFile: path(name + ".ext"), atomically: true, encoding: .utf8)
            try openssl.run(["x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem", "-CAkey", issuer + ".key",
                             "-set_serial", String(serial), "-days", "2", "-extfile", name + ".ext",
                             "-out", name + ".pem"], in: directory)
        }

        try selfSignedCA("root-ca", subject: "/CN=dpsconform test root CA")
        try selfSignedCA("untrusted-ca", subject: "/CN=dpsconform untrusted CA")
        try issue("server", subject: "/CN=localhost", by: "root-ca", serial: 2, extensions: """
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth
            subjectAltName=DNS:localhost,IP:127.0.0.1

            """)
        try issue("mismatched-server", subject: "/CN=wrong.example", by: "root-ca", serial: 3, extensions: """
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth
            subjectAltName=DNS:wrong.example

            """)
        try issue("intermediate-ca", subject: "/CN=dpsconform test intermediate CA", by: "root-ca", serial: 4, extensions: """
            basicConstraints=critical,CA:TRUE,pathlen:0
            keyUsage=critical,keyCertSign,cRLSign

            """)
        try issue("device", subject: "/CN=\(deviceCommonName)", by: "intermediate-ca", serial: 5, extensions: """
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=clientAuth

            """)
        let chain = try String(contentsOfFile: path("device.pem"), encoding: .utf8)
            + String(contentsOfFile: path("intermediate-ca.pem"), encoding: .utf8)
        try chain.write(toFile: path("device-chain.pem"), atomically: true, encoding: .utf8)

        return TestCertificates(
            rootCA: path("root-ca.pem"),
            serverCertificate: path("server.pem"),
            serverKey: path("server.key"),
            mismatchedServerCertificate: path("mismatched-server.pem"),
            mismatchedServerKey: path("mismatched-server.key"),
            deviceChain: path("device-chain.pem"),
            deviceKey: path("device.key"),
            untrustedCA: path("untrusted-ca.pem")
        )
    }
}

/// Directory of the shared set, created on first use and removed when the test process exits.
private let sharedCertificateDirectory: Result<String, FixtureError> = {
    var template = Array((NSTemporaryDirectory() + "/mosquitto-client-certificates.XXXXXX").utf8CString)
    guard let created = mkdtemp(&template) else {
        return .failure(FixtureError("mkdtemp failed: \(String(cString: strerror(errno)))"))
    }
    atexit {
        if case .success(let directory) = sharedCertificateDirectory {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
    return .success(String(cString: created))
}()

/// Generated once; openssl runs on a Dispatch thread, off the cooperative pool.
private let sharedGeneration = Task<TestCertificates, any Error> {
    let directory = try sharedCertificateDirectory.get()
    return try await runBlocking { try TestCertificates.generate(in: directory) }
}
