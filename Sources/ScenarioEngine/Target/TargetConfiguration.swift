import DICE
import DPSCore
import FakeDPS
import Foundation
import Inputs

/// What a case needs of an enrollment on a real or external DPS: the role a scenario's device
/// plays, derived from the scenario (`TargetBinding.role`), and bound to one enrollment of the
/// target configuration that the user created for that role.
public enum EnrollmentRole: String, Sendable, Hashable, CaseIterable, Codable {
    /// An enabled individual symmetric-key enrollment: the device is assigned.
    case assigned
    /// An individual enrollment that is disabled.
    case disabled
    /// An enabled individual symmetric-key enrollment; the harness presents a wrong key.
    case wrongKey
    /// A registration ID no enrollment holds.
    case unknownDevice
    /// A registration ID of a symmetric-key enrollment group (the device derives its key).
    case group
    /// An individual X.509 enrollment (certificate and key files).
    case x509
    /// A device whose certificate chains to an X.509 enrollment group's CA.
    case x509Group
    /// A DevKit whose DICE Alias certificate (from its UDS and firmware) is enrolled.
    case dice
}

/// One enrollment the user made on the target DPS, for one role.
public struct TargetEnrollment: Sendable {
    public enum Credential: Sendable {
        /// An individual enrollment's keys.
        case symmetricKey(primary: String, secondary: String?)
        /// A group's key; the device derives its own.
        case groupKey(String)
        /// A certificate chain (leaf first) and its private key, as PEM.
        case x509(chainPEM: String, keyPEM: String)
        /// No credential: an unknown device (the harness makes a well-formed random key).
        case none
        /// A DevKit DICE identity (UDS and firmware release): the device derives its certificate.
        case diceIdentity
    }

    public var role: EnrollmentRole
    public var registrationID: String
    public var credential: Credential
    /// What the service assigns, when the user knows it (checked like a scenario's `expect`).
    public var assignedHub: String?
    public var deviceID: String?
    /// Where it was written.
    package var site: SourceSite
    /// The DICE identity and the derivation's inputs, for `diceIdentity`.
    var dice: (release: DiceRelease, inputs: DiceInputs)?
}

/// A documented YAML file (docs/target.md) that names the target DPS's ID scope, how its
/// server certificate is trusted, the request rate, and the enrollments made for each role.
public struct TargetConfiguration: Sendable {
    public var idScope: String
    public var trust: ProxyUpstream.Trust
    /// The name the service's certificate must carry when it differs from the dialled host.
    public var serverName: String?
    public var requestsPerSecond: Double
    public var enrollments: [EnrollmentRole: TargetEnrollment]
    public var file: String

    /// Rates above this are refused: the tool is a test harness, not a load generator, against
    /// a service someone pays for (DPS: 1,000 operations per minute per unit, Microsoft Learn).
    public static let maximumRequestsPerSecond = 10.0

    /// Reads the file; every error names file, line, column and field (exit 2). Keys may be
    /// given in the file, or by the name of an environment variable that holds them
    /// (`primaryKeyEnv`), so that no secret need be committed.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TargetConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw InputError(.unreadableFile, file: path, "cannot read the target configuration: \(error.localizedDescription)")
        }
        guard let root = try YAMLNode.load(text: text, file: path) else {
            throw InputError(.missingField, file: path, "the target configuration is empty")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        let fields = try root.mapping(allowed: ["idScope", "trust", "serverName", "requestsPerSecond", "enrollments"])
        guard let scopeNode = fields["idScope"] else { throw root.error(.missingField, "the target configuration needs idScope") }
        let idScope = try scopeNode.string()
        guard !idScope.isEmpty, idScope.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw scopeNode.error(.invalidValue, "idScope '\(idScope)' is not an ID scope (letters and digits, e.g. 0ne00000A0A)")
        }
        var trust = ProxyUpstream.Trust.system
        if let trustNode = fields["trust"] {
            if (try? trustNode.string()) == "system" {
                trust = .system
            } else {
                let trustFields = try trustNode.mapping(allowed: ["caFile"])
                guard let caNode = trustFields["caFile"] else { throw trustNode.error(.missingField, "trust is 'system' or {caFile: FILE}") }
                let caPath = Self.resolve(try caNode.string(), in: directory)
                guard let pem = try? String(contentsOfFile: caPath, encoding: .utf8), pem.contains("-----BEGIN CERTIFICATE-----") else {
                    throw caNode.error(.invalidValue, "\(caPath) is not a readable PEM file of CA certificates")
                }
                trust = .caFile(caPath)
            }
        }
        var rate = UpstreamPacing.defaultRequestsPerSecond
        if let rateNode = fields["requestsPerSecond"] {
            guard let value = Double(try rateNode.string()), value > 0, value <= maximumRequestsPerSecond else {
                throw rateNode.error(.invalidValue, "requestsPerSecond must be above 0 and at most \(Int(maximumRequestsPerSecond))")
            }
            rate = value
        }
        var enrollments: [EnrollmentRole: TargetEnrollment] = [:]
        for item in try fields["enrollments"]?.sequence() ?? [] {
            let enrollment = try Self.enrollment(item, directory: directory, environment: environment)
            guard enrollments[enrollment.role] == nil else {
                throw item.error(.duplicateID, "a second enrollment for role \(enrollment.role.rawValue); give each role one enrollment")
            }
            enrollments[enrollment.role] = enrollment
        }
        if enrollments.isEmpty { throw root.error(.missingField, "the target configuration lists no enrollments") }
        return TargetConfiguration(idScope: idScope, trust: trust, serverName: try fields["serverName"]?.string(),
                                   requestsPerSecond: rate, enrollments: enrollments, file: path)
    }

    private static func enrollment(_ node: YAMLNode, directory: URL, environment: [String: String]) throws -> TargetEnrollment {
        let fields = try node.mapping(allowed: ["role", "registrationId", "symmetricKey", "groupKey", "certificateFile", "keyFile", "dice", "expect"])
        guard let roleNode = fields["role"] else { throw node.error(.missingField, "an enrollment needs role (\(EnrollmentRole.allCases.map(\.rawValue).joined(separator: ", ")))") }
        let role = try roleNode.choice(Dictionary(uniqueKeysWithValues: EnrollmentRole.allCases.map { ($0.rawValue, $0) }))
        guard let idNode = fields["registrationId"] else { throw node.error(.missingField, "an enrollment needs registrationId") }
        let registrationID = try idNode.string()
        do {
            try RegistrationIDPolicy.documented.validate(registrationID)
        } catch let error as DPSCoreError {
            throw idNode.error(.invalidValue, error.description)
        }
        func key(_ node: YAMLNode, _ name: String, in fields: [String: YAMLNode]) throws -> String? {
            if let literal = fields[name] { return try Self.base64Key(literal) }
            if let variable = fields[name + "Env"] {
                let variableName = try variable.string()
                guard let value = environment[variableName], !value.isEmpty else {
                    throw variable.error(.invalidValue, "the environment variable \(variableName) is not set")
                }
                guard Data(base64Encoded: value) != nil else { throw variable.error(.invalidValue, "\(variableName) does not hold a base64 key") }
                return value
            }
            return nil
        }
        let credential: TargetEnrollment.Credential
        var dice: (release: DiceRelease, inputs: DiceInputs)?
        switch role {
        case .assigned, .disabled, .wrongKey:
            guard let keyNode = fields["symmetricKey"] else {
                throw node.error(.missingField, "role \(role.rawValue) needs symmetricKey: {primaryKey: ... or primaryKeyEnv: VARIABLE}")
            }
            let keys = try keyNode.mapping(allowed: ["primaryKey", "primaryKeyEnv", "secondaryKey", "secondaryKeyEnv"])
            guard let primary = try key(keyNode, "primaryKey", in: keys) else { throw keyNode.error(.missingField, "symmetricKey needs primaryKey or primaryKeyEnv") }
            credential = .symmetricKey(primary: primary, secondary: try key(keyNode, "secondaryKey", in: keys))
        case .group:
            guard let keyNode = fields["groupKey"] else { throw node.error(.missingField, "role group needs groupKey: {key: ... or keyEnv: VARIABLE}") }
            let keys = try keyNode.mapping(allowed: ["key", "keyEnv"])
            guard let value = try key(keyNode, "key", in: keys) else { throw keyNode.error(.missingField, "groupKey needs key or keyEnv") }
            credential = .groupKey(value)
        case .x509, .x509Group:
            guard let certificateNode = fields["certificateFile"], let keyNode = fields["keyFile"] else {
                throw node.error(.missingField, "role \(role.rawValue) needs certificateFile (the chain, leaf first) and keyFile")
            }
            let chain = try Self.pem(certificateNode, directory: directory, marker: "CERTIFICATE")
            let keyPEM = try Self.pem(keyNode, directory: directory, marker: "PRIVATE KEY")
            credential = .x509(chainPEM: chain, keyPEM: keyPEM)
        case .unknownDevice:
            credential = .none
        case .dice:
            guard let diceNode = fields["dice"] else {
                throw node.error(.missingField, "role dice needs dice: {uds: HEX or udsEnv: VARIABLE, firmware: FILE.bin, map: FILE.map}")
            }
            dice = try Self.dice(diceNode, registrationID: registrationID, environment: environment)
            credential = .diceIdentity
        }
        var hub: String?
        var deviceID: String?
        if let expectNode = fields["expect"] {
            let expect = try expectNode.mapping(allowed: ["assignedHub", "deviceId"])
            hub = try expect["assignedHub"]?.string()
            deviceID = try expect["deviceId"]?.string()
        }
        return TargetEnrollment(role: role, registrationID: registrationID, credential: credential, assignedHub: hub, deviceID: deviceID,
                                site: node.site, dice: dice)
    }

    /// `{uds | udsEnv, firmware, map}`: the DevKit's secret, from the file or (better) the
    /// environment, and its firmware release; the derivation's inputs are checked here.
    private static func dice(_ node: YAMLNode, registrationID: String, environment: [String: String]) throws -> (DiceRelease, DiceInputs) {
        let fields = try node.mapping(allowed: ["uds", "udsEnv", "firmware", "map"])
        let udsHex: String
        if let literal = fields["uds"] {
            udsHex = try literal.string()
        } else if let variable = fields["udsEnv"] {
            let name = try variable.string()
            guard let value = environment[name], !value.isEmpty else { throw variable.error(.invalidValue, "the environment variable \(name) is not set") }
            udsHex = value.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            throw node.error(.missingField, "dice needs uds or udsEnv")
        }
        guard let firmware = fields["firmware"], let map = fields["map"] else { throw node.error(.missingField, "dice needs firmware and map") }
        let directory = URL(fileURLWithPath: node.site.file).deletingLastPathComponent()
        let release = DiceRelease(udsHex: udsHex, firmwareFile: resolve(try firmware.string(), in: directory),
                                  mapFile: resolve(try map.string(), in: directory))
        return (release, try release.inputs(registrationID: registrationID, at: node))
    }

    private static func base64Key(_ node: YAMLNode) throws -> String {
        let text = try node.string()
        guard let data = Data(base64Encoded: text), !data.isEmpty else { throw node.error(.invalidValue, "not a base64 key") }
        return text
    }

    private static func pem(_ node: YAMLNode, directory: URL, marker: String) throws -> String {
        let path = resolve(try node.string(), in: directory)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw node.error(.unreadableFile, "cannot read \(path)")
        }
        guard text.contains("-----BEGIN ") && text.contains(marker + "-----") else {
            throw node.error(.invalidValue, "\(path) holds no PEM \(marker)")
        }
        return text
    }

    static func resolve(_ path: String, in directory: URL) -> String {
        path.hasPrefix("/") ? path : directory.appendingPathComponent(path).standardizedFileURL.path
    }
}
