import Foundation

/// `Vectors/registration-ids.json`: a Wycheproof-style set of registration IDs (tcId, comment, id,
/// result, flags) that DPSCore's validator, the fake and the fuzz oracle are all tested against.
public struct RegistrationIDVectors: Codable, Sendable {
    public struct Vector: Codable, Sendable, Hashable {
        public var tcId: Int
        public var comment: String
        public var id: String
        public var result: IDVerdict
        public var flags: [String]
    }

    public struct Group: Codable, Sendable {
        public var type: String
        public var tests: [Vector]
    }

    public var schema: String
    public var numberOfTests: Int
    public var notes: [String: String]
    public var testGroups: [Group]

    public var vectors: [Vector] { testGroups.flatMap(\.tests) }

    public static let fileName = "registration-ids.json"

    /// Reads and checks the file: the schema, the count, unique tcIds, every flag explained.
    public static func load(_ url: URL) throws -> RegistrationIDVectors {
        let file = try JSONDecoder().decode(RegistrationIDVectors.self, from: Data(contentsOf: url))
        guard file.schema == "dpsconform-registration-id-vectors/1" else { throw VectorFileProblem("\(url.path): unknown schema '\(file.schema)'") }
        guard file.numberOfTests == file.vectors.count else {
            throw VectorFileProblem("\(url.path): numberOfTests is \(file.numberOfTests) but \(file.vectors.count) tests are listed")
        }
        guard Set(file.vectors.map(\.tcId)).count == file.vectors.count else { throw VectorFileProblem("\(url.path): tcIds repeat") }
        if let flag = file.vectors.flatMap(\.flags).first(where: { file.notes[$0] == nil }) {
            throw VectorFileProblem("\(url.path): flag '\(flag)' has no note")
        }
        return file
    }
}

public struct VectorFileProblem: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
