/// Text made safe for HTML element content and quoted attribute values.
enum HTMLText {
    /// Escapes `&`, `<`, `>`, `"` and `'`, and removes the control characters an HTML parser would
    /// report as errors (the same set XML forbids), so device bytes can never open a tag.
    static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard XMLText.isAllowed(scalar) else { continue }
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
