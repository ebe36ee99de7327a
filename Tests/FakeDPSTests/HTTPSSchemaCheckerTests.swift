import DPSCore
import Foundation
import Testing

/// The schema checker used by the response tests must itself catch what it claims to catch:
/// known-good bodies from the sources pass, hand-made bad bodies fail on the expected rule.
@Suite("HTTPS front end: the OpenAPI schema checker")
struct HTTPSSchemaCheckerTests {
    let document: OpenAPIDocument

    init() throws {
        document = try OpenAPIDocument(file: "dps-device-2025-07-01-preview.json")
    }

    private func violations(_ json: String, _ definition: String, closed: Bool = true) throws -> [SchemaViolation] {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        return document.violations(of: value, against: try document.definition(definition), closed: closed)
    }

    private func rules(_ json: String, _ definition: String, closed: Bool = true) throws -> [String] {
        try violations(json, definition, closed: closed).map { "\($0.path) \($0.rule.rawValue)" }
    }

    @Test("bodies quoted in the sources validate: the EMB parser test's 401 body and the Microsoft Learn iot-dps-https-sym-key-support 202 body")
    func knownGood() throws {
        #expect(try rules(#"{"errorCode":401002,"trackingId":"8ad0463c-6427-4479-9dfa-3e8bb7003e9b","message":"Invalid certificate.","timestampUtc":"2020-04-10T05:24:22.4718526Z"}"#,
                          "ProvisioningServiceErrorDetails") == [])
        #expect(try rules(#"{"operationId":"5.316aac5bdc130deb.b1e02da8-c3a0-4ff2-a121-7ea7a6b7f550","status":"assigning"}"#,
                          "RegistrationOperationStatus") == [])
        #expect(try rules(#"{"operationId":"4.d","status":"assigned","registrationState":{"registrationId":"r","createdDateTimeUtc":"2020-04-10T03:11:13.0276997Z","assignedHub":"contoso.azure-devices.net","deviceId":"d","status":"assigned","substatus":"initialAssignment","lastUpdatedDateTimeUtc":"2020-04-10T03:11:13.2096201+01:00","etag":"IjYxMDA4ZDQ2LTAwMDAtMDEwMC0wMDAwLTVlOGZlM2QxMDAwMCI=","payload":{"a":[1,{"b":null}]},"x509":{},"issuedCertificateChain":["MIIB","AAAA"]}}"#,
                          "RegistrationOperationStatus") == [])
    }

    @Test("missing required properties are found, also through $ref")
    func required() throws {
        #expect(try rules(#"{"status":"assigning"}"#, "RegistrationOperationStatus") == ["$.operationId required"])
        #expect(try rules(#"{"registrationId":"r","tpm":{"storageRootKey":"x"}}"#, "DeviceRegistration") == ["$.tpm.endorsementKey required"])
        #expect(try rules(#"{"x509":{"certificateInfo":{"subjectName":"CN=r"}}}"#, "DeviceRegistrationResult").count == 7)
    }

    @Test("wrong types, enumeration values, formats and lengths are found")
    func valueRules() throws {
        #expect(try rules(#"{"errorCode":"401002"}"#, "ProvisioningServiceErrorDetails") == ["$.errorCode type"])
        #expect(try rules(#"{"errorCode":true}"#, "ProvisioningServiceErrorDetails") == ["$.errorCode type"])
        #expect(try rules(#"{"errorCode":4010020000}"#, "ProvisioningServiceErrorDetails") == ["$.errorCode format"])
        #expect(try rules(#"{"errorCode":1.5}"#, "ProvisioningServiceErrorDetails") == ["$.errorCode type"])
        #expect(try rules(#"{"operationId":"x","status":"pending"}"#, "RegistrationOperationStatus") == ["$.status enumeration"])
        #expect(try rules(#"{"operationId":""}"#, "RegistrationOperationStatus") == ["$.operationId minLength"])
        #expect(try rules(#"{"substatus":"moved","status":"assigned"}"#, "DeviceRegistrationResult") == ["$.substatus enumeration"])
        #expect(try rules(#"{"payload":[1]}"#, "DeviceRegistrationResult") == ["$.payload type"])
        #expect(try rules(#"{"issuedCertificateChain":["MIIB",7,"@@"]}"#, "DeviceRegistrationResult") == ["$.issuedCertificateChain[1] type", "$.issuedCertificateChain[2] format"])
        #expect(try rules(#"{"info":{"a":"b","c":1}}"#, "ProvisioningServiceErrorDetails") == ["$.info.c type"])
    }

    @Test("date-time follows RFC 3339 section 5.6", arguments: [
        ("2020-04-10T05:24:22.4718526Z", true), ("2020-04-10T05:24:22Z", true), ("2020-04-10t05:24:22+05:30", true),
        ("2024-02-29T00:00:00Z", true), ("2016-12-31T23:59:60Z", true),
        ("2020-04-10 05:24:22Z", false), ("2020-04-10T05:24:22", false), ("2020-13-10T05:24:22Z", false), ("2023-02-29T00:00:00Z", false),
        ("2020-04-10T24:00:00Z", false), ("2020-04-10T05:24:22.Z", false), ("20-04-10T05:24:22Z", false), ("2020-04-10T05:24:22+0530", false),
        ("1586496262", false),
    ])
    func dateTime(text: String, valid: Bool) {
        #expect(RFC3339.isDateTime(text) == valid)
    }

    @Test("closed mode reports undeclared properties; open mode (plain Swagger) allows them")
    func closedObjects() throws {
        #expect(try rules(#"{"operationId":"x","registrationID":"r"}"#, "RegistrationOperationStatus") == ["$.registrationID additionalProperty"])
        #expect(try rules(#"{"operationId":"x","registrationID":"r"}"#, "RegistrationOperationStatus", closed: false) == [])
        #expect(try rules(#"{"payload":{"anything":{"goes":1}}}"#, "DeviceRegistrationResult") == [], "payload allows any members")
    }

    @Test("the preview description knows csr and issuedCertificateChain; the GA one does not")
    func versionsDiffer() throws {
        let ga = try OpenAPIDocument(file: "dps-device-2021-10-01.json")
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"issuedCertificateChain":["MIIB"]}"#.utf8))
        #expect(ga.violations(of: value, against: try ga.definition("DeviceRegistrationResult"), closed: true).map(\.rule) == [.additionalProperty])
        #expect(document.violations(of: value, against: try document.definition("DeviceRegistrationResult"), closed: true).isEmpty)
    }

    @Test("unresolvable references and keywords the checker does not implement are reported, never skipped")
    func unsupported() throws {
        let value = JSONValue.object(["a": .string("x")])
        let schema = JSONValue.object(["properties": .object(["a": .object(["$ref": .string("#/definitions/Nope")])])])
        #expect(document.violations(of: value, against: schema, closed: true).map(\.rule) == [.unresolvedReference])
        let pattern = JSONValue.object(["type": .string("string"), "pattern": .string("^a$")])
        #expect(document.violations(of: .string("b"), against: pattern, closed: true).map(\.rule) == [.unsupportedKeyword])
    }

    @Test("the descriptions use only keywords the checker implements, at every depth")
    func descriptionsUseKnownKeywords() throws {
        for file in ["dps-device-2021-10-01.json", "dps-device-2025-07-01-preview.json"] {
            let spec = try OpenAPIDocument(file: file)
            guard case .object(let definitions)? = spec.root["definitions"] else { Issue.record("\(file) has no definitions"); continue }
            var unknown: [String] = []
            var visited = 0
            for (name, schema) in definitions { Self.collectUnknownKeywords(schema, at: name, into: &unknown, visited: &visited) }
            #expect(unknown.isEmpty, "\(file): \(unknown)")
            #expect(visited > 50, "the walk reached the nested schemas (\(visited))")
        }
    }

    /// Walks a schema and every schema inside it (properties, items, additionalProperties).
    static func collectUnknownKeywords(_ schema: JSONValue, at path: String, into unknown: inout [String], visited: inout Int) {
        guard case .object(let keywords) = schema else { return }
        visited += 1
        for key in keywords.keys where !OpenAPIDocument.understood.contains(key) && !OpenAPIDocument.annotations.contains(key) && !key.hasPrefix("x-") {
            unknown.append("\(path).\(key)")
        }
        if case .object(let properties)? = keywords["properties"] {
            for (name, property) in properties { collectUnknownKeywords(property, at: "\(path).\(name)", into: &unknown, visited: &visited) }
        }
        if let items = keywords["items"] { collectUnknownKeywords(items, at: "\(path)[]", into: &unknown, visited: &visited) }
        if let extra = keywords["additionalProperties"] { collectUnknownKeywords(extra, at: "\(path).*", into: &unknown, visited: &visited) }
    }
}
