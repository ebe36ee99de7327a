import Foundation

/// Writing JSON text byte for byte where the exact bytes matter (register payloads are compared
/// with SDK known answers, `dps-vectors.json` kind `register_payload`), and canonical encoding of
/// models for everything else.
public enum JSONText {
    /// `value` as a JSON string literal, quotes included.
    public static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(format: "%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Encodes a model compactly, without escaped slashes. Keys are sorted: Foundation's encoder
    /// keeps no declaration order, and the same model must always give the same bytes.
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        // Encoding our own Codable models cannot fail: they hold only strings, numbers and JSONValue.
        guard let data = try? encoder.encode(value) else { return Array("{}".utf8) }
        return Array(data)
    }

    /// Decodes a model, turning Foundation's error into a `DPSCoreError` that names the failing path.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw DPSCoreError(.invalidJSON, "\(what): \(describe(error))")
        } catch {
            throw DPSCoreError(.invalidJSON, "\(what): \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let joined = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return joined.isEmpty ? "top level" : "field '\(joined)'"
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context)) is not a \(type)"
        case .valueNotFound(_, let context): return "\(path(context)) is missing a value"
        case .keyNotFound(let key, let context): return "\(path(context)) lacks required field '\(key.stringValue)'"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
