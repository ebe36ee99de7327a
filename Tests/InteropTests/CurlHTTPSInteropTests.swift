import DPSCore
import Foundation
import Testing

/// Debian's curl speaking the DPS device REST API (DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices) to `dpsconform serve`
/// over real TLS on loopback: register, poll until assigned, status lookup, with a SAS
/// `Authorization` header and with a TLS client certificate.
@Suite("Interoperability: curl against the HTTPS front end of dpsconform serve", .serialized)
struct CurlHTTPSInteropTests {
    static let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    static let idScope = "0ne0000FAKE"

    static let enrollments = """
        individual:
          - registrationId: curl-device-01
            symmetricKey: {primaryKey: "\(key)"}
            deviceId: curl-device-01-id
            iotHub: curl-hub.azure-devices.net
          - registrationId: x509-device-01
            symmetricKey: {primaryKey: "\(key)"}
        """

    static func token(_ registrationID: String, key: String = CurlHTTPSInteropTests.key) throws -> String {
        let resource = SASToken.resourceText(idScope: idScope, registrationID: registrationID, encoding: .upperHex)
        return try SASToken.create(resource: resource, keyBase64: key, expiry: Int64(Date().timeIntervalSince1970) + 3600, keyName: "registration").text
    }

    /// One curl request; `--include` so the status line and headers come back with the body.
    static func curl(_ method: String, _ url: String, caFile: String, body: String? = nil, headers: [String] = [],
                     extra: [String] = []) async throws -> CurlResponse {
        var arguments = ["--silent", "--show-error", "--include", "--max-time", "20", "--cacert", caFile, "--request", method]
        for header in headers { arguments += ["--header", header] }
        if let body { arguments += ["--header", "Content-Type: application/json; charset=utf-8", "--data-binary", body] }
        let result = try await DebianTool.run("curl", arguments + extra + [url])
        guard result.status == 0 else { throw InteropError("curl \(method) \(url) exited \(result.status): \(result.output)") }
        return try CurlResponse(result.output)
    }

    @Test("SAS token: register 202, poll until 200 assigned, then the status lookup, with the documented headers")
    func sasFlow() async throws {
        try await withHTTPSServe(enrollmentYAML: Self.enrollments, extraArguments: ["--retry-after", "1"]) { serve, endpoint in
            let port = try #require(endpoint.httpsPort)
            #expect(port > 0)
            let caFile = try #require(endpoint.caFile)
            let base = "https://127.0.0.1:\(port)/\(Self.idScope)/registrations/curl-device-01"
            let auth = "Authorization: \(try Self.token("curl-device-01"))"

            let registered = try await Self.curl("PUT", base + "/register?api-version=2021-06-01", caFile: caFile,
                                                 body: #"{"registrationId":"curl-device-01"}"#, headers: [auth])
            #expect(registered.status == 202)
            #expect(registered.headers["retry-after"] == "1")
            #expect(registered.headers["location"] == "https://127.0.0.1:\(port)/\(Self.idScope)/registrations/curl-device-01/register")
            #expect(registered.headers["content-type"] == "application/json; charset=utf-8")
            #expect(registered.headers["x-ms-request-id"] != nil)
            let operation = try #require(try registered.json()["operationId"] as? String)

            var last = registered
            var polls = 0
            while last.status == 202, polls < 5 {
                let wait = Int(last.headers["retry-after"] ?? "1") ?? 1
                try await Task.sleep(for: .seconds(wait))
                last = try await Self.curl("GET", base + "/operations/\(operation)?api-version=2021-06-01", caFile: caFile, headers: [auth])
                polls += 1
            }
            #expect(last.status == 200)
            let final = try last.json()
            #expect(final["status"] as? String == "assigned")
            let state = try #require(final["registrationState"] as? [String: Any])
            #expect(state["assignedHub"] as? String == "curl-hub.azure-devices.net")
            #expect(state["deviceId"] as? String == "curl-device-01-id")

            let lookup = try await Self.curl("POST", base + "?api-version=2021-06-01", caFile: caFile,
                                             body: #"{"registrationId":"curl-device-01"}"#, headers: [auth])
            #expect(lookup.status == 200)
            #expect(try lookup.json()["assignedHub"] as? String == "curl-hub.azure-devices.net")

            let log = serve.log()
            #expect(log.contains("curl-device-01 register -> 202 retry-after=1"), "serve logs one line per exchange: \(log)")
            #expect(log.contains("curl-device-01 poll operation=\(operation) -> 200"))
            #expect(log.contains("curl-device-01 statusLookup -> 200"))
            #expect(!log.contains(try SASToken(parsing: String(auth.dropFirst("Authorization: ".count))).signature))
        }
    }

    @Test("a wrong key is 401 with x-ms-error-code 401002; a missing api-version 400")
    func refusals() async throws {
        try await withHTTPSServe(enrollmentYAML: Self.enrollments) { _, endpoint in
            let port = try #require(endpoint.httpsPort)
            let caFile = try #require(endpoint.caFile)
            let url = "https://127.0.0.1:\(port)/\(Self.idScope)/registrations/curl-device-01/register"
            let wrongKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            let denied = try await Self.curl("PUT", url + "?api-version=2021-06-01", caFile: caFile, body: #"{"registrationId":"curl-device-01"}"#,
                                             headers: ["Authorization: \(try Self.token("curl-device-01", key: wrongKey))"])
            #expect(denied.status == 401)
            #expect(denied.headers["x-ms-error-code"] == "401002")
            #expect(try denied.json()["errorCode"] as? Int == 401002)
            let noVersion = try await Self.curl("PUT", url, caFile: caFile, body: #"{"registrationId":"curl-device-01"}"#,
                                                headers: ["Authorization: \(try Self.token("curl-device-01"))"])
            #expect(noVersion.status == 400)
            #expect(noVersion.headers["x-ms-error-code"] == "400001")
        }
    }

    @Test("requests on one kept-alive TLS connection are answered in order")
    func keepAlive() async throws {
        try await withHTTPSServe(enrollmentYAML: Self.enrollments) { serve, endpoint in
            let port = try #require(endpoint.httpsPort)
            let caFile = try #require(endpoint.caFile)
            let base = "https://127.0.0.1:\(port)/\(Self.idScope)/registrations/curl-device-01"
            let common = ["--silent", "--show-error", "--include", "--cacert", caFile, "--header", "Authorization: \(try Self.token("curl-device-01"))"]
            // --next starts a second request in the same invocation; curl reuses the connection.
            let result = try await DebianTool.run("curl", common + ["--request", "PUT", "--data-binary", #"{"registrationId":"curl-device-01"}"#,
                                                                    base + "/register?api-version=2021-06-01", "--next"]
                                                          + common + ["--request", "GET", base + "/operations/none?api-version=2021-06-01"])
            #expect(result.status == 0, "\(result.output)")
            // The second status line follows the first body directly (the body has no line end).
            let statuses = try NSRegularExpression(pattern: "HTTP/1\\.1 ([0-9]{3}) ")
                .matches(in: result.output, range: NSRange(result.output.startIndex..., in: result.output))
                .compactMap { Range($0.range(at: 1), in: result.output).map { String(result.output[$0]) } }
            #expect(statuses == ["202", "404"], "\(result.output)")
            let log = serve.log()
            #expect(log.contains("https#1 curl-device-01 register -> 202"), "\(log)")
            #expect(log.contains("https#1 curl-device-01 poll operation=none -> 404"), "the second request used the same connection: \(log)")
        }
    }

    /// Register and poll with curl until the answer is final; the last response.
    static func provision(base: String, registrationID: String, caFile: String, credentials: [String], headers: [String] = []) async throws -> CurlResponse {
        let registered = try await curl("PUT", base + "/register?api-version=2021-06-01", caFile: caFile,
                                        body: "{\"registrationId\":\"\(registrationID)\"}", headers: headers, extra: credentials)
        guard registered.status == 202 else { return registered }
        let operation = try #require(try registered.json()["operationId"] as? String)
        var last = registered
        for _ in 0..<5 where last.status == 202 {
            try await Task.sleep(for: .seconds(Int(last.headers["retry-after"] ?? "1") ?? 1))
            last = try await curl("GET", base + "/operations/\(operation)?api-version=2021-06-01", caFile: caFile, headers: headers, extra: credentials)
        }
        return last
    }

    @Test("X.509: an individual enrollment by certificate file; curl's client certificate is the credential, no Authorization")
    func x509Individual() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try await DebianTool.makeSelfSigned(commonName: "x509-device-02", key: scratch.path("device.key"), certificate: scratch.path("device.pem"),
                                            extensions: ["basicConstraints=CA:FALSE", "extendedKeyUsage=clientAuth"])
        let yaml = Self.enrollments + """

              - registrationId: x509-device-02
                x509: {certificateFile: "\(scratch.path("device.pem"))"}
                deviceId: x509-device-02-id
                iotHub: x509-hub.azure-devices.net
            """
        try await withHTTPSServe(enrollmentYAML: yaml, extraArguments: ["--retry-after", "1"]) { serve, endpoint in
            let port = try #require(endpoint.httpsPort)
            let caFile = try #require(endpoint.caFile)
            let base = "https://127.0.0.1:\(port)/\(Self.idScope)/registrations/x509-device-02"
            let credentials = ["--cert", scratch.path("device.pem"), "--key", scratch.path("device.key")]
            let final = try await Self.provision(base: base, registrationID: "x509-device-02", caFile: caFile, credentials: credentials)
            #expect(final.status == 200, "\(final.body)")
            let state = try #require(try final.json()["registrationState"] as? [String: Any])
            #expect(state["status"] as? String == "assigned")
            #expect(state["assignedHub"] as? String == "x509-hub.azure-devices.net")
            #expect(state["deviceId"] as? String == "x509-device-02-id")
            let lookup = try await Self.curl("POST", base + "?api-version=2021-06-01", caFile: caFile, body: #"{"registrationId":"x509-device-02"}"#, extra: credentials)
            #expect(lookup.status == 200)
            #expect(try lookup.json()["deviceId"] as? String == "x509-device-02-id")
            let log = serve.log()
            #expect(log.contains("TLS client certificate chain of 1, leaf subject CN=x509-device-02"), "\(log)")

            // Without the certificate the same request is unauthorised.
            let bare = try await Self.curl("PUT", base + "/register?api-version=2021-06-01", caFile: caFile, body: #"{"registrationId":"x509-device-02"}"#)
            #expect(bare.status == 401)
            #expect(bare.headers["x-ms-error-code"] == "401002")
        }
    }

    @Test("X.509: a group enrollment by root CA; curl presents the leaf and its intermediate and the service walks the chain")
    func x509GroupWithIntermediate() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try await DebianTool.makeSelfSigned(commonName: "dpsconform curl root", key: scratch.path("root.key"), certificate: scratch.path("root.pem"),
                                            extensions: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"])
        try await DebianTool.makeIssued("intermediate", commonName: "dpsconform curl intermediate", issuer: "root", isCA: true, in: scratch)
        try await DebianTool.makeIssued("leaf", commonName: "group-device-07", issuer: "intermediate", isCA: false, in: scratch)
        let chain = try String(contentsOfFile: scratch.path("leaf.pem"), encoding: .utf8) + String(contentsOfFile: scratch.path("intermediate.pem"), encoding: .utf8)
        try Data(chain.utf8).write(to: URL(fileURLWithPath: scratch.path("chain.pem")))
        let yaml = Self.enrollments + """

            groups:
              - groupId: curl-group
                x509: {caCertificateFile: "\(scratch.path("root.pem"))"}
                iotHub: group-hub.azure-devices.net
            """
        try await withHTTPSServe(enrollmentYAML: yaml, extraArguments: ["--retry-after", "1"]) { serve, endpoint in
            let port = try #require(endpoint.httpsPort)
            let caFile = try #require(endpoint.caFile)
            let base = "https://127.0.0.1:\(port)/\(Self.idScope)/registrations/group-device-07"
            let final = try await Self.provision(base: base, registrationID: "group-device-07", caFile: caFile,
                                                 credentials: ["--cert", scratch.path("chain.pem"), "--key", scratch.path("leaf.key")])
            #expect(final.status == 200, "\(final.body)")
            let state = try #require(try final.json()["registrationState"] as? [String: Any])
            #expect(state["status"] as? String == "assigned")
            #expect(state["assignedHub"] as? String == "group-hub.azure-devices.net")
            #expect(state["deviceId"] as? String == "group-device-07", "a group's device ID is the registration ID")
            #expect(serve.log().contains("TLS client certificate chain of 2, leaf subject CN=group-device-07"))
        }
    }

    @Test("a client certificate for a symmetric-key enrollment reaches the service and is refused there")
    func certificateForSymmetricEnrollment() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try await DebianTool.makeSelfSigned(commonName: "x509-device-01", key: scratch.path("device-key.pem"), certificate: scratch.path("device.pem"))
        try await withHTTPSServe(enrollmentYAML: Self.enrollments) { serve, endpoint in
            let port = try #require(endpoint.httpsPort)
            let caFile = try #require(endpoint.caFile)
            let response = try await Self.curl("PUT", "https://127.0.0.1:\(port)/\(Self.idScope)/registrations/x509-device-01/register?api-version=2021-06-01",
                                               caFile: caFile, body: #"{"registrationId":"x509-device-01"}"#,
                                               extra: ["--cert", scratch.path("device.pem"), "--key", scratch.path("device-key.pem")])
            let log = serve.log()
            #expect(log.contains("TLS client certificate chain of 1, leaf subject CN=x509-device-01"), "the handshake's certificate is recorded: \(log)")
            #expect(response.status == 401, "\(response.body)")
            #expect(response.headers["x-ms-error-code"] == "401002")
        }
    }

    @Test("curl refuses the fake when it trusts another CA")
    func wrongCA() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try await DebianTool.makeSelfSigned(commonName: "not the run CA", key: scratch.path("other-key.pem"), certificate: scratch.path("other-ca.pem"))
        try await withHTTPSServe(enrollmentYAML: Self.enrollments) { _, endpoint in
            let port = try #require(endpoint.httpsPort)
            let result = try await DebianTool.run("curl", ["--silent", "--show-error", "--cacert", scratch.path("other-ca.pem"),
                                                           "https://127.0.0.1:\(port)/\(Self.idScope)/registrations/x?api-version=1"])
            #expect(result.status == 60, "curl exit 60 is 'peer certificate cannot be authenticated': \(result.output)")
        }
    }
}
