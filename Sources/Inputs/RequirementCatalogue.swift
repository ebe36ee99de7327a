import DPSCore
import Foundation
import MQTTWire
import Verdicts

/// Every requirement the tool can check: the DPS rules of `Scenarios/requirements.yaml` plus the
/// MQTT 3.1.1 rules MQTTWire enforces (their single source is `MQTTRule.all`).
public struct RequirementCatalogue: Sendable {
    public static let fileName = "requirements.yaml"
    public let requirements: [RequirementID: Requirement]
    /// The DPS and DICE requirements in the catalogue's order.
    public let catalogued: [Requirement]

    public init(requirements: [Requirement]) {
        var table: [RequirementID: Requirement] = [:]
        for requirement in requirements { table[requirement.id] = requirement }
        for rule in MQTTRule.all {
            guard let id = RequirementID(mqttRule: rule.id), table[id] == nil else { continue }
            table[id] = Requirement(id: id, level: .must, statement: rule.statement, source: "OASIS MQTT Version 3.1.1, section \(rule.id.dropFirst(RequirementID.mqttRulePrefix.count))")
        }
        self.requirements = table
        self.catalogued = requirements
    }

    public subscript(id: RequirementID) -> Requirement? { requirements[id] }

    /// Loads the catalogue file; each entry needs id, level, statement and source.
    public static func load(path: String) throws -> RequirementCatalogue {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw InputError(.unreadableFile, file: path, "cannot read the requirement catalogue")
        }
        guard let root = try YAMLNode.load(text: text, file: path) else { throw InputError(.missingField, file: path, "the catalogue is empty") }
        let top = try root.mapping(allowed: ["requirements"])
        guard let list = top["requirements"] else { throw root.error(.missingField, "the catalogue needs 'requirements'") }
        var seen: Set<String> = []
        var requirements: [Requirement] = []
        for item in try list.sequence() {
            let fields = try item.mapping(allowed: ["id", "level", "statement", "source"])
            guard let id = try fields["id"]?.string(), let levelNode = fields["level"],
                  let statement = try fields["statement"]?.string(), let source = try fields["source"]?.string() else {
                throw item.error(.missingField, "a requirement needs id, level, statement and source")
            }
            let level = try levelNode.choice(Dictionary(uniqueKeysWithValues: Requirement.Level.allCases.map { ($0.rawValue, $0) }))
            guard id.range(of: #"^(DPS-(MQTT|HTTP|AUTH|FLOW|ID|SVC|BEHAV)|DICE)-[A-Z0-9-]+$"#, options: .regularExpression) != nil else {
                throw item.error(.invalidValue, "requirement id '\(id)' does not follow DPS-<AREA>-... (MQTT, HTTP, AUTH, FLOW, ID, SVC, BEHAV) or DICE-...")
            }
            guard seen.insert(id).inserted else { throw item.error(.duplicateID, "requirement '\(id)' is listed twice") }
            // The code names IDs through RequirementID's table: an ID the code does not know is an orphan.
            guard let known = RequirementID(known: id), !known.isMQTTRule else {
                throw (fields["id"] ?? item).error(.unknownRequirement, "requirement '\(id)' has no entry in the code's table (RequirementID.catalogued)")
            }
            requirements.append(Requirement(id: known, level: level, statement: statement, source: source))
        }
        // And every ID the code names must be catalogued, with its statement, level and source.
        if let missing = RequirementID.catalogued.first(where: { !seen.contains($0.rawValue) }) {
            throw list.error(.unknownRequirement, "requirement '\(missing)' is named in the code (RequirementID.catalogued) but not catalogued here")
        }
        return RequirementCatalogue(requirements: requirements)
    }
}
