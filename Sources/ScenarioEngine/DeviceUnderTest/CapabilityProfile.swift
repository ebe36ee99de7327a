import DPSCore
import Foundation
import Inputs
import Verdicts

/// What a device under test can do (`--profile FILE`, docs/device-under-test.md): the transports,
/// the attestation kinds and the optional features it supports. A case that needs something
/// the device lacks is skipped with that reason, never failed.
public struct CapabilityProfile: Sendable, Hashable {
    public enum Attestation: String, Sendable, Hashable, CaseIterable {
        case symmetricKey, groupKey, x509, dice
    }

    public enum Feature: String, Sendable, Hashable, CaseIterable {
        /// Sends a CSR and takes the certificate DPS issues (api-version 2025-07-01-preview).
        case certificateIssuance
    }

    public var transports: Set<ScenarioTransport>
    public var attestations: Set<Attestation>
    public var features: Set<Feature>

    /// Everything: the profile when none is given.
    public static let everything = CapabilityProfile(transports: Set(ScenarioTransport.allCases),
                                                     attestations: Set(Attestation.allCases), features: Set(Feature.allCases))

    public init(transports: Set<ScenarioTransport>, attestations: Set<Attestation>, features: Set<Feature>) {
        self.transports = transports
        self.attestations = attestations
        self.features = features
    }

    /// Reads a profile file; errors name the file, line and field.
    public static func load(path: String) throws -> CapabilityProfile {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError(.unreadableFile, file: path, "cannot read the device profile") }
        guard let text = String(data: data, encoding: .utf8) else { throw InputError(.unreadableFile, file: path, "the device profile is not UTF-8 text") }
        guard let root = try YAMLNode.load(text: text, file: path) else {
            throw InputError(.missingField, file: path, "the device profile is empty: give transports and attestations (docs/device-under-test.md)")
        }
        let fields = try root.mapping(allowed: ["transports", "attestations", "features"])
        func set<T: RawRepresentable & Hashable & CaseIterable>(_ name: String, _ type: T.Type, required: Bool) throws -> Set<T> where T.RawValue == String {
            guard let node = fields[name] else {
                if required { throw root.error(.missingField, "the device profile needs '\(name)': " + T.allCases.map(\.rawValue).joined(separator: ", ")) }
                return []
            }
            let choices = Dictionary(uniqueKeysWithValues: T.allCases.map { ($0.rawValue, $0) })
            return Set(try node.sequenceOrSingle().map { try $0.choice(choices) })
        }
        let profile = CapabilityProfile(transports: try set("transports", ScenarioTransport.self, required: true),
                                        attestations: try set("attestations", Attestation.self, required: true),
                                        features: try set("features", Feature.self, required: false))
        if profile.transports.isEmpty { throw (fields["transports"] ?? root).error(.invalidValue, "the device supports no transport") }
        if profile.attestations.isEmpty { throw (fields["attestations"] ?? root).error(.invalidValue, "the device supports no attestation") }
        return profile
    }

    /// Why the device cannot take part in `scenario`, or nil when it can.
    func unsupported(_ scenario: Scenario) -> String? {
        if !transports.contains(scenario.transport) { return "the device profile has no \(scenario.transport.rawValue) transport" }
        let attestation = Self.attestation(of: scenario)
        if !attestations.contains(attestation) { return "the device profile has no \(attestation.rawValue) attestation" }
        return nil
    }

    static func attestation(of scenario: Scenario) -> Attestation {
        if case .groupKey = scenario.device.key { return .groupKey }
        if scenario.device.dice != nil { return .dice }
        if scenario.device.x509 != nil { return .x509 }
        return .symmetricKey
    }
}

/// Known failures of the device under test (`--xfail FILE`): requirement IDs, case IDs, or a
/// requirement in one case, each with a reason. A failure they name is reported as `xfail`
/// with the reason; a check they name that holds is reported as it came out (pass), and
/// `run` lists such entries at the end as no longer failing.
public struct KnownFailures: Sendable {
    public struct Entry: Sendable, Hashable {
        public var requirement: RequirementID?
        public var caseID: String?
        public var reason: String
        /// Where it was written ("file:line").
        public var site: String
    }

    public var entries: [Entry]

    public init(entries: [Entry] = []) { self.entries = entries }

    /// Reads an xfail file: a list of `{requirement: ID, case: ID, reason: TEXT}` (requirement
    /// or case or both; reason required). An ID the catalogue lacks is refused at its line.
    public static func load(path: String, catalogue: RequirementCatalogue) throws -> KnownFailures {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw InputError(.unreadableFile, file: path, "cannot read the xfail file")
        }
        guard let root = try YAMLNode.load(text: text, file: path) else { return KnownFailures() }
        var entries: [Entry] = []
        for item in try root.sequence() {
            let fields = try item.mapping(allowed: ["requirement", "case", "reason"])
            guard let reasonNode = fields["reason"] else { throw item.error(.missingField, "an xfail entry needs a reason") }
            let reason = try reasonNode.string()
            var requirement: RequirementID?
            if let node = fields["requirement"] {
                let text = try node.string()
                guard let id = RequirementID(known: text), catalogue[id] != nil else {
                    throw node.error(.unknownRequirement, "'\(text)' is not a catalogued requirement")
                }
                requirement = id
            }
            let caseID = try fields["case"]?.string()
            guard requirement != nil || caseID != nil else { throw item.error(.missingField, "an xfail entry names a requirement, a case, or both") }
            entries.append(Entry(requirement: requirement, caseID: caseID, reason: reason, site: "\(path):\(item.site.line.map(String.init) ?? "?")"))
        }
        return KnownFailures(entries: entries)
    }

    /// Entries whose checks ran and held everywhere: the failure they declare is gone.
    public func noLongerFailing(in cases: [CaseResult]) -> [Entry] {
        entries.filter { entry in
            let named = cases.filter { entry.caseID == nil || $0.id == entry.caseID }.flatMap { item in
                item.verdicts.filter { entry.requirement == nil || $0.requirement == entry.requirement }
            }
            return named.contains { $0.outcome == .pass } && !named.contains { [.fail, .xfail, .error, .warn].contains($0.outcome) }
        }
    }

    /// The entry that names `requirement` in case `caseID`.
    func entry(for requirement: RequirementID, in caseID: String) -> Entry? {
        entries.first { ($0.requirement == nil || $0.requirement == requirement) && ($0.caseID == nil || $0.caseID == caseID) }
    }
}
