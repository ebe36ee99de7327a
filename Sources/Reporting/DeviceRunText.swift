import Foundation
import Verdicts

/// The device section of a case in text reports: what ran as the device, how it ended, its
/// own report, the settings a board needed, and the end of its output.
enum DeviceRunText {
    /// Bytes of each output stream shown in JUnit and HTML (report.json keeps the whole tail).
    static let shownOutput = 4 * 1024

    static func lines(_ record: DeviceRunRecord) -> [String] {
        var lines = ["Device: \(record.kind)" + (record.command.map { ": \(VerdictText.flatten($0))" } ?? "")]
        if let end = record.end { lines.append("  ended: \(VerdictText.flatten(end))") }
        if let report = record.report {
            lines.append("  its report: " + report.keys.sorted().map { "\($0)=\(VerdictText.flatten(report[$0] ?? ""))" }.joined(separator: ", "))
        } else if record.command != nil {
            lines.append("  its report: no JSON object on stdout")
        }
        if let settings = record.settings {
            lines.append("  board settings: " + settings.keys.sorted().map { "\($0)=\(VerdictText.flatten(settings[$0] ?? ""))" }.joined(separator: ", "))
        }
        for (name, tail, total) in [("stdout", record.stdoutTail, record.stdoutBytes), ("stderr", record.stderrTail, record.stderrBytes)] {
            guard let tail, let total, total > 0 else { continue }
            let text = String(decoding: Array(tail.utf8.suffix(shownOutput)), as: UTF8.self)
            lines.append("  \(name) (last \(min(text.utf8.count, total)) of \(total) bytes):")
            lines += text.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + VerdictText.flatten(String($0)) }
        }
        return lines
    }
}
