import Foundation
import Yams

/// A YAML node with its file and field path, read with precise errors (`file:line:col: field: ...`).
/// Unknown keys are refused so a typo never silently turns a check off.
package struct YAMLNode {
    package let node: Node
    package let file: String
    package let path: String

    package init(node: Node, file: String, path: String) {
        self.node = node
        self.file = file
        self.path = path
    }

    /// Composes `text`; aliases are bounded by `limits` (an alias bomb is an error at its line).
    package static func load(text: String, file: String, limits: YAMLLimits = .standard) throws -> YAMLNode? {
        try AliasKeyScan(file: file).check(text)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { return nil }
            root = node
        } catch let error as YamlError {
            throw inputError(error, file: file)
        } catch {
            throw InputError(.yamlSyntax, file: file, "YAML error: \(error)")
        }
        try AliasBudget(limits: limits, file: file).check(root)
        return YAMLNode(node: root, file: file, path: "")
    }

    /// A Yams error as an InputError with its line and column, never echoing the document.
    static func inputError(_ error: YamlError, file: String) -> InputError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return InputError(.yamlSyntax, file: file, line: mark.line, column: mark.column, "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return InputError(.yamlSyntax, file: file, line: context.mark.line, column: context.mark.column,
                              "key \(keys) appears more than once in the same mapping")
        case .reader(let problem, let offset, _, _):
            return InputError(.yamlSyntax, file: file, "YAML reader error: \(problem)\(offset.map { " at byte \($0)" } ?? "")")
        default:
            return InputError(.yamlSyntax, file: file, "YAML error: \(error)")
        }
    }

    package func error(_ code: InputError.Code, _ message: String) -> InputError {
        site.error(code, message)
    }

    /// Where this node stands, to report a problem found after loading.
    package var site: SourceSite {
        SourceSite(file: file, line: node.mark?.line, column: node.mark?.column, field: path.isEmpty ? nil : path)
    }

    private func child(_ node: Node, _ component: String) -> YAMLNode {
        YAMLNode(node: node, file: file, path: path.isEmpty ? component : (component.hasPrefix("[") ? path + component : path + "." + component))
    }

    /// The members of a mapping, refusing keys outside `allowed`.
    package func mapping(allowed: Set<String>) throws -> [String: YAMLNode] {
        guard case .mapping(let mapping) = node else { throw error(.wrongType, "expected a mapping") }
        var members: [String: YAMLNode] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw error(.wrongType, "mapping keys must be strings") }
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw child(key, name).error(.unknownField, "unknown field '\(name)' (known: \(known))")
            }
            guard members[name] == nil else { throw child(key, name).error(.invalidValue, "field '\(name)' appears twice") }
            members[name] = child(value, name)
        }
        return members
    }

    package func sequence() throws -> [YAMLNode] {
        guard case .sequence(let sequence) = node else { throw error(.wrongType, "expected a list") }
        return sequence.enumerated().map { child($1, "[\($0)]") }
    }

    /// A list, or a single value taken as a one-element list.
    package func sequenceOrSingle() throws -> [YAMLNode] {
        if case .sequence = node { return try sequence() }
        return [self]
    }

    package func string() throws -> String {
        guard case .scalar(let scalar) = node else { throw error(.wrongType, "expected a string") }
        return scalar.string
    }

    package func int(in range: ClosedRange<Int>) throws -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else { throw error(.wrongType, "expected a whole number") }
        guard range.contains(value) else { throw error(.invalidValue, "\(value) is outside \(range.lowerBound)...\(range.upperBound)") }
        return value
    }

    package func bool() throws -> Bool {
        guard case .scalar(let scalar) = node else { throw error(.wrongType, "expected true or false") }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(.wrongType, "expected true or false, found '\(scalar.string)'")
        }
    }

    /// One of `choices`, by name.
    package func choice<T>(_ choices: [String: T]) throws -> T {
        let text = try string()
        guard let value = choices[text] else {
            throw error(.invalidValue, "'\(text)' is not one of: \(choices.keys.sorted().joined(separator: ", "))")
        }
        return value
    }

    /// The node re-emitted as JSON text (for custom payloads).
    package func jsonText() throws -> String {
        let object = try jsonObject(node)
        guard JSONSerialization.isValidJSONObject([object]),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]) else {
            throw error(.invalidValue, "cannot be expressed as JSON")
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func jsonObject(_ node: Node) throws -> Any {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if let int = Int(scalar.string) { return int }
                if let double = Double(scalar.string) { return double }
                if ["true", "false"].contains(scalar.string) { return scalar.string == "true" }
                if ["null", "~"].contains(scalar.string) { return NSNull() }
            }
            return scalar.string
        case .sequence(let sequence): return try sequence.map(jsonObject)
        case .mapping(let mapping):
            var object: [String: Any] = [:]
            for (key, value) in mapping { object[key.string ?? ""] = try jsonObject(value) }
            return object
        case .alias: throw error(.invalidValue, "YAML aliases are not supported here")
        }
    }
}
