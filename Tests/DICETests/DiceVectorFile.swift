import TestSupport
import Foundation
import Testing

/// The known-answer vector file `Vectors/dice/dice-vectors.json`, decoded for tests.
struct DiceVectorFile: Decodable {
    let vectors: [DiceVector]

    /// Loads the copy in the repository (found by walking up from this file).
    static func load(filePath: String = #filePath) throws -> DiceVectorFile {
        let url = try repositoryRoot(from: filePath).appendingPathComponent("Vectors/dice/dice-vectors.json")
        return try JSONDecoder().decode(DiceVectorFile.self, from: Data(contentsOf: url))
    }

    static let shared: DiceVectorFile? = try? load()

    static var all: [DiceVector] { shared?.vectors ?? [] }

    static func vector(_ idPrefix: String) -> DiceVector? { all.first { $0.id.hasPrefix(idPrefix) } }
}

struct VectorRootNotFound: Error {}

/// The repository root (TestSupport).
func repositoryRoot(from filePath: String) throws -> URL { Checkout.root }

struct DiceVector: Decodable, Sendable, CustomTestStringConvertible {
    let id: String
    let description: String
    let inputs: Inputs
    let expected: [String: ExpectedValue]

    var testDescription: String { id }

    struct Inputs: Decodable, Sendable {
        let udsHex: String
        let udsBytesHex: String
        let registrationId: String
        let firmware: Firmware
        let map: Map
        let riotCore: Region
        let riotFw: Region
    }

    struct Firmware: Decodable, Sendable {
        let pattern: String
        let length: Int
        let sha256: String
        let byte: Int?
        let seed: String?
        let hex: String?
    }

    struct Map: Decodable, Sendable {
        let flashOrigin: String
        let mapFileText: String
    }

    struct Region: Decodable, Sendable {
        let offset: Int
        let length: Int
        let sha256: String
    }

    /// A string or integer field of `expected`.
    enum ExpectedValue: Decodable, Sendable, Equatable {
        case text(String)
        case number(Int)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) {
                self = .number(number)
            } else {
                self = .text(try container.decode(String.self))
            }
        }

        var asText: String {
            switch self {
            case .text(let text): return text
            case .number(let number): return String(number)
            }
        }
    }

    func expectedText(_ name: String) -> String? { expected[name]?.asText }
}
