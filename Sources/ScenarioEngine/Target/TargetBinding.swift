import DPSCore
import FakeDPS
import Foundation

/// Where `run --target` sends a case: the upstream DPS (behind a recording proxy on loopback)
/// and the enrollments made there.
public struct TargetSettings: Sendable {
    /// The upstream; its client identity is set per case (an X.509 device's certificate).
    public var upstream: ProxyUpstream
    public var configuration: TargetConfiguration

    public init(upstream: ProxyUpstream, configuration: TargetConfiguration) {
        self.upstream = upstream
        self.configuration = configuration
    }
}

/// How a scenario is run against an external DPS: which role its device plays, whether it can
/// run there at all, and the scenario rewritten to the target's ID scope and enrollment.
enum TargetBinding {
    /// The tag of a device script that makes no assumption on the service's timing or names, and
    /// so runs against any target.
    static let portableTag = "portable"
    /// The role of the scenario's device, from its enrollments and credential.
    static func role(of scenario: Scenario) -> EnrollmentRole? {
        let device = scenario.device
        let enrollments = scenario.service.enrollments
        let individual = enrollments.individuals.first { $0.registrationID.lowercased() == device.registrationID.lowercased() }
        if device.dice != nil { return scenario.expect.outcomes.contains(.assigned) ? .dice : nil }
        if device.x509 != nil {
            if let individual { return individual.enabled ? .x509 : nil }
            return .x509Group
        }
        if case .groupKey = device.key { return enrollments.groups.allSatisfy(\.enabled) ? .group : nil }
        guard let individual else { return .unknownDevice }
        if !individual.enabled { return .disabled }
        switch device.key {
        case .wrong: return .wrongKey
        case .literal(let key):
            if case .symmetricKey(let primary, let secondary) = individual.attestation, key == primary || key == secondary { return .assigned }
            return .wrongKey
        default: return .assigned
        }
    }

    /// Why `scenario` cannot run against the target, or nil.
    static func skipReason(_ scenario: Scenario, target: TargetSettings) -> String? {
        if case .mutant(let mutant) = scenario.device.profile {
            return "a case of the mutant \(mutant.rawValue), which sends what a service should never get: run it against the built-in fake"
        }
        if let reason = fakeOnly(scenario.service, script: scenario.script != nil) { return "needs the built-in fake's script (\(reason))" }
        if scenario.script != nil, !scenario.tags.contains(Self.portableTag) {
            return "a device script written for the built-in fake's answers (how many polls, which hub); a script that assumes neither is tagged '\(Self.portableTag)'"
        }
        if scenario.expect.diceRelease != nil, scenario.device.dice == nil {
            return "compares the presented certificate with a DevKit firmware release of the scenario's; no target enrollment holds it"
        }
        if scenario.device.x509 != nil, !scenario.expect.outcomes.contains(.assigned) {
            return "its certificate is what the case is about (it expects \(scenario.expect.outcomes.map(\.rawValue).joined(separator: " or "))); the target's X.509 enrollment holds a good one"
        }
        for policy in [RegistrationIDPolicy.documented, .spec] where (try? policy.validate(scenario.device.registrationID)) == nil {
            return "its registration ID '\(scenario.device.registrationID)' breaks the \(policy.rawValue) rule on purpose; a target enrollment cannot stand in for it"
        }
        switch scenario.transport {
        case .mqtt where target.upstream.mqttPort == nil: return "an MQTT case; the target has no MQTT endpoint (--target mqtts://...)"
        case .https where target.upstream.httpsPort == nil: return "an HTTPS case; the target has no HTTPS endpoint (--target https://...)"
        default: break
        }
        guard let role = role(of: scenario) else {
            if scenario.device.dice != nil { return "its DICE identity is what the case is about (it expects a refusal); the target's DevKit is a good one" }
            return "a device of a disabled group or X.509 enrollment: no target role describes it"
        }
        guard target.configuration.enrollments[role] != nil else {
            return "the target configuration has no enrollment with role \(role.rawValue)"
        }
        if case .secondary = scenario.device.key,
           case .symmetricKey(_, nil)? = target.configuration.enrollments[role]?.credential {
            return "uses the secondary key; the \(role.rawValue) enrollment of the target configuration has none"
        }
        return nil
    }

    /// What of the fake's configuration a real service cannot be made to do, or nil.
    /// A device script reads the retry-after it is given (`wait: retryAfter`), so the fake's
    /// retry-after, there only to keep the case short, is no reason to skip it.
    static func fakeOnly(_ service: ServiceConfiguration, script: Bool = false) -> String? {
        let standard = ServiceConfiguration()
        if !service.faultPlan.rules.isEmpty { return "a fault plan" }
        if service.serverTLS != ServerTLSSettings() { return "a fault or version limit of the server's TLS" }
        if service.mqttAuthFailure != standard.mqttAuthFailure { return "mqttAuthFailure" }
        if service.registrationIDPolicy != standard.registrationIDPolicy { return "a registration-ID policy" }
        if service.requireClientIDMatch != standard.requireClientIDMatch { return "requireClientIdMatch" }
        if service.requireCommonNameMatch != standard.requireCommonNameMatch { return "requireCommonNameMatch" }
        if service.sasClockSkew != standard.sasClockSkew { return "a SAS clock skew" }
        if service.pollLimit != standard.pollLimit || service.registerLimit != standard.registerLimit || service.serviceLimit != standard.serviceLimit {
            return "throttling limits"
        }
        if service.quirks != standard.quirks { return "a deliberate misbehaviour of the fake (a service quirk)" }
        if !script, service.retryAfterSeconds != standard.retryAfterSeconds { return "a retry-after of \(service.retryAfterSeconds) s" }
        let allocations = service.enrollments.individuals.map(\.allocation) + service.enrollments.groups.map(\.allocation)
        if allocations.contains(where: { if case .custom = $0 { return true }; return false }) { return "a custom allocation" }
        return nil
    }

    /// The scenario as it runs against the target: the target's ID scope, the role's
    /// registration ID and credential, and the role's expected hub and device ID (none when the
    /// configuration gives none: the real service decides them).
    static func bind(_ scenario: Scenario, to enrollment: TargetEnrollment, configuration: TargetConfiguration) -> Scenario {
        var bound = scenario
        bound.service.idScope = configuration.idScope
        bound.device.registrationID = enrollment.registrationID
        var individuals: [IndividualEnrollment] = []
        switch enrollment.credential {
        case .symmetricKey(let primary, let secondary):
            switch scenario.device.key {
            case .secondary: break
            case .wrong, .literal: bound.device.key = .wrong
            default: bound.device.key = .primary
            }
            individuals.append(IndividualEnrollment(registrationID: enrollment.registrationID,
                                                    attestation: .symmetricKey(primaryKey: primary, secondaryKey: secondary),
                                                    deviceID: enrollment.deviceID, allocation: AllocationPolicy.hashed(hubs: [enrollment.assignedHub ?? "unknown"]),
                                                    enabled: enrollment.role != .disabled))
        case .groupKey(let key):
            bound.device.key = .groupKey(key)
        case .x509(let chain, let key):
            bound.device.x509 = ScenarioX509Identity(chainPEM: chain, keyPEM: key)
        case .none:
            bound.device.key = .wrong
        case .diceIdentity:
            if let dice = enrollment.dice {
                bound.device.dice = dice.release
                // The presented Alias certificate is compared with the target DevKit's release.
                if scenario.expect.diceRelease != nil { bound.expect.diceRelease = dice }
            }
        }
        bound.service.enrollments = EnrollmentSet(individuals: individuals)
        bound.expect.assignedHub = enrollment.assignedHub
        bound.expect.deviceID = enrollment.deviceID
        // Which six-digit code a real service gives (401002 or 404201 for an unknown device) is its
        // own; the outcome still has to match.
        bound.expect.errorCode = nil
        return bound
    }

    /// What a bound case sends to the target, step by step, for `--dry-run`: nothing is sent.
    static func plan(_ scenario: Scenario, upstream: ProxyUpstream, configuration: TargetConfiguration, device: DeviceUnderTest) -> String {
        let id = scenario.device.registrationID
        let scope = configuration.idScope
        let role = role(of: scenario)?.rawValue ?? "?"
        let credential: String
        if scenario.device.x509 != nil {
            credential = "the X.509 certificate of the \(role) enrollment in the TLS handshake"
        } else {
            switch scenario.device.key {
            case .groupKey: credential = "a SAS token signed with the key derived from the group key"
            case .wrong: credential = "a SAS token signed with a random key (not the enrollment's)"
            case .secondary: credential = "a SAS token signed with the secondary key"
            default: credential = "a SAS token signed with the primary key"
            }
        }
        let who: String
        switch device {
        case .reference: who = "the reference device"
        case .command: who = "the device command"
        case .bench: who = "the board"
        }
        var steps: [String] = []
        switch scenario.transport {
        case .mqtt:
            let port = upstream.mqttPort.map(String.init) ?? "?"
            steps = ["TLS to \(upstream.host):\(port) (server name \(upstream.serverName ?? upstream.host))",
                     "CONNECT client id \(id), username \(scope)/registrations/\(id)/api-version=..., \(credential)",
                     "SUBSCRIBE $dps/registrations/res/#",
                     "PUBLISH $dps/registrations/PUT/iotdps-register/?$rid=... {\"registrationId\":\"\(id)\"}",
                     "PUBLISH $dps/registrations/GET/iotdps-get-operationstatus/?$rid=...&operationId=... after each retry-after, until assigned or refused",
                     "DISCONNECT"]
        case .https:
            let port = upstream.httpsPort.map(String.init) ?? "?"
            steps = ["TLS to \(upstream.host):\(port) (server name \(upstream.serverName ?? upstream.host))",
                     "PUT /\(scope)/registrations/\(id)/register?api-version=... with \(credential)",
                     "GET /\(scope)/registrations/\(id)/operations/{operationId}?api-version=... after each Retry-After, until assigned or refused"]
        }
        let rate = upstream.pacing.requestsPerSecond.map { String(format: "at most %g requests/s", $0) } ?? "no rate limit"
        return "role \(role) (registration ID \(id), ID scope \(scope)), sent by \(who) through the recording proxy, \(rate), every retry-after honoured:\n"
            + steps.map { "      \($0)" }.joined(separator: "\n")
    }
}
