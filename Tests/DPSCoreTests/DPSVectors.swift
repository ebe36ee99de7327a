import DPSCore
import Foundation

/// One entry of Vectors/dps/dps-vectors.json.
struct DPSVector: Sendable, Decodable, CustomStringConvertible {
    let name: String
    let kind: String
    let inputs: JSONValue
    let expected: JSONValue?

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
              let vectors = try? JSONDecoder().decode([DPSVector].self, from: data) else {
            return []
        }
        return vectors
    }()

    static func of(kind: String) -> [DPSVector] { all.filter { $0.kind == kind } }
}

/// The checkout's root: the first directory above this file holding Package.swift and Vectors/.
func repositoryRoot(from file: String = #filePath) -> URL {
    var url = URL(fileURLWithPath: file).deletingLastPathComponent()
    while url.path != "/" {
        let manager = FileManager.default
        if manager.fileExists(atPath: url.appendingPathComponent("Package.swift").path),
           manager.fileExists(atPath: url.appendingPathComponent("Vectors").path) {
            return url
        }
        url.deleteLastPathComponent()
    }
    return url
}

struct MissingInput: Error, CustomStringConvertible {
    let vector: String
    let key: String
    var description: String { "vector \(vector) lacks input \(key)" }
}
