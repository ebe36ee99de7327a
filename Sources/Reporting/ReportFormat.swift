/// A kind of report file the writer can produce.
public enum ReportFormat: String, Sendable, Hashable, CaseIterable, Codable {
    /// JUnit XML for CI test-result views (Jenkins, GitLab, GitHub Actions, Azure Pipelines).
    case junit
    /// The whole run as JSON, with a summary block, for tools and `report merge`.
    case json
    /// One self-contained HTML page for people.
    case html
    /// A short Markdown summary for GitHub job summaries and PR comments.
    case markdown
    /// JUnit XML that validates against the strict Apache Ant JUnit schema, for consumers that
    /// validate before they read (`--junit-strict`); written only when asked for.
    case junitStrict

    /// The report set `run` writes unless asked for more: every format but ``junitStrict``.
    public static let standard: [ReportFormat] = [.junit, .json, .html, .markdown]

    /// The file name used when the caller does not choose one.
    public var defaultFileName: String {
        switch self {
        case .junit: "junit.xml"
        case .json: "report.json"
        case .html: "report.html"
        case .markdown: "summary.md"
        case .junitStrict: "junit-strict.xml"
        }
    }
}
