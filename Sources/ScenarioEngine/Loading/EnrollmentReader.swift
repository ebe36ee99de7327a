import DPSCore
import FakeDPS
import Foundation

/// Reads enrollments from YAML, the format documented in docs/enrollments.md:
///
///     individual:
///       - registrationId: sensor-001
///         symmetricKey: {primaryKey: <base64>, secondaryKey: <base64>}
///         deviceId: sensor-001            # optional, defaults to the registration ID
///         iotHub: hub-a.azure-devices.net # or iotHubs: [a, b] for hashed allocation
///         enabled: true                   # optional
///         initialPayload: {any: json}     # optional
enum EnrollmentReader {
    static func read(_ node: YAMLNode, defaultHubs: [String]) throws -> EnrollmentSet {
        let members = try node.mapping(allowed: ["individual"])
        var individuals: [IndividualEnrollment] = []
        var seen: Set<String> = []
        for item in try members["individual"]?.sequence() ?? [] {
            let enrollment = try individual(item, defaultHubs: defaultHubs)
            guard seen.insert(enrollment.registrationID.lowercased()).inserted else {
                throw item.error(.duplicateID, "registration ID '\(enrollment.registrationID)' is enrolled twice")
            }
            individuals.append(enrollment)
        }
        return EnrollmentSet(individuals: individuals)
    }

    static func individual(_ node: YAMLNode, defaultHubs: [String]) throws -> IndividualEnrollment {
        let fields = try node.mapping(allowed: ["registrationId", "symmetricKey", "deviceId", "iotHub", "iotHubs", "enabled", "initialPayload"])
        guard let idNode = fields["registrationId"] else { throw node.error(.missingField, "an enrollment needs registrationId") }
        let registrationID = try idNode.string()
        do {
            try RegistrationIDPolicy.documented.validate(registrationID)
        } catch let error as DPSCoreError {
            throw idNode.error(.invalidValue, error.description)
        }
        guard let keyNode = fields["symmetricKey"] else {
            throw node.error(.missingField, "an enrollment needs an attestation: symmetricKey {primaryKey, secondaryKey}")
        }
        let keys = try keyNode.mapping(allowed: ["primaryKey", "secondaryKey"])
        guard let primaryNode = keys["primaryKey"] else { throw keyNode.error(.missingField, "symmetricKey needs primaryKey") }
        let primary = try base64Key(primaryNode)
        let secondary = try keys["secondaryKey"].map(base64Key)
        let allocation: AllocationPolicy
        if let hub = fields["iotHub"] {
            guard fields["iotHubs"] == nil else { throw hub.error(.invalidValue, "give iotHub or iotHubs, not both") }
            allocation = .static(hub: try hub.string())
        } else if let hubs = fields["iotHubs"] {
            let list = try hubs.sequence().map { try $0.string() }
            guard !list.isEmpty else { throw hubs.error(.invalidValue, "iotHubs is empty") }
            allocation = .hashed(hubs: list)
        } else {
            allocation = .hashed(hubs: defaultHubs)
        }
        var payload: JSONValue?
        if let payloadNode = fields["initialPayload"] {
            let text = try payloadNode.jsonText()
            payload = try? JSONText.decode(JSONValue.self, from: Array(text.utf8), what: "initialPayload")
        }
        return IndividualEnrollment(registrationID: registrationID, attestation: .symmetricKey(primaryKey: primary, secondaryKey: secondary),
                                    deviceID: try fields["deviceId"]?.string(), allocation: allocation,
                                    enabled: try fields["enabled"]?.bool() ?? true, initialPayload: payload)
    }

    static func base64Key(_ node: YAMLNode) throws -> String {
        let text = try node.string()
        // Never echo the key itself into an error.
        guard let data = Data(base64Encoded: text), !data.isEmpty else { throw node.error(.invalidValue, "not a base64 key") }
        return text
    }
}

/// An enrollment file for `dpsconform serve --enrollments`.
public enum EnrollmentFile {
    /// Loads `path`; errors name the file, line and field.
    public static func load(path: String, defaultHubs: [String] = ["dpsconform-hub.azure-devices.net"]) throws -> EnrollmentSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(.unreadableFile, file: path, "cannot read the enrollment file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw InputError(.unreadableFile, file: path, "not UTF-8 text") }
        guard let root = try YAMLNode.load(text: text, file: path) else { return EnrollmentSet() }
        return try EnrollmentReader.read(root, defaultHubs: defaultHubs)
    }
}
