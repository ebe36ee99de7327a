import DPSCore
@testable import FakeDPS
import Foundation
import Testing

/// The DPS operations over HTTP on an EmbeddedChannel: what the service answers, with the real
/// service's headers (dps-protocol.md §3; DOC-HTTPS capture; OpenAPI response headers).
@Suite("HTTPS front end: exchanges")
struct HTTPSExchangeTests {
    @Test("register answers 202 assigning with Retry-After, Location, request id and JSON content type")
    func registerAccepted() throws {
        let harness = try HTTPSHarness()
        let response = try harness.exchange(HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: #"{"registrationId":"device-01"}"#,
                                                                 headers: [("Authorization", try harness.token())]))
        #expect(response.version == "HTTP/1.1")
        #expect(response.status == 202)
        #expect(response.reason == "Accepted")
        #expect(response.header("Content-Type") == "application/json; charset=utf-8")
        #expect(response.header("Retry-After") == "3")
        #expect(response.header("Location") == "https://localhost:8443/0ne00HTTPS1/registrations/device-01/register")
        #expect(response.header("x-ms-error-code") == nil)
        let requestID = try #require(response.header("x-ms-request-id"))
        #expect(UUID(uuidString: requestID) != nil)
        #expect(response.header("Content-Length") == String(response.body.count))
        let body = try response.jsonObject()
        #expect(body["status"] == .string("assigning"))
        let operation = try #require(body["operationId"]?.stringValue)
        #expect(operation.range(of: #"^[0-9]\.[0-9a-f]{16}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"#, options: .regularExpression) != nil)
        #expect(harness.isOpen, "HTTP/1.1 keeps the connection open")
    }

    @Test("polling goes 202 assigning, then 200 assigned with the enrolled hub, device ID and payload")
    func pollUntilAssigned() throws {
        let harness = try HTTPSHarness()
        let answers = try harness.registerAndPoll()
        #expect(answers.map(\.status) == [202, 202, 200], "one assigning poll by default")
        #expect(answers[1].header("Retry-After") == "3")
        #expect(answers[1].header("Location") == "https://localhost:8443/0ne00HTTPS1/registrations/device-01/register")
        let final = answers[2]
        #expect(final.header("Retry-After") == nil)
        #expect(final.header("Location") == nil)
        let body = try final.jsonObject()
        #expect(body["status"] == .string("assigned"))
        #expect(body["operationId"] == (try answers[0].jsonObject())["operationId"])
        let state = try #require(body["registrationState"])
        #expect(state["assignedHub"] == .string("hub-a.azure-devices.net"))
        #expect(state["deviceId"] == .string("device-01-id"))
        #expect(state["registrationId"] == .string("device-01"))
        #expect(state["substatus"] == .string("initialAssignment"))
        #expect(state["payload"] == .object(["color": .string("blue")]))
    }

    @Test("the status lookup answers 200 with the DeviceRegistrationResult once assigned")
    func statusLookup() throws {
        let harness = try HTTPSHarness()
        _ = try harness.registerAndPoll()
        let response = try harness.exchange(HTTPSHarness.request("POST", HTTPSHarness.lookupPath(), body: #"{"registrationId":"device-01"}"#,
                                                                 headers: [("Authorization", try harness.token())]))
        #expect(response.status == 200)
        #expect(response.header("Location") == nil)
        let body = try response.jsonObject()
        #expect(body["assignedHub"] == .string("hub-a.azure-devices.net"))
        #expect(body["deviceId"] == .string("device-01-id"))
        #expect(body["status"] == .string("assigned"))
        #expect(body["operationId"] == nil, "a DeviceRegistrationResult, not an operation status")
    }

    @Test("a disabled enrollment ends at once with 200 disabled")
    func disabled() throws {
        let harness = try HTTPSHarness()
        let response = try harness.exchange(HTTPSHarness.request("PUT", HTTPSHarness.registerPath("disabled-01"), body: #"{"registrationId":"disabled-01"}"#,
                                                                 headers: [("Authorization", try harness.token(for: "disabled-01"))]))
        #expect(response.status == 200)
        #expect(try response.jsonObject()["status"] == .string("disabled"))
        #expect(response.header("Retry-After") == nil)
    }

    @Test("service errors carry their status, x-ms-error-code and the error body", arguments: [
        ErrorCase(name: "wrong key", id: "device-01", key: HTTPSHarness.otherKey, status: 401, code: 401002),
        ErrorCase(name: "no Authorization and no certificate", id: "device-01", key: nil, status: 401, code: 401002),
        ErrorCase(name: "unknown registration", id: "nobody-01", key: HTTPSHarness.key, status: 404, code: 404201),
        ErrorCase(name: "invalid registration ID", id: "bad.", key: HTTPSHarness.key, status: 400, code: 400004),
    ])
    func serviceErrors(_ errorCase: ErrorCase) throws {
        let harness = try HTTPSHarness()
        let headers = try errorCase.key.map { [("Authorization", try harness.token(for: errorCase.id, key: $0))] } ?? []
        let response = try harness.exchange(HTTPSHarness.request("PUT", HTTPSHarness.registerPath(errorCase.id),
                                                                 body: "{\"registrationId\":\"\(errorCase.id)\"}", headers: headers))
        #expect(response.status == errorCase.status)
        #expect(response.header("x-ms-error-code") == String(errorCase.code))
        #expect(response.header("Content-Type") == "application/json; charset=utf-8")
        #expect(response.header("Location") == nil)
        let body = try response.jsonObject()
        #expect(body["errorCode"] == .integer(Int64(errorCase.code)))
        #expect(body["trackingId"]?.stringValue != nil)
        #expect(body["timestampUtc"]?.stringValue != nil)
        #expect(harness.isOpen, "an error response does not close a keep-alive connection")
    }

    @Test("polling an unknown operation is 404 / 404202")
    func unknownOperation() throws {
        let harness = try HTTPSHarness()
        let response = try harness.exchange(HTTPSHarness.request("GET", HTTPSHarness.pollPath(operation: "4.0000000000000000.00000000-0000-0000-0000-000000000000"),
                                                                 headers: [("Authorization", try harness.token())]))
        #expect(response.status == 404)
        #expect(response.header("x-ms-error-code") == "404202")
    }

    @Test("a hub-less enrollment ends 200 failed with errorCode 400208 inside registrationState, no x-ms-error-code")
    func failedAllocation() throws {
        let harness = try HTTPSHarness()
        let answers = try harness.registerAndPoll("nohub-01")
        let final = try #require(answers.last)
        #expect(final.status == 200)
        #expect(final.header("x-ms-error-code") == nil)
        let body = try final.jsonObject()
        #expect(body["status"] == .string("failed"))
        #expect(body["registrationState"]?["errorCode"] == .integer(400208))
    }

    @Test("the front end refuses bad requests itself with an error body and x-ms-error-code", arguments: [
        RefusalCase(name: "no api-version", method: "PUT", target: "/0ne00HTTPS1/registrations/device-01/register", body: "{}", status: 400, code: 400001),
        RefusalCase(name: "unknown route", method: "PUT", target: "/0ne00HTTPS1/devices/device-01?api-version=2021-06-01", body: "{}", status: 404, code: 404001),
        RefusalCase(name: "wrong method", method: "DELETE", target: "/0ne00HTTPS1/registrations/device-01/register?api-version=2021-06-01", body: nil, status: 405, code: 405001),
        RefusalCase(name: "non-JSON register body", method: "PUT", target: HTTPSHarness.registerPath(), body: "registrationId=device-01", status: 400, code: 400001),
        RefusalCase(name: "empty register body", method: "PUT", target: HTTPSHarness.registerPath(), body: "", status: 400, code: 400001),
        RefusalCase(name: "JSON that is not a DeviceRegistration", method: "PUT", target: HTTPSHarness.registerPath(), body: "[1,2]", status: 400, code: 400001),
        RefusalCase(name: "csr in the status lookup", method: "POST", target: HTTPSHarness.lookupPath(), body: #"{"registrationId":"device-01","csr":"MIIB"}"#, status: 400, code: 400001),
        RefusalCase(name: "non-JSON lookup body", method: "POST", target: HTTPSHarness.lookupPath(), body: "{", status: 400, code: 400001),
    ])
    func frontEndRefusals(_ refusal: RefusalCase) throws {
        let harness = try HTTPSHarness()
        let response = try harness.exchange(HTTPSHarness.request(refusal.method, refusal.target, body: refusal.body,
                                                                 headers: [("Authorization", try harness.token())]))
        #expect(response.status == refusal.status)
        #expect(response.header("x-ms-error-code") == String(refusal.code))
        #expect(try response.jsonObject()["errorCode"] == .integer(Int64(refusal.code)))
        if refusal.status == 405 { #expect(response.header("Allow") == "PUT") }
        #expect(harness.isOpen)
        #expect(harness.logLines.all.contains { $0.hasPrefix("info https#1 \(refusal.method) ") && $0.contains("-> \(refusal.status)") })
    }

    @Test("a poll body is ignored (pitfall J): empty, a space, or the registration JSON")
    func pollBodyIgnored() throws {
        let harness = try HTTPSHarness()
        let auth = [("Authorization", try harness.token())]
        let first = try harness.exchange(HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: #"{"registrationId":"device-01"}"#, headers: auth))
        let operation = try #require(try first.jsonObject()["operationId"]?.stringValue)
        for body in [" ", #"{"registrationId":"device-01"}"#, "not json"] {
            let poll = try harness.exchange(HTTPSHarness.request("GET", HTTPSHarness.pollPath(operation: operation), body: body, headers: auth))
            #expect([200, 202].contains(poll.status), "body \(body)")
        }
    }

    @Test("credentials: the SAS token comes from Authorization; User-Agent is not required (the C SDK sends UserAgent)")
    func cSDKHeaders() throws {
        let harness = try HTTPSHarness()
        let request = "PUT \(HTTPSHarness.registerPath()) HTTP/1.1\r\nHost: global.azure-devices-provisioning.net\r\nUserAgent: prov_device_client/1.0\r\n"
            + "Accept: application/json\r\nConnection: keep-alive\r\nContent-Type: application/json; charset=utf-8\r\n"
            + "Authorization: \(try harness.token())\r\nContent-Length: 30\r\n\r\n" + #"{"registrationId":"device-01"}"#
        let response = try harness.exchange(request)
        #expect(response.status == 202)
        #expect(response.header("Location") == "https://global.azure-devices-provisioning.net/0ne00HTTPS1/registrations/device-01/register")
    }

    @Test("percent-encoded identifiers in the path reach the service decoded")
    func encodedPath() throws {
        let harness = try HTTPSHarness()
        let response = try harness.exchange(HTTPSHarness.request("PUT", "/0ne00HTTPS1/registrations/device%2D01/register?api-version=2021-06-01",
                                                                 body: #"{"registrationId":"device-01"}"#, headers: [("Authorization", try harness.token())]))
        #expect(response.status == 202)
    }

    @Test("a client certificate without Authorization reaches the service as the presented chain")
    func clientCertificateReachesService() throws {
        let harness = try HTTPSHarness()
        let fakeDER: [UInt8] = [0x30, 0x03, 0x02, 0x01, 0x01]
        harness.connection.recordPeerCertificates([fakeDER, fakeDER])
        let response = try harness.exchange(HTTPSHarness.request("PUT", HTTPSHarness.registerPath(), body: #"{"registrationId":"device-01"}"#))
        // device-01 is a symmetric-key enrollment: a certificate alone does not attest it.
        #expect(response.status == 401)
        let events = harness.transcript.snapshot
        #expect(events.compactMap(\.certificate).map(\.index) == [0, 1], "both presented certificates are recorded")
        let put = try #require(events.compactMap(\.httpRequest).first { $0.method == "PUT" })
        #expect(!put.headers.contains { $0.name.lowercased() == "authorization" })
        #expect(events.contains { if case .attestationRefused? = $0.note { true } else { false } })
    }

    @Test("one log line per exchange, in the MQTT front end's format")
    func logLines() throws {
        let harness = try HTTPSHarness()
        let answers = try harness.registerAndPoll()
        let operation = try #require(try answers[0].jsonObject()["operationId"]?.stringValue)
        let exchanges = harness.logLines.all.filter { $0.hasPrefix("info https#1 device-01 ") }
        #expect(exchanges == [
            "info https#1 device-01 register -> 202 retry-after=3",
            "info https#1 device-01 poll operation=\(operation) -> 202 retry-after=3",
            "info https#1 device-01 poll operation=\(operation) -> 200",
        ])
    }
}

struct ErrorCase: Sendable, CustomTestStringConvertible {
    let name: String
    let id: String
    let key: String?
    let status: Int
    let code: Int
    var testDescription: String { name }
}

struct RefusalCase: Sendable, CustomTestStringConvertible {
    let name: String
    let method: String
    let target: String
    let body: String?
    let status: Int
    let code: Int
    var testDescription: String { name }
}
