/// Text made safe for an XML 1.0 document.
///
/// Transcripts carry arbitrary device bytes: characters XML 1.0 forbids (C0 controls other than
/// tab, LF and CR; U+FFFE; U+FFFF) are removed, because no escape can represent them and one of
/// them makes every strict parser reject the whole report (XML 1.0 Microsoft Learn iot-dps-mqtt-support, production `Char`).
enum XMLText {
    /// Whether `scalar` may appear in an XML 1.0 document at all.
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: true
        case 0x20...0xD7FF: true
        case 0xE000...0xFFFD: true
        case 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// Character data of an element: `&`, `<`, `>` escaped, CR kept as a reference so parsers do
    /// not fold it into LF, forbidden characters removed.
    static func content(_ text: String) -> String {
        escape(text, inAttribute: false)
    }

    /// An attribute value inside double quotes: also quotes escaped, and tab, LF and CR written as
    /// references so attribute-value normalisation does not turn them into spaces.
    static func attribute(_ text: String) -> String {
        escape(text, inAttribute: true)
    }

    private static func escape(_ text: String, inAttribute: Bool) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard isAllowed(scalar) else { continue }
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\r": out.append(contentsOf: "&#13;".unicodeScalars)
            case "\"" where inAttribute: out.append(contentsOf: "&quot;".unicodeScalars)
            case "'" where inAttribute: out.append(contentsOf: "&apos;".unicodeScalars)
            case "\n" where inAttribute: out.append(contentsOf: "&#10;".unicodeScalars)
            case "\t" where inAttribute: out.append(contentsOf: "&#9;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
