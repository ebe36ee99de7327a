import Foundation
import Testing
@testable import VectorChecks

/// A malformed vector file is refused with a stable code, at the JSONPath (and line) of the
/// value at fault, and never crashes the loader.
@Suite("Vector file loader: malformed input")
struct LoaderErrorTests {
    /// A one-vector DPS file; `vector` and `top` replace members of the valid document.
    static func document(vector: [String: String] = [:], top: [String: String] = [:]) -> String {
        var vectorMembers: [(String, String)] = [
            ("id", #""username-basic""#), ("kind", #""mqtt_username""#), ("description", #""pins the separator""#),
            ("tags", "[]"), ("result", #""valid""#),
            ("inputs", #"{"id_scope": "0ne00000001", "registration_id": "dev", "api_version": "2019-03-31"}"#),
            ("expected", #"{"username": "0ne00000001/registrations/dev/api-version=2019-03-31"}"#),
            ("source", #""test""#),
        ]
        var topMembers: [(String, String)] = [
            ("schema", #""dpsconform-vectors""#), ("schemaVersion", "1"), ("area", #""dps""#),
            ("algorithm", #""usernames""#), ("source", #""test""#),
        ]
        func apply(_ changes: [String: String], to members: inout [(String, String)]) {
            for (name, value) in changes.sorted(by: { $0.key < $1.key }) {
                if let index = members.firstIndex(where: { $0.0 == name }) {
                    if value.isEmpty { members.remove(at: index) } else { members[index].1 = value }
                } else if !value.isEmpty {
                    members.append((name, value))
                }
            }
        }
        apply(vector, to: &vectorMembers)
        apply(top, to: &topMembers)
        let vectorText = "{" + vectorMembers.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
        let vectors = top["vectors"] ?? "[" + vectorText + "]"
        return "{\n" + (topMembers.filter { $0.0 != "vectors" } + [("vectors", vectors)])
            .map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }

    static func load(_ text: String) throws(VectorFileError) -> VectorFile {
        try VectorFileLoader.load(bytes: Array(text.utf8), path: "test-vectors.json")
    }

    static func refusal(_ text: String) -> VectorFileError? {
        do {
            _ = try load(text)
            return nil
        } catch {
            return error
        }
    }

    @Test("the valid base document loads")
    func baseLoads() throws {
        let file = try Self.load(Self.document())
        #expect(file.vectors.map(\.id) == ["username-basic"])
        #expect(file.area == .dps)
        #expect(file.vectors.first?.expectedFieldNames == ["username"])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let code: VectorFileError.Code
        let path: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "old top-level array format", text: "[]", code: .wrongType, path: "$"),
        Case(name: "wrong schema", text: document(top: ["schema": #""wycheproof""#]), code: .wrongSchema, path: "$.schema"),
        Case(name: "missing schema", text: document(top: ["schema": ""]), code: .missingMember, path: "$"),
        Case(name: "future schema version", text: document(top: ["schemaVersion": "2"]), code: .unsupportedSchemaVersion, path: "$.schemaVersion"),
        Case(name: "schema version as text", text: document(top: ["schemaVersion": #""1""#]), code: .wrongType, path: "$.schemaVersion"),
        Case(name: "unknown area", text: document(top: ["area": #""tpm""#]), code: .unknownKind, path: "$.area"),
        Case(name: "unknown top member", text: document(top: ["generatedBy": #""x""#]), code: .unknownMember, path: "$.generatedBy"),
        Case(name: "dice-only member in a dps file", text: document(top: ["firmwarePatterns": "{}"]), code: .unknownMember, path: "$.firmwarePatterns"),
        Case(name: "no vectors", text: document(top: ["vectors": "[]"]), code: .invalidValue, path: "$.vectors"),
        Case(name: "count mismatch", text: document(top: ["numberOfVectors": "2"]), code: .countMismatch, path: "$.numberOfVectors"),
        Case(name: "empty algorithm", text: document(top: ["algorithm": #"" ""#]), code: .invalidValue, path: "$.algorithm"),
        Case(name: "vector without id", text: document(vector: ["id": ""]), code: .missingMember, path: "$.vectors[0]"),
        Case(name: "id with a slash", text: document(vector: ["id": #""a/b""#]), code: .invalidValue, path: "$.vectors[0].id"),
        Case(name: "unknown result", text: document(vector: ["result": #""maybe""#]), code: .invalidValue, path: "$.vectors[0].result"),
        Case(name: "unknown kind", text: document(vector: ["kind": #""mqtt_password""#]), code: .unknownKind, path: "$.vectors[0].kind"),
        Case(name: "unknown vector member", text: document(vector: ["comment": #""x""#]), code: .unknownMember, path: "$.vectors[0].comment"),
        Case(name: "tags not strings", text: document(vector: ["tags": "[1]"]), code: .wrongType, path: "$.vectors[0].tags[0]"),
        Case(name: "empty description", text: document(vector: ["description": #""""#]), code: .invalidValue, path: "$.vectors[0].description"),
        Case(name: "input of the wrong type",
             text: document(vector: ["inputs": #"{"id_scope": 5, "registration_id": "dev", "api_version": "v"}"#]),
             code: .wrongType, path: "$.vectors[0].inputs.id_scope"),
        Case(name: "missing input", text: document(vector: ["inputs": #"{"id_scope": "s", "api_version": "v"}"#]),
             code: .missingMember, path: "$.vectors[0].inputs"),
        Case(name: "misspelt input",
             text: document(vector: ["inputs": #"{"id_scope": "s", "registration_id": "d", "api_version": "v", "user_agnet": "x"}"#]),
             code: .unknownMember, path: "$.vectors[0].inputs.user_agnet"),
        Case(name: "expected field the kind does not produce", text: document(vector: ["expected": #"{"password": "x"}"#]),
             code: .unknownExpectedField, path: "$.vectors[0].expected.password"),
        Case(name: "no expected field", text: document(vector: ["expected": "{}"]), code: .invalidValue, path: "$.vectors[0].expected"),
        Case(name: "expected field of the wrong type",
             text: document(vector: ["kind": #""mqtt_response_topic_parse""#, "inputs": #"{"topic": "t"}"#, "expected": #"{"status": "202"}"#]),
             code: .wrongType, path: "$.vectors[0].expected.status"),
        Case(name: "error on a valid vector",
             text: document(vector: ["kind": #""mqtt_response_topic_parse""#, "inputs": #"{"topic": "t"}"#,
                                     "expected": #"{"error": "topicNotMatched"}"#]),
             code: .resultMismatch, path: "$.vectors[0].result"),
        Case(name: "invalid vector without error", text: document(vector: ["result": #""invalid""#]), code: .resultMismatch, path: "$.vectors[0].result"),
        Case(name: "unknown refusal name",
             text: document(vector: ["kind": #""mqtt_response_topic_parse""#, "result": #""invalid""#, "inputs": #"{"topic": "t"}"#,
                                     "expected": #"{"error": "AZ_ERROR_NOT_A_THING"}"#]),
             code: .invalidValue, path: "$.vectors[0].expected.error"),
        Case(name: "retry delay out of range",
             text: document(vector: ["kind": #""retry_delay_ms""#, "expected": #"{"delay_ms": 1}"#,
                                     "inputs": #"{"operation_msec": 0, "attempt": 1, "min_retry_delay_msec": -5, "max_retry_delay_msec": 9, "random_jitter_msec": 0}"#]),
             code: .invalidValue, path: "$.vectors[0].inputs.min_retry_delay_msec"),
        Case(name: "token observation that is not invalid",
             text: document(vector: ["kind": #""observation""#, "inputs": #"{"resource_uri": "s/registrations/d", "key_b64": "a2V5", "expiry": 1000}"#,
                                     "expected": #"{"token": "SharedAccessSignature sr=x&sig=y&se=1"}"#]),
             code: .resultMismatch, path: "$.vectors[0].result"),
        Case(name: "two vectors with one id",
             text: document(top: ["vectors": "[" + [1, 2].map { _ in vectorText }.joined(separator: ",") + "]"]),
             code: .duplicateID, path: "$.vectors[1].id"),
        Case(name: "truncated file", text: #"{"schema": "dpsconform-vectors", "vectors": ["#, code: .syntax, path: nil),
        Case(name: "text after the document", text: document() + "{}", code: .syntax, path: nil),
        Case(name: "trailing comma", text: #"{"schema": "dpsconform-vectors",}"#, code: .syntax, path: nil),
        Case(name: "duplicate member name", text: #"{"schema": "a", "schema": "b"}"#, code: .syntax, path: nil),
        Case(name: "leading zero", text: #"{"schemaVersion": 01}"#, code: .syntax, path: nil),
        Case(name: "lone surrogate", text: #"{"schema": "\udc00"}"#, code: .syntax, path: nil),
        Case(name: "deep nesting", text: String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000), code: .syntax, path: nil),
        Case(name: "empty file", text: "", code: .syntax, path: nil),
    ]

    static let vectorText = #"{"id": "same", "kind": "mqtt_topic_filter", "description": "d", "tags": [], "result": "valid", "inputs": {}, "#
        + #""expected": {"topic_filter": "$dps/registrations/res/#"}, "source": "s"}"#

    @Test("refused with its code at its path", arguments: cases)
    func refused(_ item: Case) {
        let error = Self.refusal(item.text)
        #expect(error?.code == item.code)
        if let path = item.path { #expect(error?.jsonPath == path) }
        #expect(error?.file == "test-vectors.json")
    }

    @Test("syntax errors and member errors carry line and column")
    func position() throws {
        let text = "{\n  \"schema\": \"dpsconform-vectors\",\n  \"schemaVersion\": 1,\n  \"area\": \"dps\",\n  \"algorithm\": x\n}"
        let syntax = try #require(Self.refusal(text))
        #expect(syntax.code == .syntax)
        #expect(syntax.line == 5)
        #expect(syntax.column == 16)
        // The wrong-typed expected field of the base document sits on line 7 (the vectors line).
        let typed = try #require(Self.refusal(Self.document(vector: ["expected": #"{"username": 7}"#])))
        #expect(typed.code == .wrongType)
        #expect(typed.line == 7)
        #expect(typed.description.hasPrefix("test-vectors.json:7:"))
    }

    @Test("bytes that are not UTF-8 inside a string are refused")
    func invalidUTF8() {
        var bytes = Array(#"{"schema": "dpsconform-vectors", "algorithm": "x"#.utf8)
        bytes += [0xC3, 0x28]
        bytes += Array(#""}"#.utf8)
        #expect(throws: VectorFileError.self) { _ = try VectorFileLoader.load(bytes: bytes, path: "t.json") }
    }

    @Test("DICE inputs are checked when the file loads")
    func diceInputs() throws {
        let base = try String(contentsOf: diceVectorFile, encoding: .utf8)
        let mutations: [(from: String, to: String, code: VectorFileError.Code)] = [
            (#""pattern": "counter""#, #""pattern": "spiral""#, .invalidValue),
            (#""flashOrigin": "0x0800c000""#, #""flashOrigin": "0800c000""#, .invalidValue),
            (#""length": 65536,"#, #""length": 99999999999,"#, .invalidValue),
            (#""mapFileText": "#, #""mapText": "#, .unknownMember),
            (#""kind": "devkit-riot""#, #""kind": "open-dice""#, .unknownKind),
        ]
        for mutation in mutations {
            let range = try #require(base.range(of: mutation.from))
            let text = base.replacingCharacters(in: range, with: mutation.to)
            #expect(Self.refusal(text)?.code == mutation.code, "\(mutation.from) -> \(mutation.to)")
        }
    }

    @Test("paths: missing, empty directory, duplicate IDs across files")
    func paths() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        #expect(throws: VectorFileError.self) { _ = try VectorFileLoader.files(under: [scratch.file("absent").path]) }
        do {
            _ = try VectorFileLoader.files(under: [scratch.url.path])
            Issue.record("an empty directory was accepted")
        } catch {
            #expect(error.code == .noVectorFiles)
        }
        // Other JSON is not a vector file; two files holding one ID are refused.
        try scratch.write("openapi/spec.json", "{\"swagger\": \"2.0\"}")
        try scratch.write("a/one-vectors.json", Self.document())
        try scratch.write("b/two-vectors.json", Self.document())
        #expect(try VectorFileLoader.files(under: [scratch.url.path]).count == 2)
        do {
            _ = try VectorFileLoader.loadAll(paths: [scratch.url.path])
            Issue.record("a duplicate ID across files was accepted")
        } catch {
            #expect(error.code == .duplicateID)
        }
    }

    @Test("no prefix and no single flipped byte of a real file crashes the loader")
    func hostileBytes() throws {
        let bytes = Array(try Data(contentsOf: dpsVectorFile))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let cut = Int.random(in: 0..<bytes.count, using: &generator)
            #expect(throws: VectorFileError.self) { _ = try VectorFileLoader.load(bytes: Array(bytes[..<cut]), path: "cut.json") }
            var flipped = bytes
            flipped[cut] ^= UInt8.random(in: 1...255, using: &generator)
            // Either refused or loaded; what matters is that it returns.
            _ = try? VectorFileLoader.load(bytes: flipped, path: "flipped.json")
        }
    }
}
