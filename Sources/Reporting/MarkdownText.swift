/// Text made safe for one cell of a GitHub-flavoured Markdown table.
enum MarkdownText {
    /// ASCII punctuation that could start emphasis, code, links, HTML, or end a table cell.
    private static let special: Set<Unicode.Scalar> = ["\\", "`", "*", "_", "[", "]", "<", ">", "|", "&", "#", "~", "!"]

    /// One line, control characters removed, Markdown punctuation backslash-escaped (CommonMark
    /// Microsoft Learn iot-dps-mqtt-support), so device text is shown literally and cannot break out of its cell.
    static func cell(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n", "\r", "\t":
                out.append(" ")
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || !XMLText.isAllowed(scalar):
                continue
            case _ where special.contains(scalar):
                out.append("\\")
                out.append(scalar)
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }
}
