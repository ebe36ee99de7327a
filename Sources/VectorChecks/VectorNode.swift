import DPSCore
/// A JSON value of a vector file together with its file and JSONPath: typed reads that fail with
/// a ``VectorFileError`` naming exactly where the fault is.
struct VectorNode: Sendable {
    let json: VectorJSON
    let path: String
    let file: String

    /// `$.name` for plain names, `$["odd-name"]` otherwise.
    func childPath(_ name: String) -> String {
        let plain = name.first.map { $0.isLetter || $0 == "_" } ?? false
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        return plain ? path + "." + name : path + "[" + VectorJSON.quoted(name) + "]"
    }

    func error(_ code: VectorFileError.Code, _ reason: String) -> VectorFileError {
        VectorFileError(code, reason, file: file, jsonPath: path, line: json.line, column: json.column)
    }

    /// The member `name`, or nil when absent.
    func member(_ name: String) -> VectorNode? {
        json[name].map { VectorNode(json: $0, path: childPath(name), file: file) }
    }

    /// The member `name`, or nil when absent or JSON null.
    func nonNullMember(_ name: String) -> VectorNode? {
        guard let node = member(name), node.json.value != .null else { return nil }
        return node
    }

    /// The member `name`; absent is an error.
    func require(_ name: String) throws(VectorFileError) -> VectorNode {
        guard case .object = json.value else { throw error(.wrongType, "expected an object, found \(json.typeName)") }
        guard let node = member(name) else { throw error(.missingMember, "required member \"\(name)\" is missing") }
        return node
    }

    /// Members in file order; the value must be an object.
    func members() throws(VectorFileError) -> [(name: String, node: VectorNode)] {
        guard case .object(let members) = json.value else { throw error(.wrongType, "expected an object, found \(json.typeName)") }
        return members.map { ($0.name, VectorNode(json: $0.value, path: childPath($0.name), file: file)) }
    }

    /// Refuses members outside `allowed` (typos would otherwise be ignored silently).
    func refuseUnknownMembers(allowed: Set<String>) throws(VectorFileError) {
        for (name, node) in try members() where !allowed.contains(name) {
            throw node.error(.unknownMember, "member \"\(name)\" is not defined here (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    func items() throws(VectorFileError) -> [VectorNode] {
        guard case .array(let items) = json.value else { throw error(.wrongType, "expected an array, found \(json.typeName)") }
        return items.enumerated().map { VectorNode(json: $1, path: path + "[\($0)]", file: file) }
    }

    func string() throws(VectorFileError) -> String {
        guard case .string(let text) = json.value else { throw error(.wrongType, "expected a string, found \(json.typeName)") }
        return text
    }

    /// A string or JSON null (nil).
    func optionalString() throws(VectorFileError) -> String? {
        if json.value == .null { return nil }
        return try string()
    }

    func integer() throws(VectorFileError) -> Int64 {
        guard case .integer(let value) = json.value else { throw error(.wrongType, "expected an integer, found \(json.typeName)") }
        return value
    }

    /// An integer inside `range` (bounds keep arithmetic on vector inputs from overflowing).
    func integer(in range: ClosedRange<Int64>) throws(VectorFileError) -> Int64 {
        let value = try integer()
        guard range.contains(value) else { throw error(.invalidValue, "\(value) is outside \(range.lowerBound)...\(range.upperBound)") }
        return value
    }

    func bool() throws(VectorFileError) -> Bool {
        guard case .bool(let flag) = json.value else { throw error(.wrongType, "expected a boolean, found \(json.typeName)") }
        return flag
    }

    /// An array of strings.
    func strings() throws(VectorFileError) -> [String] {
        var out: [String] = []
        for item in try items() { out.append(try item.string()) }
        return out
    }

    // Convenience reads of members.
    func string(_ name: String) throws(VectorFileError) -> String { try require(name).string() }
    func optionalString(_ name: String) throws(VectorFileError) -> String? { try member(name)?.optionalString() }
    func integer(_ name: String, in range: ClosedRange<Int64>) throws(VectorFileError) -> Int64 {
        try require(name).integer(in: range)
    }
}
