/// Bad input given to the engine (scenario, enrollment or requirement files): always names the
/// file, and the line, column and field where it can.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case unreadableFile
        case yamlSyntax
        case wrongType
        case missingField
        case unknownField
        case invalidValue
        case duplicateID
        case unknownRequirement
        /// A bound on input size was passed (YAML alias expansion, see `YAMLLimits`).
        case limitExceeded
    }

    public let code: Code
    public let file: String
    public let line: Int?
    public let column: Int?
    /// Dotted path of the field, e.g. `scenarios[2].device.registrationId`.
    public let field: String?
    public let message: String

    public init(_ code: Code, file: String, line: Int? = nil, column: Int? = nil, field: String? = nil, _ message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        if let field { return "\(location): \(field): \(message)" }
        return "\(location): \(message)"
    }
}
