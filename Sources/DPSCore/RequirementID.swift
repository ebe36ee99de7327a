/// The stable ID of a rule dpsconform checks: a catalogued DPS or DICE requirement
/// (`DPS-MQTT-SUB-001`, listed once in `Scenarios/requirements.yaml` and named in
/// `RequirementID.catalogued`), an MQTT 3.1.1 packet rule of the codec's rule table
/// (`MQTT-3.1.1-3.1.0-1`), or `HARNESS` for a case the harness could not run.
///
/// Code names IDs through the static constants, so a typo is a build error; text from outside
/// (a scenario's `checks:`, a baseline file) becomes an ID through `init?(known:)` only.
public struct RequirementID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// An ID from the catalogue table below; nothing else constructs one from free text.
    init(uncheckedCatalogueID rawValue: String) {
        self.rawValue = rawValue
    }

    /// The prefix of the MQTT 3.1.1 rule IDs of MQTTWire's rule table.
    public static let mqttRulePrefix = "MQTT-3.1.1-"

    /// An MQTT 3.1.1 packet rule by the ID MQTTWire gives it (`MQTTRule.id`); nil for any other text.
    public init?(mqttRule id: String) {
        guard id.hasPrefix(Self.mqttRulePrefix), id.count > Self.mqttRulePrefix.count else { return nil }
        rawValue = id
    }

    /// An ID as a report or baseline file states it, not checked against the catalogue: reports of
    /// other versions may name IDs this build does not know. Scenarios use `init?(known:)`.
    public init(reported rawValue: String) {
        self.rawValue = rawValue
    }

    /// The catalogued requirement or MQTT rule that `text` names, or nil when it names none.
    public init?(known text: String) {
        if let catalogued = Self.byRawValue[text] {
            self = catalogued
        } else if let rule = RequirementID(mqttRule: text) {
            self = rule
        } else {
            return nil
        }
    }

    /// Not a protocol rule: the verdict of a case the harness itself could not run.
    public static let harness = RequirementID(uncheckedCatalogueID: "HARNESS")

    /// Whether this is an MQTT 3.1.1 packet rule rather than a catalogued DPS/DICE requirement.
    public var isMQTTRule: Bool { rawValue.hasPrefix(Self.mqttRulePrefix) }

    public var description: String { rawValue }

    public static func < (lhs: RequirementID, rhs: RequirementID) -> Bool { lhs.rawValue < rhs.rawValue }

    private static let byRawValue: [String: RequirementID] = Dictionary(uniqueKeysWithValues: catalogued.map { ($0.rawValue, $0) })

    /// Encoded as its text. Reports of other versions may name IDs this build does not know, so
    /// decoding keeps any text (reports are data; scenarios go through `init?(known:)`).
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
