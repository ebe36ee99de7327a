import DPSCore
import Device
import FakeDPS
import Foundation
import Inputs
import Logging
import Verdicts

/// Runs scenarios: builds the world of each case (virtual clock, fake DPS, device), lets the
/// device provision, then turns the transcript and outcome into verdicts.
public struct ScenarioRunner: Sendable {
    public let catalogue: RequirementCatalogue
    /// Wall-time limit of one case; a case that overruns ends in `error`, never in a hang.
    public var caseTimeout: Duration
    public var logger: Logger
    /// Where each case's fake runs: by default one loop of a group shared by every case (NIO's
    /// process-wide group), instead of a group made and shut down per case; one loop per case
    /// keeps a case's events in their single-threaded order.
    public var eventLoops: FakeEventLoops = .sharedSingleton

    public init(catalogue: RequirementCatalogue, caseTimeout: Duration = .seconds(120),
                logger: Logger = Logger(label: "dpsconform.run", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.catalogue = catalogue
        self.caseTimeout = caseTimeout
        self.logger = logger
    }

    /// Runs every scenario in order, calling `progress` after each case. Cancelling the task
    /// stops before the next case (the current one is cancelled too).
    public func run(_ scenarios: [Scenario], progress: @Sendable (CaseResult) -> Void = { _ in }) async -> [CaseResult] {
        var results: [CaseResult] = []
        for scenario in scenarios {
            if Task.isCancelled { break }
            let result = await run(scenario)
            progress(result)
            results.append(result)
        }
        return results
    }

    /// Runs one scenario against the built-in fake.
    public func run(_ scenario: Scenario) async -> CaseResult {
        let wallStart = ContinuousClock.now
        // Against the fake on loopback an answer takes milliseconds; a wait that runs out costs at
        // most 3 s of wall time however long it is in clock time.
        let clock = VirtualClock(ioWaitCap: .seconds(3))
        let clockStart = clock.now()
        let transcript = Transcript()
        func harnessError(_ message: String) -> CaseResult {
            CaseResult(id: scenario.id, title: scenario.title, suite: scenario.suite,
                       verdicts: [Verdict(requirement: .harness, outcome: .error, expected: ["the case runs"], observed: message)],
                       transcript: transcript.snapshot, wallSeconds: (ContinuousClock.now - wallStart).seconds)
        }
        let server: FakeDPSServer
        do {
            server = try await FakeDPSServer.start(configuration: scenario.service, clock: clock, httpsPort: scenario.transport == .https ? 0 : nil,
                                                   transcript: transcript, logger: logger, eventLoops: eventLoops)
        } catch {
            return harnessError("the fake DPS could not start: \(error)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let caFile: String
        do {
            caFile = try server.tls.write(to: directory).path
        } catch {
            await server.stop()
            return harnessError("cannot write the run CA: \(error)")
        }
        let credential: DeviceCredential
        do {
            credential = try deviceCredential(for: scenario, directory: directory)
        } catch {
            await server.stop()
            return harnessError("cannot write the device's credential files: \(error)")
        }
        let settings = ProvisioningSettings(endpoint: server.endpoint(caFile: caFile), registrationID: scenario.device.registrationID,
                                            credential: credential, payloadJSON: scenario.device.payloadJSON,
                                            deadline: scenario.device.deadline, sasTokenLifetime: scenario.device.tokenLifetime)
        let endpoint = settings.endpoint
        let transport = scenario.transport
        let client = ReferenceClient(settings: settings, clock: clock, profile: scenario.device.profile) { () -> any ProvisioningTransport in
            switch transport {
            case .mqtt: MQTTDeviceTransport(host: endpoint.host, port: endpoint.mqttPort ?? 0, caFile: endpoint.caFile)
            case .https: HTTPSDeviceTransport(host: endpoint.host, port: endpoint.httpsPort ?? 0, caFile: endpoint.caFile)
            }
        }
        let outcome = await withWallTimeout(caseTimeout) { await client.provision() }
        // The device's last close reaches the transcript when the fake's channels have closed;
        // a device that never closes (a mutant) is given a second before the fake stops.
        await server.awaitConnectionsClosed(within: .seconds(1))
        await server.stop()
        guard let outcome else { return harnessError("the case did not finish within \(caseTimeout) of wall time") }

        let view = TranscriptView(events: transcript.snapshot)
        let context = CheckContext(scenario: scenario, outcome: outcome, view: view)
        let verdicts = scenario.checks.map { id in verdict(id, context: context) }
        return CaseResult(id: scenario.id, title: scenario.title, suite: scenario.suite, verdicts: verdicts,
                          transcript: transcript.snapshot, deviceOutcome: Self.describe(outcome),
                          wallSeconds: (ContinuousClock.now - wallStart).seconds,
                          clockSeconds: clock.now().timeIntervalSince(clockStart))
    }

    private func verdict(_ id: RequirementID, context: CheckContext) -> Verdict {
        guard let check = CheckLibrary.check(for: id) else {
            return Verdict(requirement: id, outcome: .error, expected: ["a check for \(id)"], observed: "no automated check exists")
        }
        guard check.transports.contains(context.scenario.transport) else {
            return Verdict(requirement: id, outcome: .skip, expected: [],
                           observed: "a rule of \(check.transports.map(\.rawValue).sorted().joined(separator: ", ")); this case runs over \(context.scenario.transport.rawValue)")
        }
        let finding = check.evaluate(context)
        var outcome = finding.outcome
        var observed = finding.observed
        if context.scenario.expectedFailures.contains(id) {
            // A known fault: its failure is expected, and a pass means the case no longer shows it.
            switch outcome {
            case .fail: outcome = .xfail
            case .pass:
                outcome = .fail
                observed = "expected to fail (xfail) but held: " + observed
            case .skip:
                // A fault the case exists to show must show: a check that does not apply shows nothing.
                outcome = .fail
                observed = "expected to fail (xfail) but not evaluated: " + observed
            default: break
            }
        } else if outcome == .fail, catalogue[id]?.level != .must {
            // A broken SHOULD is reported, not failed.
            outcome = .warn
        }
        return Verdict(requirement: id, outcome: outcome, expected: finding.expected, observed: observed, evidence: finding.evidence)
    }

    /// The device's credential: an X.509 chain and key written to private files in the case's
    /// directory, or a symmetric key.
    private func deviceCredential(for scenario: Scenario, directory: URL) throws -> DeviceCredential {
        if case .groupKey(let groupKey) = scenario.device.key { return .groupKey(groupKey) }
        if let dice = scenario.device.dice { return .diceDevKit(udsHex: dice.udsHex, firmwareFile: dice.firmwareFile, mapFile: dice.mapFile) }
        guard let x509 = scenario.device.x509 else { return .symmetricKey(deviceKey(for: scenario)) }
        let certificate = directory.appendingPathComponent("device-chain.pem")
        let key = directory.appendingPathComponent("device-key.pem")
        try Data(x509.chainPEM.utf8).write(to: certificate, options: .atomic)
        guard FileManager.default.createFile(atPath: key.path, contents: Data(x509.keyPEM.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: key.path])
        }
        return .x509(certificateFile: certificate.path, keyFile: key.path)
    }

    private func deviceKey(for scenario: Scenario) -> String {
        let enrollment = scenario.service.enrollments.individuals.first { $0.registrationID.lowercased() == scenario.device.registrationID.lowercased() }
        var keys: [String] = []
        if case .symmetricKey(let primary, let secondary)? = enrollment?.attestation { keys = [primary] + (secondary.map { [$0] } ?? []) }
        switch scenario.device.key {
        case .literal(let key), .groupKey(let key): return key
        case .secondary where keys.count > 1: return keys[1]
        case .primary where !keys.isEmpty: return keys[0]
        default:
            // A well-formed key that no enrollment holds.
            return Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        }
    }

    static func describe(_ outcome: ProvisioningOutcome) -> [String: String] {
        var fields = ["status": outcome.status.rawValue, "requests": String(outcome.requests),
                      "elapsedSeconds": String(format: "%.3f", outcome.elapsedSeconds)]
        fields["assignedHub"] = outcome.assignedHub
        fields["deviceId"] = outcome.deviceId
        fields["substatus"] = outcome.substatus
        fields["errorCode"] = outcome.errorCode.map(String.init)
        fields["message"] = outcome.message.map(Redaction.sasSignatures)
        fields["operationId"] = outcome.operationId
        return fields
    }
}

/// Runs `operation`, giving up after `limit` of wall time (the operation is then cancelled).
func withWallTimeout<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async -> T) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await operation() }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
