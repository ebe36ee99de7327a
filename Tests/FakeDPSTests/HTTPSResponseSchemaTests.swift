import DPSCore
@testable import FakeDPS
import Foundation
import Testing

/// Every body the HTTPS front end produces validates against the response schema of its operation
/// in the official DPS device OpenAPI description (Vectors/openapi/, verbatim copies), for the GA
/// and the certificate-issuance preview versions; the headers the description declares for a
/// response are present and of the declared type.
@Suite("HTTPS front end: responses against the DPS OpenAPI description")
struct HTTPSResponseSchemaTests {
    static let descriptions: [SpecVersion] = [
        SpecVersion(apiVersion: "2021-10-01", file: "dps-device-2021-10-01.json"),
        SpecVersion(apiVersion: "2025-07-01-preview", file: "dps-device-2025-07-01-preview.json"),
    ]

    static let registerPath = "/{idScope}/registrations/{registrationId}/register"
    static let operationPath = "/{idScope}/registrations/{registrationId}/operations/{operationId}"
    static let lookupPath = "/{idScope}/registrations/{registrationId}"

    /// The fake answers a disabled enrollment with `"operationId":""`, as the Embedded C SDK's
    /// parser test shows the real service doing (Microsoft Learn iot-dps-mqtt-support); the description gives
    /// `operationId` minLength 1. The sources disagree; this one violation is tolerated and shown.
    static let disabledOperationID = SchemaViolation("$.operationId", .minLength, "shorter than 1")

    @Test("every response body validates against its operation's response schema", arguments: descriptions)
    func responsesValidate(_ version: SpecVersion) throws {
        let document = try OpenAPIDocument(file: version.file)
        let produced = try Self.produceAll(apiVersion: version.apiVersion)
        #expect(produced.map(\.label) == Self.expectedLabels, "every kind of response was produced")
        for item in produced {
            #expect(item.response.status == item.expectedStatus, "\(item.label)")
            let (schema, responseObject) = try document.response(path: item.specPath, method: item.method, status: item.response.status)
            let violations = document.violations(of: try item.response.json(), against: schema, closed: true)
            if item.label == "register 200 disabled" {
                #expect(violations.filter { $0 != Self.disabledOperationID }.isEmpty, "\(item.label): \(violations)")
                withKnownIssue("operationId \"\" of a disabled enrollment breaks minLength 1 (EMB shows the real service sending it)", isIntermittent: true) {
                    #expect(violations.isEmpty, "\(item.label): \(violations)")
                }
            } else {
                #expect(violations.isEmpty, "\(version.file) \(item.label): \(violations) in \(item.response.bodyText)")
            }
            try expectDeclaredHeaders(responseObject, in: item)
        }
    }

    @Test("refusals outside the described paths (404 route, 405 method) are ProvisioningServiceErrorDetails", arguments: descriptions)
    func refusalsOutsidePaths(_ version: SpecVersion) throws {
        let document = try OpenAPIDocument(file: version.file)
        let harness = try HTTPSHarness()
        let responses = [
            try harness.exchange(HTTPSHarness.request("GET", "/\(HTTPSHarness.idScope)/devices/x?api-version=\(version.apiVersion)")),
            try harness.exchange(HTTPSHarness.request("DELETE", HTTPSHarness.lookupPath(apiVersion: version.apiVersion))),
        ]
        #expect(responses.map(\.status) == [404, 405])
        let schema = try document.definition("ProvisioningServiceErrorDetails")
        for response in responses {
            #expect(document.violations(of: try response.json(), against: schema, closed: true).isEmpty, "\(response.bodyText)")
            #expect(response.header("x-ms-error-code") != nil)
        }
    }

    static let expectedLabels = [
        "register 202 assigning", "poll 202 assigning", "poll 200 assigned", "status lookup 200", "register 200 disabled",
        "poll 200 failed", "register 401 wrong key", "register 401 no credentials", "register 404 unknown registration",
        "register 404 other ID scope", "poll 404 unknown operation", "status lookup 200 disabled", "status lookup 404 unknown registration", "register 400 invalid registration ID",
        "register 400 registrationId mismatch", "register 400 no api-version", "register 400 non-JSON body", "register 413 body too large",
        "status lookup 400 csr", "poll 400 no api-version",
    ]

    /// Drives the front end through every kind of response it produces.
    static func produceAll(apiVersion: String) throws -> [Produced] {
        let harness = try HTTPSHarness()
        let scope = HTTPSHarness.idScope
        func auth(_ id: String = "device-01", key: String = HTTPSHarness.key) throws -> [(String, String)] {
            [("Authorization", try harness.token(for: id, key: key))]
        }
        func put(_ id: String, body: String? = nil, headers: [(String, String)], path: String? = nil) throws -> HTTPResponseText {
            try harness.exchange(HTTPSHarness.request("PUT", path ?? HTTPSHarness.registerPath(id, apiVersion: apiVersion),
                                                      body: body ?? "{\"registrationId\":\"\(id)\"}", headers: headers))
        }
        var out: [Produced] = []
        let flow = try harness.registerAndPoll(apiVersion: apiVersion)
        guard flow.count == 3 else { throw HarnessFailure("register/poll gave \(flow.map(\.status))") }
        out.append(Produced("register 202 assigning", registerPath, "PUT", 202, flow[0]))
        out.append(Produced("poll 202 assigning", operationPath, "GET", 202, flow[1]))
        out.append(Produced("poll 200 assigned", operationPath, "GET", 200, flow[2]))
        out.append(Produced("status lookup 200", lookupPath, "POST", 200, try harness.exchange(HTTPSHarness.request(
            "POST", HTTPSHarness.lookupPath(apiVersion: apiVersion), body: #"{"registrationId":"device-01"}"#, headers: try auth()))))
        out.append(Produced("register 200 disabled", registerPath, "PUT", 200, try put("disabled-01", headers: try auth("disabled-01"))))
        let failed = try harness.registerAndPoll("nohub-01", apiVersion: apiVersion)
        out.append(Produced("poll 200 failed", operationPath, "GET", 200, try failed.last.orThrow("no poll answer")))
        out.append(Produced("register 401 wrong key", registerPath, "PUT", 401, try put("device-01", headers: try auth(key: HTTPSHarness.otherKey))))
        out.append(Produced("register 401 no credentials", registerPath, "PUT", 401, try put("device-01", headers: [])))
        out.append(Produced("register 404 unknown registration", registerPath, "PUT", 404, try put("nobody-01", headers: try auth("nobody-01"))))
        out.append(Produced("register 404 other ID scope", registerPath, "PUT", 404, try put("device-01", headers: try auth(),
                                                                                              path: "/0ne00OTHER9/registrations/device-01/register?api-version=\(apiVersion)")))
        out.append(Produced("poll 404 unknown operation", operationPath, "GET", 404, try harness.exchange(HTTPSHarness.request(
            "GET", HTTPSHarness.pollPath(operation: "4.0123456789abcdef.00000000-0000-0000-0000-000000000000", apiVersion: apiVersion), headers: try auth()))))
        out.append(Produced("status lookup 200 disabled", lookupPath, "POST", 200, try harness.exchange(HTTPSHarness.request(
            "POST", HTTPSHarness.lookupPath("disabled-01", apiVersion: apiVersion), body: #"{"registrationId":"disabled-01"}"#, headers: try auth("disabled-01")))))
        out.append(Produced("status lookup 404 unknown registration", lookupPath, "POST", 404, try harness.exchange(HTTPSHarness.request(
            "POST", HTTPSHarness.lookupPath("nobody-01", apiVersion: apiVersion), body: #"{"registrationId":"nobody-01"}"#, headers: try auth("nobody-01")))))
        out.append(Produced("register 400 invalid registration ID", registerPath, "PUT", 400, try put("bad.", headers: try auth("bad."))))
        out.append(Produced("register 400 registrationId mismatch", registerPath, "PUT", 400, try put("device-01", body: #"{"registrationId":"device-02"}"#, headers: try auth())))
        out.append(Produced("register 400 no api-version", registerPath, "PUT", 400, try put("device-01", headers: try auth(),
                                                                                              path: "/\(scope)/registrations/device-01/register")))
        out.append(Produced("register 400 non-JSON body", registerPath, "PUT", 400, try put("device-01", body: "registrationId=device-01", headers: try auth())))
        let big = try HTTPSHarness()
        out.append(Produced("register 413 body too large", registerPath, "PUT", 413, try big.exchange(
            "PUT \(HTTPSHarness.registerPath(apiVersion: apiVersion)) HTTP/1.1\r\nHost: localhost\r\nContent-Length: 200000\r\n\r\n")))
        out.append(Produced("status lookup 400 csr", lookupPath, "POST", 400, try harness.exchange(HTTPSHarness.request(
            "POST", HTTPSHarness.lookupPath(apiVersion: apiVersion), body: #"{"registrationId":"device-01","csr":"MIIBDzCBtgIBADA"}"#, headers: try auth()))))
        out.append(Produced("poll 400 no api-version", operationPath, "GET", 400, try harness.exchange(HTTPSHarness.request(
            "GET", "/\(scope)/registrations/device-01/operations/x", headers: try auth()))))
        return out
    }

    /// The headers the description declares for this response are present, with the declared type.
    private func expectDeclaredHeaders(_ responseObject: JSONValue, in item: Produced) throws {
        guard case .object(let headers)? = responseObject["headers"] else { return }
        for (name, declaration) in headers.sorted(by: { $0.key < $1.key }) {
            let value = item.response.header(name)
            #expect(value != nil, "\(item.label): header \(name) missing")
            if declaration["type"] == .string("integer"), let value {
                #expect(Int32(value) != nil, "\(item.label): \(name) '\(value)' is not an int32")
            }
        }
    }
}

struct SpecVersion: Sendable, CustomTestStringConvertible {
    let apiVersion: String
    let file: String
    var testDescription: String { apiVersion }
}

struct Produced {
    let label: String
    let specPath: String
    let method: String
    let expectedStatus: Int
    let response: HTTPResponseText

    init(_ label: String, _ specPath: String, _ method: String, _ expectedStatus: Int, _ response: HTTPResponseText) {
        self.label = label
        self.specPath = specPath
        self.method = method
        self.expectedStatus = expectedStatus
        self.response = response
    }
}

extension Optional {
    func orThrow(_ message: String) throws -> Wrapped {
        guard let self else { throw HarnessFailure(message) }
        return self
    }
}
