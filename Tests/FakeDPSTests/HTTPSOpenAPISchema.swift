import DPSCore
import Foundation

/// The DPS device runtime OpenAPI (Swagger 2.0) description, read from `Vectors/openapi/`, and a
/// JSON-schema checker for the subset of schema keywords that description uses: `$ref` to
/// `#/definitions`, `type`, `properties`, `required`, `enum`, `format` (date-time, int32, byte),
/// `additionalProperties`, `minLength` and `items`. Annotation keywords (`description`,
/// `readOnly`, `x-ms-*`, ...) are ignored; any other keyword is reported, so a constraint is never
/// skipped silently.
struct OpenAPIDocument {
    let root: JSONValue
    let name: String

    /// Reads `Vectors/openapi/<file>` from the repository root.
    init(file: String) throws {
        let url = RepositoryRoot.url.appendingPathComponent("Vectors/openapi").appendingPathComponent(file)
        root = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
        name = file
    }

    /// The schema of the `status` response of `method path` (the `default` response when the
    /// status is not listed), and the response object itself (for its headers).
    func response(path: String, method: String, status: Int) throws -> (schema: JSONValue, response: JSONValue) {
        guard let operation = root["paths"]?[path]?[method.lowercased()] else { throw SchemaError("\(name): no operation \(method) \(path)") }
        guard let response = operation["responses"]?[String(status)] ?? operation["responses"]?["default"],
              let schema = response["schema"] else {
            throw SchemaError("\(name): \(method) \(path) describes no \(status) or default response")
        }
        return (schema, response)
    }

    func definition(_ name: String) throws -> JSONValue {
        guard let schema = root["definitions"]?[name] else { throw SchemaError("\(self.name): no definition \(name)") }
        return schema
    }

    /// Every violation of `schema` by `instance`. In `closed` mode a property a modelled object
    /// (one with `properties`) does not declare, where `additionalProperties` is absent, is a
    /// violation too: stricter than Swagger, it catches misspelt field names in the fake's output.
    func violations(of instance: JSONValue, against schema: JSONValue, closed: Bool) -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        check(instance, schema, at: "$", closed: closed, depth: 0, into: &found)
        return found
    }

    static let annotations: Set<String> = ["description", "readOnly", "title", "example", "x-ms-enum", "x-ms-client-name",
                                                    "x-ms-parameter-location", "x-nullable", "x-ms-identifiers"]
    static let understood: Set<String> = ["$ref", "type", "properties", "required", "enum", "format", "additionalProperties", "minLength", "items"]

    private func check(_ value: JSONValue, _ schema: JSONValue, at path: String, closed: Bool, depth: Int, into found: inout [SchemaViolation]) {
        guard depth < 64 else { found.append(.init(path, .unresolvedReference, "reference cycle")); return }
        guard case .object(let keywords) = schema else { found.append(.init(path, .unsupportedKeyword, "schema is not an object")); return }
        for key in keywords.keys.sorted() where !Self.understood.contains(key) && !Self.annotations.contains(key) && !key.hasPrefix("x-") {
            found.append(.init(path, .unsupportedKeyword, key))
        }
        if let reference = keywords["$ref"]?.stringValue {
            let prefix = "#/definitions/"
            guard reference.hasPrefix(prefix), let target = root["definitions"]?[String(reference.dropFirst(prefix.count))] else {
                found.append(.init(path, .unresolvedReference, reference))
                return
            }
            // Swagger 2.0: siblings of $ref are ignored (only annotations appear beside it here).
            check(value, target, at: path, closed: closed, depth: depth + 1, into: &found)
            return
        }
        if let type = keywords["type"]?.stringValue, !Self.matches(value, type: type) {
            found.append(.init(path, .type, "expected \(type)"))
            return
        }
        if case .array(let allowed)? = keywords["enum"], !allowed.contains(value) {
            found.append(.init(path, .enumeration, "value not in the enumeration"))
        }
        if let format = keywords["format"]?.stringValue, !Self.conforms(value, format: format) {
            found.append(.init(path, .format, "not a valid \(format)"))
        }
        if case .integer(let minimum)? = keywords["minLength"], case .string(let text) = value, text.unicodeScalars.count < minimum {
            found.append(.init(path, .minLength, "shorter than \(minimum)"))
        }
        if case .array(let items) = value, let itemSchema = keywords["items"] {
            for (index, item) in items.enumerated() {
                check(item, itemSchema, at: "\(path)[\(index)]", closed: closed, depth: depth + 1, into: &found)
            }
        }
        guard case .object(let members) = value else { return }
        if case .array(let required)? = keywords["required"] {
            for case .string(let name) in required where members[name] == nil {
                found.append(.init("\(path).\(name)", .required, "required property missing"))
            }
        }
        let properties: [String: JSONValue]
        if case .object(let declared)? = keywords["properties"] { properties = declared } else { properties = [:] }
        for name in members.keys.sorted() {
            guard let member = members[name] else { continue }
            if let propertySchema = properties[name] {
                check(member, propertySchema, at: "\(path).\(name)", closed: closed, depth: depth + 1, into: &found)
            } else {
                switch keywords["additionalProperties"] {
                case .bool(false)?: found.append(.init("\(path).\(name)", .additionalProperty, "not allowed"))
                case .bool(true)?: continue
                case let extra?: check(member, extra, at: "\(path).\(name)", closed: closed, depth: depth + 1, into: &found)
                // Closed mode applies to modelled objects only; `{}` and free-form objects take anything.
                case nil: if closed && keywords["properties"] != nil { found.append(.init("\(path).\(name)", .additionalProperty, "not declared by the schema")) }
                }
            }
        }
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .integer),
             ("number", .integer), ("number", .number), ("null", .null): true
        default: false
        }
    }

    private static func conforms(_ value: JSONValue, format: String) -> Bool {
        switch (format, value) {
        case ("date-time", .string(let text)): RFC3339.isDateTime(text)
        case ("int32", .integer(let number)): Int64(Int32.min)...Int64(Int32.max) ~= number
        case ("int64", .integer): true
        case ("byte", .string(let text)): Data(base64Encoded: text) != nil
        case ("date-time", _), ("byte", _), ("int32", _): false
        default: true  // formats the description does not use are annotations (JSON Schema draft 4 known client bugs)
        }
    }
}

/// One place where an instance breaks its schema.
struct SchemaViolation: Hashable, CustomStringConvertible {
    enum Rule: String { case type, enumeration, format, minLength, required, additionalProperty, unresolvedReference, unsupportedKeyword }
    let path: String
    let rule: Rule
    let detail: String

    init(_ path: String, _ rule: Rule, _ detail: String) {
        self.path = path
        self.rule = rule
        self.detail = detail
    }

    var description: String { "\(path): \(rule.rawValue) (\(detail))" }
}

struct SchemaError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// RFC 3339 §5.6 `date-time` (the `format: date-time` of Swagger 2.0): full-date "T" full-time,
/// with fractional seconds and a `Z` or numeric offset; `T` and `Z` in either case.
enum RFC3339 {
    static func isDateTime(_ text: String) -> Bool {
        let pattern = #"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-]([0-9]{2}):([0-9]{2}))$"#
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return false }
        func number(_ group: Int) -> Int? {
            guard let range = Range(match.range(at: group), in: text) else { return nil }
            return Int(text[range])
        }
        guard let year = number(1), let month = number(2), let day = number(3), let hour = number(4),
              let minute = number(5), let second = number(6) else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), (1...days[month - 1]).contains(day), (0...23).contains(hour),
              (0...59).contains(minute), (0...60).contains(second) else { return false }
        if let offsetHours = number(9), let offsetMinutes = number(10) {
            return (0...23).contains(offsetHours) && (0...59).contains(offsetMinutes)
        }
        return true
    }
}

/// The repository root: the first directory above this file holding `Vectors` and `Package.swift`.
enum RepositoryRoot {
    static var url: URL {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let manager = FileManager.default
        while url.path != "/" {
            if manager.fileExists(atPath: url.appendingPathComponent("Package.swift").path),
               manager.fileExists(atPath: url.appendingPathComponent("Vectors").path) { return url }
            url.deleteLastPathComponent()
        }
        return url
    }
}
