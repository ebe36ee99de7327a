import DPSCore
import Foundation
import Verdicts

/// JUnit XML in two flavours.
///
/// ``render(_:requirements:maxTranscriptEvents:)`` writes `junit.xml`, the shape Jenkins (junit
/// plugin), GitLab, GitHub Actions reporters (dorny/test-reporter, action-junit-report) and Azure
/// Pipelines (PublishTestResults, JUnit) read: a `<testsuites>` root, one `<testsuite>` per
/// suite, one `<testcase>` per case with `classname` (the suite), `name` (the case ID, unique per
/// classname), `time` in seconds with three decimals, and `file` and `line` of its scenario when
/// known (GitHub annotations and GitLab use them to point at the source). Every broken rule is
/// one element: a failing verdict a `<failure>`, an erroring verdict an `<error>`.
///
/// ``renderStrict(_:requirements:maxTranscriptEvents:)`` writes `junit-strict.xml`, which
/// validates against the Apache Ant JUnit schema (published by Windy Road Technology, Apache
/// License 2.0; once at http://windyroad.com.au/dl/Open%20Source/JUnit.xsd): an attribute-free `<testsuites>` root,
/// `package` and `id` on every suite, at most one of `<failure>`, `<error>`, `<skipped>` per case
/// and nothing else inside a case, `<properties>`, `<system-out>` and `<system-err>` on every
/// suite. The per-case account goes into the suite's `<system-out>` there.
///
/// Outcomes map as: fail → `<failure>`, error → `<error>`, skip → `<skipped>`; pass, xfail and
/// warn are passing test cases (xfail and warn are said in `<system-out>`). A suite's
/// `failures`, `errors` and `skipped` count cases, not elements.
public enum JUnitReport {
    /// Run properties every suite lists even when the run did not set them (with an empty value).
    /// `seed` is listed only when the run has one.
    static let standardProperties = ["tool", "target", "device", "transport"]
    /// Suite name used when a case has none (the strict schema needs a non-empty name).
    static let unnamedSuite = "dpsconform"
    /// Transcript events shown on each side of an evidence event in a failure's body.
    static let evidenceContext = 2
    /// At most this many transcript lines in one failure's body.
    static let evidenceLineLimit = 40

    /// `junit.xml` for `run`. A case's transcript is listed up to `maxTranscriptEvents` lines in its
    /// `<system-out>` (the JSON report has all of it). `requirements` gives the levels in messages.
    public static func render(_ run: RunResult, requirements: [Requirement] = [], maxTranscriptEvents: Int = 2000) -> String {
        let context = Context(run, requirements: requirements)
        let summary = RunSummary(run)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites" + attributes([
            ("name", run.name),
            ("tests", String(summary.total)),
            ("failures", String(summary.count(.fail))),
            ("errors", String(summary.count(.error))),
            ("skipped", String(summary.count(.skip))),
            ("time", SecondsText.fixed(run.wallSeconds)),
        ]) + ">\n"
        for (index, suite) in suites(of: run).enumerated() {
            xml += "  <testsuite" + attributes(suiteAttributes(suite.name, cases: suite.cases, id: index, run: run, strict: false)) + ">\n"
            xml += properties(of: run)
            for item in suite.cases {
                xml += testcase(item.result, name: context.names[item.index], context: context, maxTranscriptEvents: maxTranscriptEvents)
            }
            xml += "  </testsuite>\n"
        }
        xml += "</testsuites>\n"
        return xml
    }

    /// `junit-strict.xml` for `run`: valid against the Ant JUnit schema (see the type's comment).
    public static func renderStrict(_ run: RunResult, requirements: [Requirement] = [], maxTranscriptEvents: Int = 2000) -> String {
        let context = Context(run, requirements: requirements)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let groups = suites(of: run)
        guard !groups.isEmpty else { return xml + "<testsuites/>\n" }
        xml += "<testsuites>\n"
        for (index, suite) in groups.enumerated() {
            xml += "  <testsuite" + attributes(suiteAttributes(suite.name, cases: suite.cases, id: index, run: run, strict: true)) + ">\n"
            xml += properties(of: run)
            var out: [String] = []
            var err: [String] = []
            for item in suite.cases {
                let name = context.names[item.index]
                xml += strictTestcase(item.result, name: name, context: context)
                let heading = "=== \(suiteName(item.result.suite)).\(name) ==="
                out.append(heading + "\n" + systemOut(item.result, maxTranscriptEvents: maxTranscriptEvents))
                if let tail = item.result.device?.stderrTail, !tail.isEmpty {
                    err.append(heading + "\n" + tail + (tail.hasSuffix("\n") ? "" : "\n"))
                }
            }
            xml += "    <system-out>" + XMLText.content(out.joined(separator: "\n")) + "</system-out>\n"
            xml += "    <system-err>" + XMLText.content(err.joined(separator: "\n")) + "</system-err>\n"
            xml += "  </testsuite>\n"
        }
        xml += "</testsuites>\n"
        return xml
    }

    /// What both flavours need to know about the whole run.
    struct Context {
        /// Requirement levels from the catalogue.
        let levels: [RequirementID: Requirement.Level]
        /// The `name` of each case (by its index in the run), unique together with its classname.
        let names: [String]

        init(_ run: RunResult, requirements: [Requirement]) {
            levels = Dictionary(requirements.map { ($0.id, $0.level) }, uniquingKeysWith: { first, _ in first })
            names = JUnitReport.uniqueNames(run.cases)
        }

        func level(_ verdict: Verdict) -> Requirement.Level? { levels[verdict.requirement] }
    }

    /// Each case's `name`: its ID, with ` (2)`, ` (3)`, ... added to the second and later cases that
    /// would otherwise repeat a `classname.name` already used, so CI tools do not merge them.
    static func uniqueNames(_ cases: [CaseResult]) -> [String] {
        var used: Set<String> = []
        return cases.map { item in
            let classname = suiteName(item.suite)
            var name = item.id
            var copy = 1
            while !used.insert(classname + "." + name).inserted {
                copy += 1
                name = "\(item.id) (\(copy))"
            }
            return name
        }
    }

    /// The suite's name as written: the case's `suite`, or ``unnamedSuite`` when that is blank.
    static func suiteName(_ suite: String) -> String {
        suite.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? unnamedSuite : suite
    }

    /// Cases grouped by suite name, suites in order of first appearance (stable across runs), each
    /// case with its index in the run.
    static func suites(of run: RunResult) -> [(name: String, cases: [(index: Int, result: CaseResult)])] {
        var order: [String] = []
        var groups: [String: [(index: Int, result: CaseResult)]] = [:]
        for (index, item) in run.cases.enumerated() {
            let name = suiteName(item.suite)
            if groups[name] == nil { order.append(name) }
            groups[name, default: []].append((index, item))
        }
        return order.map { ($0, groups[$0] ?? []) }
    }

    private static func suiteAttributes(_ name: String, cases: [(index: Int, result: CaseResult)], id: Int, run: RunResult,
                                        strict: Bool) -> [(String, String)] {
        let outcomes = cases.map(\.result.outcome)
        let time = cases.reduce(0.0) { $0 + max(0, $1.result.wallSeconds.isFinite ? $1.result.wallSeconds : 0) }
        var pairs = [("name", name)]
        // The Ant schema's aggregated form: `package` is derived from the suite's name.
        if strict { pairs.append(("package", name)) }
        pairs += [
            ("tests", String(cases.count)),
            ("failures", String(outcomes.filter { $0 == .fail }.count)),
            ("errors", String(outcomes.filter { $0 == .error }.count)),
            ("skipped", String(outcomes.filter { $0 == .skip }.count)),
            ("time", SecondsText.fixed(time)),
            ("timestamp", ReportTimestamp.junit(run.startedAt)),
            ("hostname", hostname(run)),
            ("id", String(id)),
        ]
        return pairs
    }

    /// The Ant schema requires a non-blank hostname; "localhost" is its documented stand-in.
    static func hostname(_ run: RunResult) -> String {
        let given = run.properties["hostname"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return given.isEmpty ? "localhost" : given
    }

    /// The suite's `<properties>`: every run property (blank names left out), plus
    /// ``standardProperties`` with an empty value where the run has none. Always present, as the
    /// Ant schema requires the element.
    static func propertyList(of run: RunResult) -> [(name: String, value: String)] {
        var values = run.properties.filter { !$0.key.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        for key in standardProperties where values[key] == nil { values[key] = "" }
        return values.keys.sorted().map { ($0, values[$0] ?? "") }
    }

    private static func properties(of run: RunResult) -> String {
        var xml = "    <properties>\n"
        for property in propertyList(of: run) {
            xml += "      <property" + attributes([("name", property.name), ("value", property.value)]) + "/>\n"
        }
        return xml + "    </properties>\n"
    }

    private static func testcase(_ item: CaseResult, name: String, context: Context, maxTranscriptEvents: Int) -> String {
        var pairs = [("classname", suiteName(item.suite)), ("name", name), ("time", SecondsText.fixed(item.wallSeconds))]
        if let file = item.file, !file.isEmpty {
            pairs.append(("file", file))
            if let line = item.line, line > 0 { pairs.append(("line", String(line))) }
        }
        var xml = "    <testcase" + attributes(pairs) + ">\n"
        switch item.outcome {
        case .fail, .error:
            let element = item.outcome == .fail ? "failure" : "error"
            let deciding = VerdictText.deciding(item)
            if deciding.isEmpty {
                xml += noVerdicts
            }
            for verdict in deciding {
                xml += "      <\(element)" + attributes([
                    ("message", VerdictText.truncated(VerdictText.oneLine(verdict, level: context.level(verdict)), limit: 1000)),
                    ("type", verdict.requirement.rawValue),
                ]) + ">" + XMLText.content(body(verdict, of: item, context: context)) + "</\(element)>\n"
            }
        case .skip:
            xml += skipped(item)
        case .pass, .xfail, .warn:
            break
        }
        xml += "      <system-out>" + XMLText.content(systemOut(item, maxTranscriptEvents: maxTranscriptEvents)) + "</system-out>\n"
        xml += "    </testcase>\n"
        return xml
    }

    /// A case of the strict flavour: at most one child, so every broken rule of the case is in one
    /// `<failure>` or `<error>`, one message line per rule.
    private static func strictTestcase(_ item: CaseResult, name: String, context: Context) -> String {
        let open = "    <testcase" + attributes([
            ("classname", suiteName(item.suite)), ("name", name), ("time", SecondsText.fixed(item.wallSeconds)),
        ])
        switch item.outcome {
        case .fail, .error:
            let element = item.outcome == .fail ? "failure" : "error"
            let deciding = VerdictText.deciding(item)
            guard let first = deciding.first else { return open + ">\n" + noVerdicts + "    </testcase>\n" }
            let message = deciding.map { VerdictText.oneLine($0, level: context.level($0)) }.joined(separator: "\n")
            let text = deciding.map { body($0, of: item, context: context) }.joined(separator: "\n\n")
            return open + ">\n      <\(element)" + attributes([
                ("message", VerdictText.truncated(message, limit: 2000)),
                ("type", first.requirement.rawValue),
            ]) + ">" + XMLText.content(text) + "</\(element)>\n    </testcase>\n"
        case .skip:
            return open + ">\n" + skipped(item) + "    </testcase>\n"
        case .pass, .xfail, .warn:
            return open + "/>\n"
        }
    }

    private static let noVerdicts = "      <error" + attributes([
        ("message", "no verdicts: nothing was checked"), ("type", "NO-VERDICTS"),
    ]) + ">" + XMLText.content("The case produced no verdicts, so nothing about the device is known.") + "</error>\n"

    private static func skipped(_ item: CaseResult) -> String {
        let reason = VerdictText.deciding(item).map { VerdictText.flatten($0.observed) }.first ?? "not applicable"
        return "      <skipped" + attributes([("message", VerdictText.truncated(reason, limit: 500))]) + "/>\n"
    }

    /// The body of a `<failure>` or `<error>`: the verdict, then the transcript around its evidence.
    static func body(_ verdict: Verdict, of item: CaseResult, context: Context) -> String {
        ([VerdictText.block(verdict, level: context.level(verdict))] + evidenceExcerpt(verdict, transcript: item.transcript))
            .joined(separator: "\n")
    }

    /// The transcript events the verdict names as evidence, with ``evidenceContext`` events on each
    /// side, as transcript lines (`>>` marks the evidence, `...` a gap); empty when the verdict
    /// names no evidence.
    static func evidenceExcerpt(_ verdict: Verdict, transcript: [WireEvent]) -> [String] {
        guard !verdict.evidence.isEmpty else { return [] }
        let named = Set(verdict.evidence)
        let positions = transcript.indices.filter { named.contains(transcript[$0].sequence) }
        guard !positions.isEmpty else {
            return ["", "Evidence: the transcript holds none of the events named (\(verdict.evidence.map { "#\($0)" }.joined(separator: ", ")))."]
        }
        var shown = Set<Int>()
        for position in positions {
            let low = max(transcript.startIndex, position - evidenceContext)
            let high = min(transcript.endIndex - 1, position + evidenceContext)
            shown.formUnion(low...high)
        }
        let start = transcript.first?.time
        var lines = ["", "Transcript around the evidence (>> evidence; \(TranscriptLine.legend)):"]
        var previous: Int?
        for position in shown.sorted() {
            if lines.count - 2 >= evidenceLineLimit {
                lines.append("  ... more (see the case's system-out or report.json)")
                break
            }
            if let previous, position > previous + 1 { lines.append("    ...") }
            let event = transcript[position]
            lines.append((named.contains(event.sequence) ? "  >> " : "     ") + TranscriptLine.line(event, start: start))
            previous = position
        }
        return lines
    }

    /// Readable account of the case: outcome, verdicts, device outcome, log, transcript.
    static func systemOut(_ item: CaseResult, maxTranscriptEvents: Int) -> String {
        var lines: [String] = []
        lines.append("Case: \(item.id) (\(VerdictText.flatten(item.title)))")
        if let file = item.file {
            lines.append("Scenario: \(VerdictText.flatten(file))" + (item.line.map { ":\($0)" } ?? ""))
        }
        var outcome = "Outcome: \(VerdictText.label(item.outcome))"
        if let meaning = VerdictText.meaning(item.outcome) { outcome += " (\(meaning))" }
        lines.append(outcome)
        lines.append("Wall time: \(SecondsText.fixed(item.wallSeconds)) s; clock time: \(SecondsText.fixed(item.clockSeconds)) s")
        lines.append("")
        lines.append("Verdicts:")
        if item.verdicts.isEmpty { lines.append("  (none)") }
        for verdict in item.verdicts {
            lines.append("  \(VerdictText.label(verdict.outcome).padding(toLength: 5, withPad: " ", startingAt: 0))  "
                         + VerdictText.oneLine(verdict))
        }
        if !item.deviceOutcome.isEmpty {
            lines.append("")
            lines.append("Device outcome:")
            for key in item.deviceOutcome.keys.sorted() {
                lines.append("  \(VerdictText.flatten(key)) = \(VerdictText.flatten(item.deviceOutcome[key] ?? ""))")
            }
        }
        if let device = item.device, device.command != nil || device.settings != nil {
            lines.append("")
            lines += DeviceRunText.lines(device)
        }
        if !item.log.isEmpty {
            lines.append("")
            lines.append("Log:")
            lines += item.log.map { "  " + VerdictText.flatten($0) }
        }
        lines.append("")
        guard !item.transcript.isEmpty else {
            lines.append("Transcript: no wire events were recorded.")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append("Transcript (\(VerdictText.counted(item.transcript.count, "event")); \(TranscriptLine.legend)):")
        let start = item.transcript.first?.time
        for event in item.transcript.prefix(max(0, maxTranscriptEvents)) {
            lines.append("  " + TranscriptLine.line(event, start: start))
        }
        if item.transcript.count > maxTranscriptEvents {
            lines.append("  ... \(item.transcript.count - max(0, maxTranscriptEvents)) more events (see report.json)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(XMLText.attribute($0.1))\"" }.joined()
    }
}
