/// A pattern over case IDs or requirement IDs: `*` matches any run of characters (`/` included),
/// `?` exactly one; every other character matches itself. Text without `*` or `?` matches when
/// it occurs anywhere in the ID (`--filter x509` keeps meaning "contains x509") when built with
/// `plainMeansContains`; otherwise it must equal the whole ID.
public struct IDPattern: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    private let pattern: [Character]
    private let contains: Bool

    public init(_ text: String, plainMeansContains: Bool) {
        self.text = text
        self.pattern = Array(text)
        self.contains = plainMeansContains && !Self.hasGlob(text)
    }

    /// Whether `text` holds `*` or `?`.
    public static func hasGlob(_ text: String) -> Bool { text.contains("*") || text.contains("?") }

    public func matches(_ id: String) -> Bool {
        if contains { return id.contains(text) }
        return Self.match(pattern[...], Array(id)[...])
    }

    /// Iterative glob match with backtracking to the last `*` (linear in practice, no recursion).
    private static func match(_ pattern: ArraySlice<Character>, _ subject: ArraySlice<Character>) -> Bool {
        let p = Array(pattern), s = Array(subject)
        var pi = 0, si = 0
        var star: Int?
        var resume = 0
        while si < s.count {
            if pi < p.count, p[pi] == "?" || (p[pi] != "*" && p[pi] == s[si]) {
                pi += 1
                si += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                resume = si
                pi += 1
            } else if let star {
                pi = star + 1
                resume += 1
                si = resume
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    public var description: String { text }
}

/// Which cases a run takes: every given criterion must hold (`--filter`, `--tag`,
/// `--requirement`, `--transport`); within `--tag` and within `--requirement` any one entry
/// suffices.
public struct CaseSelection: Sendable, Hashable {
    /// `--filter`: a glob over the case ID, or plain text the ID contains.
    public var filter: IDPattern?
    /// `--tag` (repeatable): the case's scenario carries one of them.
    public var tags: Set<String> = []
    /// `--requirement` (repeatable): one of the case's checks (or its script's expectations) is the ID or matches the glob.
    public var requirements: [IDPattern] = []
    /// `--transport`.
    public var transport: ScenarioTransport?

    public init(filter: String? = nil, tags: [String] = [], requirements: [String] = [], transport: ScenarioTransport? = nil) {
        self.filter = filter.map { IDPattern($0, plainMeansContains: true) }
        self.tags = Set(tags)
        self.requirements = requirements.map { IDPattern($0, plainMeansContains: false) }
        self.transport = transport
    }

    /// Whether nothing narrows the selection.
    public var isEverything: Bool { filter == nil && tags.isEmpty && requirements.isEmpty && transport == nil }

    public func includes(_ scenario: Scenario) -> Bool {
        if let filter, !filter.matches(scenario.id) { return false }
        if !tags.isEmpty, tags.isDisjoint(with: scenario.tags) { return false }
        if !requirements.isEmpty, !scenario.judgedRequirements.contains(where: { id in requirements.contains { $0.matches(id.rawValue) } }) { return false }
        if let transport, scenario.transport != transport { return false }
        return true
    }

    /// The selected cases, in the order given.
    public func apply(_ scenarios: [Scenario]) -> [Scenario] { scenarios.filter(includes) }

    /// The flags that made this selection, for messages and the run's properties.
    public var flags: String {
        var parts: [String] = []
        if let filter { parts.append("--filter \(filter.text)") }
        for tag in tags.sorted() { parts.append("--tag \(tag)") }
        for requirement in requirements { parts.append("--requirement \(requirement.text)") }
        if let transport { parts.append("--transport \(transport.rawValue)") }
        return parts.joined(separator: " ")
    }
}
