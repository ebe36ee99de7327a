import Verdicts

/// The words every report uses for outcomes and verdicts, so JUnit, HTML, Markdown and the
/// console say the same thing. A failure shows what was legal and what happened (h2spec style).
enum VerdictText {
    /// Upper-case outcome name as printed in reports: `PASS`, `FAIL`, `ERROR`, ...
    static func label(_ outcome: VerdictOutcome) -> String {
        outcome.rawValue.uppercased()
    }

    /// What an outcome means for the run, for the outcomes that need saying.
    static func meaning(_ outcome: VerdictOutcome) -> String? {
        switch outcome {
        case .pass: nil
        case .fail: "a requirement was checked and did not hold"
        case .error: "the check could not be carried out; nothing is known"
        case .skip: "not applicable to this run"
        case .xfail: "failed as the scenario said it would; counts as passing"
        case .warn: "a SHOULD-level requirement did not hold; does not fail the run"
        }
    }

    /// The expected conditions as one phrase, `<a; b>`: a verdict's conditions must all hold, so
    /// they are listed together, never offered as alternatives.
    static func expected(_ conditions: [String]) -> String {
        "<" + (conditions.isEmpty ? "(not stated)" : conditions.map(flatten).joined(separator: "; ")) + ">"
    }

    /// `REQ-ID (MUST): expected <a; b>, got <c>`; the level in parentheses only when the
    /// requirement catalogue gave one.
    static func oneLine(_ verdict: Verdict, level: Requirement.Level? = nil) -> String {
        "\(heading(verdict, level: level)): expected \(expected(verdict.expected)), got <\(flatten(verdict.observed))>"
    }

    /// `REQ-ID (MUST)`, or the bare ID when the level is not known.
    static func heading(_ verdict: Verdict, level: Requirement.Level?) -> String {
        let id = flatten(verdict.requirement.rawValue)
        return level.map { "\(id) (\($0.rawValue))" } ?? id
    }

    /// A multi-line account of one verdict for failure bodies and console details.
    static func block(_ verdict: Verdict, level: Requirement.Level? = nil) -> String {
        var lines = ["\(heading(verdict, level: level)) [\(label(verdict.outcome))]"]
        if verdict.expected.isEmpty {
            lines.append("  expected: (not stated)")
        } else {
            lines.append("  expected (every condition must hold):")
            lines += verdict.expected.map { "    - \(flatten($0))" }
        }
        lines.append("  observed: \(flatten(verdict.observed))")
        if !verdict.evidence.isEmpty {
            lines.append("  evidence: transcript " + verdict.evidence.map { "#\($0)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// The verdicts that made the case come out as it did (its failing verdicts for a FAIL, its
    /// errors for an ERROR, ...); empty for a passing case.
    static func deciding(_ item: CaseResult) -> [Verdict] {
        let outcome = item.outcome
        guard outcome != .pass else { return [] }
        return item.verdicts.filter { $0.outcome == outcome }
    }

    /// Requirement IDs of the deciding verdicts, in order, without repeats.
    static func decidingRequirements(_ item: CaseResult) -> [String] {
        var seen = Set<String>()
        return deciding(item).map(\.requirement.rawValue).filter { seen.insert($0).inserted }
    }

    /// Line breaks shown as `\n` so one value stays on one line.
    static func flatten(_ text: String) -> String {
        guard text.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return text.replacingOccurrences(of: "\r\n", with: "\\n")
            .replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\r")
    }

    /// `1 event`, `4 events`.
    static func counted(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    /// At most `limit` characters, with a note of how many were left out.
    static func truncated(_ text: String, limit: Int) -> String {
        guard limit >= 0, text.count > limit else { return text }
        return String(text.prefix(limit)) + "… (\(text.count - limit) more characters)"
    }
}
