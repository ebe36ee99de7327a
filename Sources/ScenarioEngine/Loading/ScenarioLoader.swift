import DPSCore
import Device
import FakeDPS
import Foundation
import Inputs

/// Reads scenario files (YAML; format in docs/scenarios.md) into `Scenario` values.
public enum ScenarioLoader {
    /// Every `*.yaml` scenario file under `paths` (files or directories), sorted, except the
    /// requirement catalogue. IDs must be unique across all of them.
    public static func load(paths: [String]) throws -> [Scenario] {
        var scenarios: [Scenario] = []
        var ids: [String: String] = [:]
        for file in try scenarioFiles(paths) {
            for scenario in try load(file: file) {
                if let earlier = ids[scenario.id] {
                    throw InputError(.duplicateID, file: file, "scenario id '\(scenario.id)' is also defined in \(earlier)")
                }
                ids[scenario.id] = file
                scenarios.append(scenario)
            }
        }
        return scenarios
    }

    static func scenarioFiles(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputError(.unreadableFile, file: path, "no such file or directory")
            }
            if isDirectory.boolValue {
                let entries = (manager.enumerator(atPath: path)?.allObjects as? [String]) ?? []
                files += entries.filter { $0.hasSuffix(".yaml") && !$0.hasSuffix(RequirementCatalogue.fileName) && !$0.contains("enrollments") }
                    .sorted().map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        return files
    }

    /// The scenarios of one file.
    public static func load(file: String) throws -> [Scenario] {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw InputError(.unreadableFile, file: file, "cannot read the scenario file as UTF-8 text")
        }
        return try load(text: text, file: file)
    }

    /// The scenarios of `text`, read as if it were the file `file` (errors name it; files it
    /// refers to are found beside it).
    public static func load(text: String, file: String) throws -> [Scenario] {
        guard let root = try YAMLNode.load(text: text, file: file) else {
            throw InputError(.missingField, file: file, "the file is empty")
        }
        let top = try root.mapping(allowed: ["suite", "description", "defaults", "scenarios"])
        if let defaults = top["defaults"] {
            // Accepted once but never applied: a setting written there would silently do nothing.
            throw defaults.error(.unknownField, "'defaults' is not supported (it would not be applied); give each scenario its settings, "
                                 + "or share them with a YAML anchor (&name) and alias (*name)")
        }
        guard let suiteNode = top["suite"] else { throw root.error(.missingField, "a scenario file needs 'suite'") }
        let suite = try suiteNode.string()
        guard let list = top["scenarios"] else { throw root.error(.missingField, "a scenario file needs 'scenarios'") }
        let items = try list.sequence()
        guard !items.isEmpty else { throw list.error(.invalidValue, "'scenarios' is empty") }
        return try items.flatMap { try expand($0, suite: suite, file: file) }
    }

    /// A scenario with a `matrix:` becomes one case per combination of its transports and device
    /// profiles, each with the combination appended to its id (`.../https/mutant:reuses-rid`).
    static func expand(_ node: YAMLNode, suite: String, file: String) throws -> [Scenario] {
        if case .mapping(let mapping) = node.node, mapping.contains(where: { $0.key.string == "script" }),
           let matrix = mapping.first(where: { $0.key.string == "matrix" }) {
            throw YAMLNode(node: matrix.key, file: node.file, path: node.path + ".matrix")
                .error(.invalidValue, "a scenario with a script has no matrix: the script says what is sent; write one scenario per transport")
        }
        guard case .mapping(let mapping) = node.node, let matrixEntry = mapping.first(where: { $0.key.string == "matrix" }) else {
            let single = try scenario(node, suite: suite, file: file)
            try refuseContradictions(single, node, matrixTransports: nil)
            return [single]
        }
        let base = try scenario(node, suite: suite, file: file)
        let matrix = YAMLNode(node: matrixEntry.value, file: node.file, path: node.path + ".matrix")
        let axes = try matrix.mapping(allowed: ["transport", "profile"])
        let transports: [ScenarioTransport] = try axes["transport"]?.sequence().map {
            try $0.choice(Dictionary(uniqueKeysWithValues: ScenarioTransport.allCases.map { ($0.rawValue, $0) }))
        } ?? [base.transport]
        let profiles: [DeviceProfile] = try axes["profile"]?.sequence().map { item in
            let text = try item.string()
            do throws(DeviceError) { return try DeviceProfile(parsing: text) } catch { throw item.error(.invalidValue, error.reason) }
        } ?? [base.device.profile]
        var cases: [Scenario] = []
        for transport in transports {
            for profile in profiles {
                if case .mutant(let mutant) = profile, !mutant.applies(to: transport == .mqtt ? .mqtt : .https) { continue }
                var instance = base
                instance.transport = transport
                instance.device.profile = profile
                var suffix: [String] = []
                if axes["transport"] != nil { suffix.append(transport.rawValue) }
                if axes["profile"] != nil { suffix.append(profile.name) }
                instance.id = ([base.id] + suffix).joined(separator: "/")
                if !mapping.contains(where: { $0.key.string == "checks" }) {
                    instance.checks = CheckLibrary.defaultChecks(for: transport) + (base.reference == nil ? [] : CheckLibrary.behaviourChecks)
                }
                // A mutant is expected to break its own rule.
                if case .mutant(let mutant) = profile {
                    for broken in mutant.brokenRequirements(on: transport == .mqtt ? .mqtt : .https).sorted() {
                        instance.expectedFailures.insert(broken)
                        if !instance.checks.contains(broken) { instance.checks.append(broken) }
                    }
                    // A mutant may end any way; what counts is that its fault is caught.
                    // The release to compare DICE certificates with stays.
                    var relaxed = ScenarioExpectation(outcomes: outcomeNames.values.sorted { $0.rawValue < $1.rawValue })
                    relaxed.diceRelease = base.expect.diceRelease
                    instance.expect = relaxed
                }
                try refuseContradictions(instance, node, matrixTransports: Set(transports))
                cases.append(instance)
            }
        }
        return cases
    }

    static func scenario(_ node: YAMLNode, suite: String, file: String) throws -> Scenario {
        let fields = try node.mapping(allowed: scenarioFields)
        guard let idNode = fields["id"] else { throw node.error(.missingField, "a scenario needs 'id'") }
        let id = try idNode.string()
        guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || "-_/.".contains($0) }) else {
            throw idNode.error(.invalidValue, "scenario id '\(id)' may hold only letters, digits and - _ / .")
        }
        var service = try serviceConfiguration(fields["service"])
        let certificates = try fields["certificates"].map { try ScenarioCertificates.make($0) } ?? [:]
        if let enrollments = fields["enrollments"] {
            service.enrollments = try EnrollmentReader.read(enrollments, certificates: certificates)
        }
        if let faults = fields["faults"] { service.faultPlan = try FaultPlanReader.read(faults) }
        guard let deviceNode = fields["device"] else { throw node.error(.missingField, "a scenario needs 'device'") }
        let script = try fields["script"].map(ScriptLoader.read)
        let expectNode = fields["expect"]
        if script == nil, expectNode == nil { throw node.error(.missingField, "a scenario needs 'expect' (or a 'script')") }
        let transports = Dictionary(uniqueKeysWithValues: ScenarioTransport.allCases.map { ($0.rawValue, $0) })
        let transport: ScenarioTransport = try fields["transport"].map { try $0.choice(transports) } ?? .mqtt
        // A script's expectations are its checks; the device-side checks judge a device, not the harness.
        let checks = try fields["checks"].map(requirementIDs) ?? (script == nil ? CheckLibrary.defaultChecks(for: transport) : [])
        let device = try device(deviceNode, certificates: certificates)
        let expected = try expectNode.map { try expectation($0, registrationID: device.registrationID) }
            ?? ScenarioExpectation(outcomes: outcomeNames.values.sorted { $0.rawValue < $1.rawValue })
        var scenario = Scenario(id: id, title: try fields["title"]?.string() ?? id, suite: suite, transport: transport, service: service,
                                device: device, expect: expected, checks: checks,
                                source: "\(file):\(node.node.mark?.line ?? 0)")
        scenario.script = script
        scenario.site = node.site
        if let tagsNode = fields["tags"] { scenario.tags = try tags(tagsNode) }
        for item in try fields["checks"]?.sequence() ?? [] {
            if let id = RequirementID(known: try item.string()), scenario.checkSites[id] == nil { scenario.checkSites[id] = item.site }
        }
        if let replayNode = fields["replay"] {
            if fields["faults"] != nil {
                throw replayNode.error(.invalidValue, "give replay or faults, not both: the recording decides every answer")
            }
            if fields["script"] != nil {
                throw replayNode.error(.invalidValue, "give replay or script, not both: a replay answers a device; a script is the device")
            }
            let path = Self.resolve(try replayNode.string(), relativeTo: file)
            let reference: ReferenceRecording
            do throws(DPSCoreError) { reference = try ReferenceRecording.load(path: path) } catch {
                throw replayNode.error(.invalidValue, "the recording is unusable: \(error.description)")
            }
            do throws(ReplayPlan.Problem) { scenario.service.faultPlan = try ReplayPlan.faultPlan(from: reference.events, source: path) } catch {
                throw replayNode.error(.invalidValue, error.description)
            }
            scenario.reference = reference
            if fields["checks"] == nil { scenario.checks += CheckLibrary.behaviourChecks }
        }
        if let xfail = fields["xfail"] {
            scenario.expectedFailures = Set(try requirementIDs(xfail))
            let scripted = scenario.script?.requirements ?? []
            for id in scenario.expectedFailures where !scenario.checks.contains(id) && !scripted.contains(id) {
                throw xfail.error(.invalidValue, "xfail names \(id), which this scenario does not check")
            }
        }
        return scenario
    }

    /// A path written in a scenario file, relative to that file's directory.
    static func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let base = (file as NSString).deletingLastPathComponent
        return base.isEmpty ? path : (base as NSString).appendingPathComponent(path)
    }

    static let scenarioFields: Set<String> = ["id", "title", "tags", "transport", "service", "certificates", "enrollments", "faults", "device",
                                              "expect", "checks", "xfail", "matrix", "replay", "script"]

    /// `tags: [smoke, x509]`: words of letters, digits, '-' and '_'.
    static func tags(_ node: YAMLNode) throws -> Set<String> {
        var tags: Set<String> = []
        for item in try node.sequenceOrSingle() {
            let tag = try item.string()
            guard ScenarioTag.isValid(tag) else {
                throw item.error(.invalidValue, "tag '\(tag)' may hold only letters, digits, '-' and '_' (and is not empty)")
            }
            guard tags.insert(tag).inserted else { throw item.error(.invalidValue, "tag '\(tag)' is given twice") }
        }
        return tags
    }

    /// Refuses a case whose parts cannot all hold at once: an exchange the transport does not
    /// have, a check or mutant that does not apply to the transport, expectations that exclude
    /// each other. Each error points at the entry that is wrong (docs/scenarios.md, "Refused at load").
    /// A check listed in a matrix over several transports must apply to at least one of them: it
    /// is evaluated on the cases of those and reported as not applicable on the others.
    static func refuseContradictions(_ instance: Scenario, _ node: YAMLNode, matrixTransports: Set<ScenarioTransport>?) throws {
        let inMatrix = matrixTransports != nil
        let fields = try node.mapping(allowed: scenarioFields)
        let split = inMatrix ? "; list that transport alone in the matrix, or split the scenario in two" : ""
        if instance.transport == .https, let faults = fields["faults"] {
            for rule in try faults.sequence() {
                guard let on = try rule.mapping(allowed: FaultPlanReader.actions.union(["on", "occurrence", "registrationId"]))["on"] else { continue }
                let target = try on.string()
                if target == FaultTarget.subscribe.rawValue || target == FaultTarget.connect.rawValue {
                    throw on.error(.invalidValue, "a fault on '\(target)' cannot happen in case \(instance.id): HTTPS has no \(target) exchange "
                                   + "(only register, poll and statusLookup)" + split)
                }
            }
        }
        if let reference = instance.reference, let recorded = reference.transport, recorded != instance.transport {
            throw (fields["replay"] ?? node).error(.invalidValue, "\(reference.path) is a recording over \(recorded.rawValue); case \(instance.id) runs over \(instance.transport.rawValue)" + split)
        }
        let caseTransports = matrixTransports ?? [instance.transport]
        for item in try fields["checks"]?.sequence() ?? [] {
            guard let id = RequirementID(known: try item.string()) else { continue }
            let transports = CheckLibrary.transports(of: id)
            if !transports.isEmpty, transports.isDisjoint(with: caseTransports) {
                let over = transports.map(\.rawValue).sorted().joined(separator: ", ")
                let cases = caseTransports.map(\.rawValue).sorted().joined(separator: ", ")
                throw item.error(.invalidValue, "check \(id) applies only over \(over), but this scenario runs over \(cases); "
                                 + "it would never be evaluated: remove it, or change the scenario's transport")
            }
        }
        if !inMatrix, case .mutant(let mutant) = instance.device.profile, !mutant.applies(to: instance.transport == .mqtt ? .mqtt : .https) {
            let site = (try? fields["device"]?.mapping(allowed: ["registrationId", "profile", "key", "x509", "dice", "deadlineSeconds",
                                                               "tokenLifetimeSeconds", "payload"])["profile"]?.site) ?? node.site
            throw site.error(.invalidValue, "mutant \(mutant.rawValue) cannot show its fault over \(instance.transport.rawValue) "
                                            + "(it breaks only rules of the other transport); use transport: \(instance.transport == .mqtt ? "https" : "mqtt"), "
                                            + "or a matrix, which leaves such combinations out")
        }
        if let expectNode = fields["expect"] {
            guard fields["script"] == nil else {
                throw expectNode.error(.invalidValue, "a scenario with a script states its expectations in the script's steps (expect: under a step), not here")
            }
            let expect = try expectNode.mapping(allowed: ["outcome", "assignedHub", "deviceId", "errorCode", "diceRelease"])
            // As written: a mutant case's expectation is relaxed to any outcome after expansion.
            let outcomes = try expect["outcome"]?.sequenceOrSingle().map { try $0.choice(outcomeNames) } ?? []
            if outcomes == [.assigned], let code = expect["errorCode"] {
                throw code.error(.invalidValue, "errorCode with outcome 'assigned': an assigned device has no error code")
            }
            if !outcomes.contains(.assigned) {
                for name in ["assignedHub", "deviceId"] {
                    if let given = expect[name] {
                        throw given.error(.invalidValue, "\(name) is expected, but the outcome list lacks 'assigned': only an assigned device has one")
                    }
                }
            }
        }
    }

    /// A list of requirement IDs; an ID that names no catalogued requirement or MQTT rule is an
    /// error at its own entry.
    static func requirementIDs(_ node: YAMLNode) throws -> [RequirementID] {
        try node.sequence().map { item in
            let text = try item.string()
            guard let id = RequirementID(known: text) else {
                throw item.error(.unknownRequirement, "requirement '\(text)' is not in the catalogue")
            }
            return id
        }
    }

    static func serviceConfiguration(_ node: YAMLNode?) throws -> ServiceConfiguration {
        var configuration = ServiceConfiguration()
        guard let node else { return configuration }
        let fields = try node.mapping(allowed: Set<String>(["idScope", "assigningPolls", "assigningSeconds", "retryAfter", "sasClockSkewSeconds",
                                                "registrationIdPolicy", "requireClientIdMatch", "mqttAuthFailure", "requireCommonNameMatch",
                                                "pollLimit", "registerLimit", "serviceLimit", "tls"]).union(quirkNames))
        if let scope = fields["idScope"] {
            configuration.idScope = try scope.string()
            do { try IDScope.validate(configuration.idScope) } catch let error as DPSCoreError { throw scope.error(.invalidValue, error.reason) }
        }
        if let polls = fields["assigningPolls"] { configuration.assigningPolls = try polls.int(in: 0...100_000) }
        if let seconds = fields["assigningSeconds"] { configuration.assigningTime = .seconds(try seconds.int(in: 0...86_400)) }
        if let retry = fields["retryAfter"] { configuration.retryAfterSeconds = try retry.int(in: 0...86_400) }
        if let skew = fields["sasClockSkewSeconds"] { configuration.sasClockSkew = .seconds(try skew.int(in: 0...86_400)) }
        if let policy = fields["registrationIdPolicy"] {
            configuration.registrationIDPolicy = try policy.choice(Dictionary(uniqueKeysWithValues: RegistrationIDPolicy.allCases.map { ($0.rawValue, $0) }))
        }
        if let match = fields["requireClientIdMatch"] { configuration.requireClientIDMatch = try match.bool() }
        if let mode = fields["mqttAuthFailure"] {
            configuration.mqttAuthFailure = try mode.choice(Dictionary(uniqueKeysWithValues: MQTTAuthFailureMode.allCases.map { ($0.rawValue, $0) }))
        }
        if let match = fields["requireCommonNameMatch"] { configuration.requireCommonNameMatch = try match.bool() }
        if let tls = fields["tls"] {
            let settings = try tls.mapping(allowed: ["certificate", "versions"])
            if let fault = settings["certificate"] {
                configuration.serverTLS.certificateFault = try fault.choice(Dictionary(uniqueKeysWithValues: ServerCertificateFault.allCases.map { ($0.rawValue, $0) }))
            }
            if let versions = settings["versions"] {
                configuration.serverTLS.versions = try versions.choice(Dictionary(uniqueKeysWithValues: ServerTLSVersions.allCases.map { ($0.rawValue, $0) }))
            }
        }
        for name in quirkNames {
            guard let value = fields[name] else { continue }
            let on = try value.bool()
            switch name {
            case "ridEcho": configuration.quirks.requestIDEcho = on
            case "sessionPresent": configuration.quirks.sessionPresent = on
            case "rejectKeepAliveZero": configuration.quirks.rejectKeepAliveZero = on
            case "pubAckQoS0": configuration.quirks.pubAckQoS0 = on
            case "rejectPollPayload": configuration.quirks.rejectPollPayload = on
            case "rejectNullPayload": configuration.quirks.rejectNullPayload = on
            case "sasUpperHexOnly": configuration.quirks.sasUpperHexOnly = on
            case "requireSkn": configuration.quirks.requireSkn = on
            case "sasStrictFieldOrder": configuration.quirks.sasStrictFieldOrder = on
            default: configuration.quirks.requireUserAgent = on
            }
        }
        if let limit = fields["pollLimit"] { configuration.pollLimit = try rateLimit(limit) }
        if let limit = fields["registerLimit"] { configuration.registerLimit = try rateLimit(limit) }
        if let limit = fields["serviceLimit"] { configuration.serviceLimit = try rateLimit(limit) }
        return configuration
    }

    /// Service settings that make the fake break a service-side rule on purpose (`ServiceQuirks`).
    static let quirkNames: Set<String> = ["ridEcho", "sessionPresent", "rejectKeepAliveZero", "pubAckQoS0", "rejectPollPayload", "rejectNullPayload",
                                          "sasUpperHexOnly", "requireSkn", "sasStrictFieldOrder", "requireUserAgent"]

    /// `{count: 5, windowSeconds: 10}`, or `off`.
    static func rateLimit(_ node: YAMLNode) throws -> RateLimit? {
        if case .scalar = node.node, try node.string() == "off" { return nil }
        let fields = try node.mapping(allowed: ["count", "windowSeconds"])
        guard let count = fields["count"], let window = fields["windowSeconds"] else {
            throw node.error(.missingField, "a rate limit needs count and windowSeconds (or is 'off')")
        }
        return RateLimit(count: try count.int(in: 1...1_000_000), window: .seconds(try window.int(in: 1...86_400)))
    }

    static func device(_ node: YAMLNode, certificates: [String: ScenarioCertificate] = [:]) throws -> ScenarioDevice {
        let fields = try node.mapping(allowed: ["registrationId", "profile", "key", "x509", "dice", "deadlineSeconds", "tokenLifetimeSeconds", "payload"])
        let dice = try fields["dice"].map { try DiceRelease.read($0).0 }
        var x509: ScenarioX509Identity?
        if let x509Node = fields["x509"] {
            guard fields["key"] == nil else { throw x509Node.error(.invalidValue, "give key or x509, not both") }
            let identity = try x509Node.mapping(allowed: ["certificate", "chain", "certificatePem", "keyPem"])
            if let pemNode = identity["certificatePem"] {
                // Literal PEM (leaf first, then its chain) and key: the reproducers dpsconform fuzz writes, whose
                // certificates are malformed on purpose and so cannot be made by `certificates:`.
                guard identity["certificate"] == nil, identity["chain"] == nil else {
                    throw x509Node.error(.invalidValue, "give certificate (and chain) or certificatePem, not both")
                }
                guard let keyNode = identity["keyPem"] else { throw x509Node.error(.missingField, "certificatePem needs keyPem") }
                x509 = ScenarioX509Identity(chainPEM: try pemNode.string(), keyPEM: try keyNode.string())
            } else {
                guard let leafNode = identity["certificate"] else { throw x509Node.error(.missingField, "x509 needs certificate (a scenario certificate) or certificatePem") }
                let leaf = try EnrollmentReader.named(leafNode, in: certificates)
                let chain = try identity["chain"]?.sequence().map { try EnrollmentReader.named($0, in: certificates) } ?? []
                x509 = ScenarioX509Identity(chainPEM: ([leaf] + chain).map(\.pem).joined(), keyPEM: leaf.keyPEM)
            }
        }
        guard let idNode = fields["registrationId"] else { throw node.error(.missingField, "the device needs registrationId") }
        var key = ScenarioDevice.Key.primary
        if let keyNode = fields["key"], case .mapping = keyNode.node {
            let group = try keyNode.mapping(allowed: ["groupKey"])
            guard let groupNode = group["groupKey"] else { throw keyNode.error(.missingField, "key: {groupKey: <base64>}") }
            key = .groupKey(try EnrollmentReader.base64Key(groupNode))
        } else if let keyNode = fields["key"] {
            let text = try keyNode.string()
            switch text {
            case "primary": key = .primary
            case "secondary": key = .secondary
            case "wrong": key = .wrong
            default: key = .literal(try EnrollmentReader.base64Key(keyNode))
            }
        }
        var profile = DeviceProfile.reference
        if let profileNode = fields["profile"] {
            let text = try profileNode.string()
            do {
                profile = try DeviceProfile(parsing: text)
            } catch {
                throw profileNode.error(.invalidValue, error.reason)
            }
        }
        var device = ScenarioDevice(registrationID: try idNode.string(), profile: profile, key: key,
                                    deadline: .seconds(try fields["deadlineSeconds"]?.int(in: 1...86_400) ?? 300),
                                    payloadJSON: try fields["payload"]?.jsonText(), x509: x509, dice: dice)
        if let lifetime = fields["tokenLifetimeSeconds"] { device.tokenLifetime = .seconds(try lifetime.int(in: 10...31_536_000)) }
        return device
    }

    static let outcomeNames: [String: ProvisioningOutcome.Status] = [
        "assigned": .assigned, "failed": .failed, "disabled": .disabled, "unassigned": .unassigned, "rejected": .rejected,
        "timedOut": .timedOut, "connectionFailed": .connectionFailed, "protocolError": .protocolError, "abandoned": .abandoned,
    ]

    static func expectation(_ node: YAMLNode, registrationID: String) throws -> ScenarioExpectation {
        let fields = try node.mapping(allowed: ["outcome", "assignedHub", "deviceId", "errorCode", "diceRelease"])
        guard let outcomeNode = fields["outcome"] else { throw node.error(.missingField, "expect needs 'outcome' (one value or a list)") }
        let names = outcomeNames
        var expectation = ScenarioExpectation(outcomes: try outcomeNode.sequenceOrSingle().map { try $0.choice(names) },
                                              assignedHub: try fields["assignedHub"]?.string(), deviceID: try fields["deviceId"]?.string(),
                                              errorCode: try fields["errorCode"]?.int(in: 100...999_999))
        if let releaseNode = fields["diceRelease"] {
            // The release is derived for the device's registration ID unless it names another one.
            let (release, releaseID) = try DiceRelease.read(releaseNode, registrationIDAllowed: true)
            expectation.diceRelease = (release, try release.inputs(registrationID: releaseID ?? registrationID, at: releaseNode))
        }
        return expectation
    }
}
