import TestSupport
import DPSCore
import Foundation

/// One entry of Vectors/dps/dps-vectors.json (schema `dpsconform-vectors`, docs/vectors.md).
struct DPSVector: Sendable, Decodable, CustomStringConvertible {
    let name: String
    let kind: String
    let inputs: JSONValue
    /// The expected value as these tests read it: a kind's single output (e.g. `username`) is
    /// the value itself, several outputs stay an object.
    let expected: JSONValue?

    private enum CodingKeys: String, CodingKey { case id, kind, inputs, expected }

    /// The field that holds a kind's single output in the file's `expected` object.
    static let singleOutputFields: [String: Set<String>] = [
        "mqtt_client_id": ["client_id"], "mqtt_username": ["username"], "mqtt_topic_filter": ["topic_filter"],
        "mqtt_publish_topic": ["topic"], "register_payload": ["body"], "sas_string_to_sign": ["string_to_sign"],
        "sas_token": ["token"], "hmac_sha256_b64": ["signature_b64"], "derived_key": ["derived_key_b64"],
        "retry_delay_ms": ["delay_ms"], "retry_after_parse": ["retry_after_seconds"], "observation": ["decoded_etag", "token"],
    ]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .id)
        kind = try container.decode(String.self, forKey: .kind)
        inputs = try container.decode(JSONValue.self, forKey: .inputs)
        let object = try container.decodeIfPresent(JSONValue.self, forKey: .expected)
        if case .object(let members)? = object, members.count == 1, let only = members.first,
           Self.singleOutputFields[kind]?.contains(only.key) == true {
            expected = only.value
        } else {
            expected = object
        }
    }

    var description: String { name }

    func input(_ key: String) -> String? { inputs[key]?.stringValue }

    /// A required string input; a missing one fails the test with the vector's name.
    func string(_ key: String) throws -> String {
        guard let value = input(key) else { throw MissingInput(vector: name, key: key) }
        return value
    }

    /// A required integer input.
    func int(_ key: String) throws -> Int64 {
        guard let value = inputInt(key) else { throw MissingInput(vector: name, key: key) }
        return value
    }

    func inputInt(_ key: String) -> Int64? {
        if case .integer(let value)? = inputs[key] { return value }
        return nil
    }

    static let all: [DPSVector] = {
        guard let data = try? Data(contentsOf: repositoryRoot().appendingPathComponent("Vectors/dps/dps-vectors.json")),
              let file = try? JSONDecoder().decode(DPSVectorFile.self, from: data) else {
            return []
        }
        return file.vectors
    }()

    static func of(kind: String) -> [DPSVector] { all.filter { $0.kind == kind } }
}

/// The file around the vectors.
private struct DPSVectorFile: Decodable {
    let vectors: [DPSVector]
}

/// The checkout's root (TestSupport).
func repositoryRoot(from file: String = #filePath) -> URL { Checkout.root }

struct MissingInput: Error, CustomStringConvertible {
    let vector: String
    let key: String
    var description: String { "vector \(vector) lacks input \(key)" }
}
