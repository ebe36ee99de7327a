import DPSCore
/// The one error type of VectorChecks: a vector file (or a path given for one) that cannot be
/// used. The command maps it to exit status 2 (bad input).
///
/// Callers match on ``code``; ``reason`` names the fault for humans. ``file``, ``jsonPath``,
/// ``line`` and ``column`` say where it is, e.g. `Vectors/dice/x.json:12:5: $.vectors[3].inputs.udsHex`.
public struct VectorFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable identifiers of everything the loader refuses.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A path does not exist or cannot be read.
        case unreadable
        /// A directory holds no `.json` file.
        case noVectorFiles
        /// The file is larger than the loader accepts.
        case tooLarge
        /// The file is not well-formed JSON (or not UTF-8, or has a duplicate member name).
        case syntax
        /// `schema` is not `dpsconform-vectors`.
        case wrongSchema
        /// `schemaVersion` is not one this build reads.
        case unsupportedSchemaVersion
        /// A required member is absent.
        case missingMember
        /// A member that the format does not define (often a typo).
        case unknownMember
        /// A member has the wrong JSON type.
        case wrongType
        /// A member has the right type but a value outside what the format allows.
        case invalidValue
        /// `area` or `kind` names nothing this build can check.
        case unknownKind
        /// An expected field the vector's kind does not produce.
        case unknownExpectedField
        /// Two vectors share an ID (in one file, or across the files of one run).
        case duplicateID
        /// `numberOfVectors` disagrees with the vectors present.
        case countMismatch
        /// `result` and `expected` contradict each other (e.g. `valid` with an `error` field).
        case resultMismatch
    }

    public let code: Code
    /// What is wrong, for humans (never a secret value).
    public let reason: String
    /// The file (or path) at fault.
    public let file: String
    /// JSONPath of the value at fault (`$` for the whole file), when there is one.
    public let jsonPath: String?
    /// 1-based line of the value at fault, when known.
    public let line: Int?
    /// 1-based column (bytes) of the value at fault, when known.
    public let column: Int?

    init(_ code: Code, _ reason: String, file: String, jsonPath: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.code = code
        self.reason = reason
        self.file = file
        self.jsonPath = jsonPath
        self.line = line
        self.column = column
    }

    /// `file:line:column: $.path: reason`.
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        if let jsonPath { text += ": \(jsonPath)" }
        return text + ": " + reason
    }
}
