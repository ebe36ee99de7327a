import DPSCore

/// A small JSON path into a response body: `$`, then `.member` or `[index]` steps, e.g.
/// `$.registrationState.assignedHub`, `$.issuedCertificateChain[0]`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    public enum Step: Sendable, Hashable {
        case member(String)
        case index(Int)
    }

    public let steps: [Step]
    public let description: String

    /// Parses `text`; nil explains what is wrong.
    public init(parsing text: String) throws(JSONPathError) {
        guard text.hasPrefix("$") else { throw JSONPathError("a JSON path starts with '$' (e.g. $.status), not '\(text.prefix(1))'") }
        var steps: [Step] = []
        var rest = Substring(text.dropFirst())
        while let first = rest.first {
            if first == "." {
                rest = rest.dropFirst()
                let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
                guard !name.isEmpty else { throw JSONPathError("'\(text)': a '.' must be followed by a member name") }
                steps.append(.member(String(name)))
                rest = rest.dropFirst(name.count)
            } else if first == "[" {
                guard let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]), index >= 0 else {
                    throw JSONPathError("'\(text)': '[' must hold an index (a whole number from 0) and be closed by ']'")
                }
                steps.append(.index(index))
                rest = rest[rest.index(after: close)...]
            } else {
                throw JSONPathError("'\(text)': unexpected '\(first)'; steps are .member or [index]")
            }
        }
        self.steps = steps
        self.description = text
    }

    /// The value at this path in `value`, or nil when a step does not exist.
    public func value(in value: JSONValue) -> JSONValue? {
        var current = value
        for step in steps {
            switch (step, current) {
            case (.member(let name), .object(let members)):
                guard let next = members[name] else { return nil }
                current = next
            case (.index(let index), .array(let items)):
                guard index < items.count else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }
}

/// Why a JSON path cannot be read.
public struct JSONPathError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

extension JSONValue {
    /// Compact JSON text of the value, for expectations and observations.
    var compactText: String {
        String(decoding: JSONText.encode(self), as: UTF8.self)
    }
}
