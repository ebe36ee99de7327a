import DPSCore

/// A protocol rule the tool checks, as listed once in `Scenarios/requirements.yaml`.
public struct Requirement: Sendable, Hashable, Codable {
    public enum Level: String, Sendable, Hashable, Codable, CaseIterable {
        case must = "MUST"
        case should = "SHOULD"
        case may = "MAY"
    }

    /// Stable ID, e.g. `DPS-MQTT-SUB-001`.
    public var id: RequirementID
    public var level: Level
    /// One-line statement of the rule.
    public var statement: String
    /// Where the rule comes from (a section of the protocol notes, an SDK issue, a spec clause).
    public var source: String

    public init(id: RequirementID, level: Level, statement: String, source: String) {
        self.id = id
        self.level = level
        self.statement = statement
        self.source = source
    }
}
