import DPSCore
import FakeDPS
import Foundation
import X509

/// Reads enrollments from YAML, the format documented in docs/enrollments.md. Certificate files
/// are read relative to the enrollment file's directory.
package enum EnrollmentReader {
    package static let defaultHub = "dpsconform-hub.azure-devices.net"

    package static func read(_ node: YAMLNode, defaultHubs: [String] = [defaultHub], certificates: [String: ScenarioCertificate] = [:]) throws -> EnrollmentSet {
        let members = try node.mapping(allowed: ["individual", "groups"])
        var individuals: [IndividualEnrollment] = []
        var seen: Set<String> = []
        for item in try members["individual"]?.sequence() ?? [] {
            let enrollment = try individual(item, defaultHubs: defaultHubs, certificates: certificates)
            guard seen.insert(enrollment.registrationID.lowercased()).inserted else {
                throw item.error(.duplicateID, "registration ID '\(enrollment.registrationID)' is enrolled twice")
            }
            individuals.append(enrollment)
        }
        var groups: [EnrollmentGroup] = []
        var groupIDs: Set<String> = []
        for item in try members["groups"]?.sequence() ?? [] {
            let enrollment = try group(item, defaultHubs: defaultHubs, certificates: certificates)
            guard groupIDs.insert(enrollment.groupID).inserted else {
                throw item.error(.duplicateID, "enrollment group '\(enrollment.groupID)' is defined twice")
            }
            groups.append(enrollment)
        }
        return EnrollmentSet(individuals: individuals, groups: groups)
    }

    package static let commonFields: Set<String> = ["symmetricKey", "x509", "iotHub", "iotHubs", "allocation", "enabled", "initialPayload", "reprovision"]

    package static func individual(_ node: YAMLNode, defaultHubs: [String], certificates: [String: ScenarioCertificate] = [:]) throws -> IndividualEnrollment {
        let fields = try node.mapping(allowed: commonFields.union(["registrationId", "deviceId"]))
        guard let idNode = fields["registrationId"] else { throw node.error(.missingField, "an enrollment needs registrationId") }
        let registrationID = try idNode.string()
        do {
            try RegistrationIDPolicy.documented.validate(registrationID)
        } catch let error as DPSCoreError {
            throw idNode.error(.invalidValue, error.description)
        }
        let attestation: EnrollmentAttestation
        switch (fields["symmetricKey"], fields["x509"]) {
        case (let keyNode?, nil):
            let (primary, secondary) = try keys(keyNode)
            attestation = .symmetricKey(primaryKey: primary, secondaryKey: secondary)
        case (nil, let x509Node?):
            let certificate = try x509Node.mapping(allowed: ["certificate", "certificateFile", "certificatePem", "thumbprint", "secondaryCertificateFile", "secondaryThumbprint"])
            let generated = try certificate["certificate"].map { try named($0, in: certificates) }
            guard let primary = try generated.map({ CertificateReference.certificate($0.der) })
                    ?? reference(certificate, file: "certificateFile", thumbprint: "thumbprint", in: x509Node, pem: "certificatePem") else {
                throw x509Node.error(.missingField, "x509 needs certificate (a scenario certificate), certificateFile, certificatePem or thumbprint")
            }
            attestation = .x509(primary: primary,
                                secondary: try reference(certificate, file: "secondaryCertificateFile", thumbprint: "secondaryThumbprint", in: x509Node, pem: nil))
        default:
            throw node.error(.missingField, "an enrollment needs exactly one attestation: symmetricKey or x509")
        }
        return IndividualEnrollment(registrationID: registrationID, attestation: attestation, deviceID: try fields["deviceId"]?.string(),
                                    allocation: try allocation(fields, defaultHubs: defaultHubs), enabled: try fields["enabled"]?.bool() ?? true,
                                    initialPayload: try payload(fields["initialPayload"]), reprovision: try reprovision(fields["reprovision"]))
    }

    package static func group(_ node: YAMLNode, defaultHubs: [String], certificates: [String: ScenarioCertificate] = [:]) throws -> EnrollmentGroup {
        let fields = try node.mapping(allowed: commonFields.union(["groupId"]))
        guard let idNode = fields["groupId"] else { throw node.error(.missingField, "an enrollment group needs groupId") }
        let attestation: GroupAttestation
        switch (fields["symmetricKey"], fields["x509"]) {
        case (let keyNode?, nil):
            let (primary, secondary) = try keys(keyNode)
            attestation = .symmetricKey(primaryKey: primary, secondaryKey: secondary)
        case (nil, let x509Node?):
            let ca = try x509Node.mapping(allowed: ["caCertificate", "caCertificateFile", "caCertificatePem", "secondaryCaCertificateFile"])
            let generated = try ca["caCertificate"].map { try named($0, in: certificates).der }
            guard let primary = try generated ?? certificateDER(ca, file: "caCertificateFile", pem: "caCertificatePem", in: x509Node) else {
                throw x509Node.error(.missingField, "a group's x509 needs caCertificateFile or caCertificatePem (a root or intermediate CA)")
            }
            attestation = .x509CA(primary: primary, secondary: try certificateDER(ca, file: "secondaryCaCertificateFile", pem: nil, in: x509Node))
        default:
            throw node.error(.missingField, "an enrollment group needs exactly one attestation: symmetricKey or x509")
        }
        return EnrollmentGroup(groupID: try idNode.string(), attestation: attestation, allocation: try allocation(fields, defaultHubs: defaultHubs),
                               enabled: try fields["enabled"]?.bool() ?? true, initialPayload: try payload(fields["initialPayload"]),
                               reprovision: try reprovision(fields["reprovision"]))
    }

    /// A certificate the scenario made (its `certificates:` block), by name.
    package static func named(_ node: YAMLNode, in certificates: [String: ScenarioCertificate]) throws -> ScenarioCertificate {
        let name = try node.string()
        guard let certificate = certificates[name] else {
            throw node.error(.invalidValue, "no scenario certificate named '\(name)' (known: \(certificates.keys.sorted().joined(separator: ", ")))")
        }
        return certificate
    }

    package static func keys(_ node: YAMLNode) throws -> (String, String?) {
        let keys = try node.mapping(allowed: ["primaryKey", "secondaryKey"])
        guard let primaryNode = keys["primaryKey"] else { throw node.error(.missingField, "symmetricKey needs primaryKey") }
        return (try base64Key(primaryNode), try keys["secondaryKey"].map(base64Key))
    }

    package static func base64Key(_ node: YAMLNode) throws -> String {
        let text = try node.string()
        // Never echo the key itself into an error.
        guard let data = Data(base64Encoded: text), !data.isEmpty else { throw node.error(.invalidValue, "not a base64 key") }
        return text
    }

    package static func reference(_ fields: [String: YAMLNode], file: String, thumbprint: String, in node: YAMLNode, pem: String?) throws -> CertificateReference? {
        if let der = try certificateDER(fields, file: file, pem: pem, in: node) { return .certificate(der) }
        guard let thumbprintNode = fields[thumbprint] else { return nil }
        let text = try thumbprintNode.string()
        guard [40, 64].contains(text.count), text.allSatisfy(\.isHexDigit) else {
            throw thumbprintNode.error(.invalidValue, "a thumbprint is 40 (SHA-1) or 64 (SHA-256) hex digits")
        }
        return .thumbprint(text)
    }

    package static func certificateDER(_ fields: [String: YAMLNode], file: String, pem: String?, in node: YAMLNode) throws -> [UInt8]? {
        var text: String?
        var source: YAMLNode?
        if let fileNode = fields[file] {
            let relative = try fileNode.string()
            let base = (fileNode.file as NSString).deletingLastPathComponent
            let path = relative.hasPrefix("/") ? relative : (base as NSString).appendingPathComponent(relative)
            guard let data = FileManager.default.contents(atPath: path) else { throw fileNode.error(.unreadableFile, "cannot read certificate file \(path)") }
            text = String(decoding: data, as: UTF8.self)
            source = fileNode
        } else if let pem, let pemNode = fields[pem] {
            text = try pemNode.string()
            source = pemNode
        }
        guard let text, let source else { return nil }
        guard let der = PEMBlock.firstCertificate(in: text) else {
            throw source.error(.invalidValue, "no PEM CERTIFICATE block with a base64 body found")
        }
        // Parsed now, so that a body that is base64 but no certificate is refused here rather
        // than never matching (or, for a group's CA, the group silently doing nothing).
        do {
            _ = try Certificate(derEncoded: der)
        } catch {
            throw source.error(.invalidValue, "the CERTIFICATE block is not an X.509 certificate (\(CertificateProblem.summary(error)))")
        }
        return der
    }

    package static func allocation(_ fields: [String: YAMLNode], defaultHubs: [String]) throws -> AllocationPolicy {
        let given = ["iotHub", "iotHubs", "allocation"].filter { fields[$0] != nil }
        if given.count > 1, let node = fields[given[1]] { throw node.error(.invalidValue, "give one of iotHub, iotHubs, allocation") }
        if let hub = fields["iotHub"] { return .static(hub: try hub.string()) }
        if let hubs = fields["iotHubs"] {
            let list = try hubs.sequence().map { try $0.string() }
            guard !list.isEmpty else { throw hubs.error(.invalidValue, "iotHubs is empty") }
            return .hashed(hubs: list)
        }
        guard let node = fields["allocation"] else { return .hashed(hubs: defaultHubs) }
        let policy = try node.mapping(allowed: ["policy", "hubs", "field", "map", "defaultHub", "returnPayload"])
        guard let policyNode = policy["policy"] else { throw node.error(.missingField, "allocation needs policy: static, hashed, evenlyWeighted or custom") }
        switch try policyNode.string() {
        case "static", "hashed":
            let hubs = try policy["hubs"]?.sequence().map { try $0.string() } ?? []
            guard !hubs.isEmpty else { throw node.error(.missingField, "allocation needs hubs") }
            return try policyNode.string() == "static" ? .static(hub: hubs[0]) : .hashed(hubs: hubs)
        case "evenlyWeighted":
            guard let hubsNode = policy["hubs"] else { throw node.error(.missingField, "evenlyWeighted needs hubs") }
            let hubs = try hubsNode.sequence().map { item -> WeightedHub in
                if let name = try? item.string() { return WeightedHub(hub: name) }
                let entry = try item.mapping(allowed: ["hub", "weight"])
                guard let hub = try entry["hub"]?.string() else { throw item.error(.missingField, "a weighted hub needs hub") }
                return WeightedHub(hub: hub, weight: try entry["weight"]?.int(in: 0...1000) ?? 1)
            }
            guard !hubs.isEmpty else { throw hubsNode.error(.invalidValue, "hubs is empty") }
            return .evenlyWeighted(hubs: hubs)
        case "custom":
            guard let fieldNode = policy["field"] else { throw node.error(.missingField, "custom allocation needs field (a dotted path into the register payload)") }
            let map = try policy["map"]?.mapping(allowed: Set(mapKeys(policy["map"]))) ?? [:]
            return .custom(CustomAllocationRule(field: try fieldNode.string().split(separator: ".").map(String.init),
                                                hubs: try map.mapValues { try $0.string() }, defaultHub: try policy["defaultHub"]?.string(),
                                                returnPayload: try payload(policy["returnPayload"])))
        default:
            throw policyNode.error(.invalidValue, "policy must be static, hashed, evenlyWeighted or custom")
        }
    }

    package static func mapKeys(_ node: YAMLNode?) -> [String] {
        guard let node, case .mapping(let mapping) = node.node else { return [] }
        return mapping.compactMap { $0.key.string }
    }

    package static func payload(_ node: YAMLNode?) throws -> JSONValue? {
        guard let node else { return nil }
        let text = try node.jsonText()
        return try? JSONText.decode(JSONValue.self, from: Array(text.utf8), what: "payload")
    }

    package static func reprovision(_ node: YAMLNode?) throws -> ReprovisionPolicy {
        guard let node else { return .reprovisionAndMigrateData }
        return try node.choice(Dictionary(uniqueKeysWithValues: ReprovisionPolicy.allCases.map { ($0.rawValue, $0) }))
    }
}

/// An enrollment file for `dpsconform serve --enrollments`.
public enum EnrollmentFile {
    /// Loads `path`; errors name the file, line and field.
    public static func load(path: String, defaultHubs: [String] = ["dpsconform-hub.azure-devices.net"]) throws -> EnrollmentSet {
        try load(text: try text(of: path), path: path, defaultHubs: defaultHubs)
    }

    /// The enrollments of `text`, read as if it were the file `path` (errors name it).
    public static func load(text: String, path: String, defaultHubs: [String] = ["dpsconform-hub.azure-devices.net"]) throws -> EnrollmentSet {
        guard let root = try YAMLNode.load(text: text, file: path) else {
            throw InputError(.missingField, file: path, "the enrollment file is empty: give 'individual:' or 'groups:' (docs/enrollments.md)")
        }
        let set = try EnrollmentReader.read(root, defaultHubs: defaultHubs)
        guard !set.individuals.isEmpty || !set.groups.isEmpty else {
            throw root.error(.missingField, "the enrollment file enrolls nothing: give at least one 'individual:' or 'groups:' entry")
        }
        return set
    }

    /// The file as UTF-8 text; the bytes read are released before the text is parsed.
    static func text(of path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(.unreadableFile, file: path, "cannot read the enrollment file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw InputError(.unreadableFile, file: path, "not UTF-8 text") }
        return text
    }
}

/// Finding DER certificates in PEM text.
package enum PEMBlock {
    static let begin = Array("-----BEGIN CERTIFICATE-----".utf8)
    static let end = Array("-----END CERTIFICATE-----".utf8)

    /// The DER bytes of the first CERTIFICATE block, if its body is base64. Works on the UTF-8
    /// bytes (a large enrollment file holds one block per enrollment).
    package static func firstCertificate(in text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { bytes -> [UInt8]? in
            guard let start = find(begin, in: bytes, from: 0),
                  let stop = find(end, in: bytes, from: start + begin.count) else { return nil }
            var body: [UInt8] = []
            body.reserveCapacity(stop - start - begin.count)
            for byte in bytes[(start + begin.count)..<stop] where !isWhitespace(byte) { body.append(byte) }
            return Data(base64Encoded: Data(body)).map(Array.init)
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    private static func find(_ needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from offset: Int) -> Int? {
        guard let first = needle.first, needle.count <= bytes.count else { return nil }
        var index = offset
        while index + needle.count <= bytes.count {
            if bytes[index] == first, bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

/// A short reason a DER blob is not a certificate, without echoing the bytes.
enum CertificateProblem {
    static func summary(_ error: any Error) -> String {
        let text = String(describing: error)
        let line = text.split(separator: "\n").first.map(String.init) ?? text
        return line.count > 160 ? String(line.prefix(160)) + "..." : line
    }
}
