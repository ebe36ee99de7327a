import DPSCore
import Device
import FakeDPS
import Foundation
import Inputs
import Logging
import Verdicts

/// What stands where the device stands in each case.
public enum DeviceUnderTest: Sendable {
    /// The in-process reference client, or the mutant a case names, on the case's virtual clock.
    case reference
    /// An external program started for each case (`--device-command`), on the real clock.
    case command(DeviceCommandTemplate)
    /// A board on the bench (`--device wait`): the harness announces the case's settings, runs an
    /// optional setup command, and waits for the board to connect.
    case bench(BenchDevice)

    var isExternal: Bool { isExternalDevice }

    /// Whether the device runs outside the harness (on the real clock).
    public var isExternalDevice: Bool {
        if case .reference = self { return false }
        return true
    }
}

/// A board on the bench: how it is set up for a case and how long the harness waits for it.
public struct BenchDevice: Sendable {
    /// Run before each case with the same placeholders (flash settings, reset the board).
    public var setupCommand: DeviceCommandTemplate?
    /// How long the board has to make its first connection after setup.
    public var connectTimeout: Duration
    /// Tells the operator what the board must be set to (the console).
    public var announce: @Sendable (String) -> Void

    public init(setupCommand: DeviceCommandTemplate?, connectTimeout: Duration, announce: @escaping @Sendable (String) -> Void) {
        self.setupCommand = setupCommand
        self.connectTimeout = connectTimeout
        self.announce = announce
    }
}

/// Where each case's fake listens and the CA its server certificate chains to.
public struct CaseServerSettings: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port for each case; a fixed port lets a board keep its settings.
    public var mqttPort: Int = 0
    public var httpsPort: Int = 0
    public var identity = FakeDPSServer.ServerIdentity()

    public init() {}

    /// Whether a port is fixed (then cases run one at a time).
    public var usesFixedPort: Bool { mqttPort != 0 || httpsPort != 0 }
}

/// Runs scenarios: builds the world of each case (clock, fake DPS, device), lets the device
/// provision, then turns the transcript and outcome into verdicts.
public struct ScenarioRunner: Sendable {
    public let catalogue: RequirementCatalogue
    /// Wall-time limit of one case; a case that overruns ends in `error`, never in a hang.
    public var caseTimeout: Duration
    public var logger: Logger
    /// Where each case's fake runs: by default one loop of a group shared by every case (NIO's
    /// process-wide group), instead of a group made and shut down per case; one loop per case
    /// keeps a case's events in their single-threaded order.
    public var eventLoops: FakeEventLoops = .sharedSingleton
    /// The device in every case.
    public var device: DeviceUnderTest = .reference
    /// What an external device supports; cases it cannot take part in are skipped.
    public var profile: CapabilityProfile = .everything
    /// Cases an external device would spend longer than this waiting in real time are skipped.
    public var realTimeLimit: Duration = .seconds(30)
    /// Known failures of the device under test (`--xfail`).
    public var knownFailures = KnownFailures()
    public var server = CaseServerSettings()
    /// Cases run at once (fixed ports force one).
    public var jobs: Int = 1
    /// After an external device got its final answer and closed its connections, how long its
    /// program has to exit before the case stops it (a simulator that runs on is not a fault).
    public var exitGrace: Duration = .seconds(5)
    /// Run the cases that name a mutant with the external device too, telling it the mutant
    /// (`{mutant}`, `DPS_MUTANT`): how the project checks that its mutants are caught through
    /// the device-command path. Off: those cases are skipped for an external device.
    public var externalMutants = false
    /// Run against another DPS (`--target`) through a recording proxy instead of the built-in
    /// fake: each case's device talks to the proxy, which forwards to the target and records.
    public var target: TargetSettings? {
        didSet { pacer = target.map { UpstreamPacer($0.upstream.pacing) } }
    }
    /// Reference transcripts by case ID (`run --compare-with DIR`): each such case's behaviour is
    /// compared with its reference (DPS-BEHAV-*), besides its scenario's checks.
    public var references: [String: [WireEvent]] = [:]
    /// One pacing for every case of a run against a target: the rate holds however many cases run at once.
    private var pacer: UpstreamPacer?

    /// Tolerance of timing checks on the real clock (docs/device-under-test.md): the fake stamps
    /// each event when it reads or writes it, so scheduling on either side can shorten a wait
    /// it measures by a few milliseconds.
    public static let realClockTolerance = 0.05

    public init(catalogue: RequirementCatalogue, caseTimeout: Duration = .seconds(120),
                logger: Logger = Logger(label: "dpsconform.run", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.catalogue = catalogue
        self.caseTimeout = caseTimeout
        self.logger = logger
    }

    /// Runs every scenario, `jobs` at a time, calling `progress` after each case; results are
    /// in the order of `scenarios`. Cancelling the task stops before the next case (the
    /// running ones are cancelled too).
    public func run(_ scenarios: [Scenario], started: @Sendable (Scenario) -> Void = { _ in },
                    progress: @Sendable (CaseResult) -> Void = { _ in }) async -> [CaseResult] {
        let width = server.usesFixedPort ? 1 : max(1, jobs)
        if width == 1 {
            var results: [CaseResult] = []
            for scenario in scenarios {
                if Task.isCancelled { break }
                started(scenario)
                let result = await run(scenario)
                // A case cut short by the cancellation is not a result.
                if Task.isCancelled { break }
                progress(result)
                results.append(result)
            }
            return results
        }
        return await withTaskGroup(of: (Int, CaseResult).self) { group in
            var results: [Int: CaseResult] = [:]
            var next = 0
            func start() {
                guard next < scenarios.count, !Task.isCancelled else { return }
                let index = next
                let scenario = scenarios[index]
                next += 1
                started(scenario)
                group.addTask { (index, await self.run(scenario)) }
            }
            for _ in 0..<width { start() }
            while let (index, result) = await group.next() {
                if Task.isCancelled { continue }
                progress(result)
                results[index] = result
                start()
            }
            return results.sorted { $0.key < $1.key }.map(\.value)
        }
    }

    /// Why `scenario` cannot run against the external device, or nil.
    func externalSkipReason(_ scenario: Scenario) -> String? {
        if scenario.script != nil {
            return "a device script: the harness itself is the device in this case"
        }
        if case .mutant(let mutant) = scenario.device.profile, !externalMutants {
            return "a case of the reference device's mutant \(mutant.rawValue); an external device stands in for the reference device only"
        }
        if let reason = profile.unsupported(scenario) { return reason }
        let cost = RealTimeCost(scenario)
        if cost.seconds > realTimeLimit.seconds {
            return String(format: "about %.0f s of real time (%@), over --real-time-limit %.0f s", cost.seconds, cost.largest, realTimeLimit.seconds)
        }
        return nil
    }

    /// A scenario file's path as reports give it: relative to the current directory when the file
    /// lies inside it (what CI annotations resolve against the checkout), else as it was given.
    static func reportedPath(_ path: String, currentDirectory: String = FileManager.default.currentDirectoryPath) -> String {
        let directory = URL(fileURLWithPath: currentDirectory, isDirectory: true)
        let file = URL(fileURLWithPath: path, relativeTo: directory).standardizedFileURL.path
        var base = directory.standardizedFileURL.path
        if !base.hasSuffix("/") { base += "/" }
        guard file.hasPrefix(base), file.count > base.count else { return path }
        return String(file.dropFirst(base.count))
    }

    /// Why `scenario` cannot run against the target, or nil; the scenario bound to the target's
    /// enrollment otherwise.
    func targetBinding(_ scenario: Scenario, target: TargetSettings) -> Result<Scenario, TargetSkip> {
        if let reason = TargetBinding.skipReason(scenario, target: target) { return .failure(TargetSkip(reason: reason)) }
        guard let role = TargetBinding.role(of: scenario), let enrollment = target.configuration.enrollments[role] else {
            return .failure(TargetSkip(reason: "no target enrollment for this device"))
        }
        let bound = TargetBinding.bind(scenario, to: enrollment, configuration: target.configuration)
        if !device.isExternal {
            let cost = RealTimeCost(bound)
            if cost.seconds > realTimeLimit.seconds {
                return .failure(TargetSkip(reason: String(format: "about %.0f s of real time (%@), over --real-time-limit %.0f s",
                                                           cost.seconds, cost.largest, realTimeLimit.seconds)))
            }
        }
        return .success(bound)
    }

    /// The enrollment role a case's device plays against the target, when there is a target.
    public func targetRole(_ scenario: Scenario) -> EnrollmentRole? {
        target == nil ? nil : TargetBinding.role(of: scenario)
    }

    /// What the case would send to the target, without sending it (`run --dry-run`).
    public func targetPlan(_ scenario: Scenario) -> String {
        guard let target else { return "no target" }
        switch targetBinding(scenario, target: target) {
        case .failure(let skip): return "skip: \(skip.reason)"
        case .success(let bound): return TargetBinding.plan(bound, upstream: target.upstream, configuration: target.configuration, device: device)
        }
    }

    /// Runs one scenario against the built-in fake, or through a recording proxy against the target.
    public func run(_ scenario: Scenario) async -> CaseResult {
        let wallStart = ContinuousClock.now
        let external = device.isExternal
        let original = scenario
        var scenario = scenario
        var record = DeviceRunRecord(kind: external ? (device.kindName) : scenario.device.profile.name)
        if case .command(let template) = device { record.command = template.text }
        func finished(_ verdicts: [Verdict], transcript: [WireEvent], outcome: [String: String] = [:], clockSeconds: Double = 0) -> CaseResult {
            CaseResult(id: original.id, title: original.title, suite: original.suite, verdicts: verdicts, transcript: transcript,
                       deviceOutcome: outcome, wallSeconds: (ContinuousClock.now - wallStart).seconds, clockSeconds: clockSeconds, device: record,
                       file: original.site.map { Self.reportedPath($0.file) }, line: original.site?.line)
        }
        if external, let reason = externalSkipReason(scenario) {
            return finished([Verdict(requirement: .harness, outcome: .skip, expected: [], observed: reason)], transcript: [])
        }
        if let target {
            switch targetBinding(scenario, target: target) {
            case .failure(let skip):
                return finished([Verdict(requirement: .harness, outcome: .skip, expected: [], observed: skip.reason)], transcript: [])
            case .success(let bound):
                scenario = bound
            }
        }
        if let script = scenario.script { return await runScript(scenario, script) }
        let onRealClock = external || target != nil
        // Against the fake on loopback an answer takes milliseconds; a wait that runs out costs at
        // most 3 s of wall time however long it is in clock time. An external device lives on
        // the real clock.
        let clock: any DPSClock = onRealClock ? SystemClock() : VirtualClock(ioWaitCap: .seconds(3))
        let clockStart = clock.now()
        let transcript = Transcript()
        func harnessError(_ message: String) -> CaseResult {
            finished([Verdict(requirement: .harness, outcome: .error, expected: ["the case runs"], observed: message)], transcript: transcript.snapshot)
        }
        let server: any CaseService
        var proxy: RecordingProxy?
        switch await startService(for: scenario, clock: clock, transcript: transcript, httpsAlways: external) {
        case .failure(let problem): return harnessError(problem.message)
        case .success(let started): (server, proxy) = started
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var material: CaseMaterial
        do {
            let endpoint = server.endpoint(caFile: nil)
            let key = scenario.device.x509 == nil && scenario.device.dice == nil ? deviceKey(for: scenario) : nil
            material = try CaseMaterial.prepare(for: scenario, endpoint: endpoint, caPEM: server.caCertificatePEM, key: key,
                                                in: directory.appendingPathComponent("device"))
        } catch {
            await server.stop()
            return harnessError("cannot write the case's files for the device: \(error)")
        }
        if case .mutant(let mutant) = scenario.device.profile { material.values[.mutant] = mutant.rawValue }
        let endpoint = server.endpoint(caFile: material.values[.caFile])
        var deviceVerdicts: [Verdict] = []
        var report: DeviceReport?
        var inProcessOutcome: ProvisioningOutcome?
        switch device {
        case .reference:
            let settings = ProvisioningSettings(endpoint: endpoint, registrationID: scenario.device.registrationID,
                                                credential: material.credential, payloadJSON: scenario.device.payloadJSON,
                                                deadline: scenario.device.deadline, sasTokenLifetime: scenario.device.tokenLifetime)
            let transport = scenario.transport
            let client = ReferenceClient(settings: settings, clock: clock, profile: scenario.device.profile) { () -> any ProvisioningTransport in
                switch transport {
                case .mqtt: MQTTDeviceTransport(host: endpoint.host, port: endpoint.mqttPort ?? 0, caFile: endpoint.caFile)
                case .https: HTTPSDeviceTransport(host: endpoint.host, port: endpoint.httpsPort ?? 0, caFile: endpoint.caFile)
                }
            }
            guard let outcome = await withWallTimeout(caseTimeout, { await client.provision() }) else {
                await server.stop()
                return harnessError("the case did not finish within \(caseTimeout) of wall time")
            }
            inProcessOutcome = outcome
        case .command(let template):
            let command: String
            switch template.expand(material.values) {
            case .failure(let missing):
                await server.stop()
                return finished([Verdict(requirement: .harness, outcome: .skip, expected: [], observed: missing.reason)], transcript: [])
            case .success(let expanded):
                command = expanded
            }
            record.workDirectory = material.workDirectory.path
            // A key written into the command itself, rather than through a placeholder, is not kept.
            record.command = material.redact(template.text)
            if case .mutant(let mutant) = scenario.device.profile { record.kind = "command (as mutant:\(mutant.rawValue))" }
            let run = await runProgram(command, material: material, transcript: transcript, server: server, record: &record)
            deviceVerdicts += run.verdicts
            report = run.report
        case .bench(let bench):
            let run = await runBench(bench, scenario: scenario, material: material, transcript: transcript, server: server, record: &record)
            if let skip = run.skip {
                await server.stop()
                return finished([Verdict(requirement: .harness, outcome: .skip, expected: [], observed: skip)], transcript: transcript.snapshot)
            }
            deviceVerdicts += run.verdicts
        }
        // The device's last close reaches the transcript when the fake's channels have closed;
        // a device that never closes (a mutant) is given a second before the fake stops.
        await server.awaitConnectionsClosed(within: .seconds(1))
        await server.stop()
        if let proxy, !proxy.failures.all.isEmpty {
            // The target could not be reached (or not trusted): that is no fault of the device.
            let failures = Array(Set(proxy.failures.all)).sorted()
            deviceVerdicts.append(Verdict(requirement: .harness, outcome: .error, expected: ["the target is reachable and trusted"],
                                          observed: failures.joined(separator: "; ")))
        }

        let events = transcript.snapshot
        let view = TranscriptView(events: events)
        let clockSeconds = clock.now().timeIntervalSince(clockStart)
        let told = ToldOutcome.derive(from: view, clockSeconds: clockSeconds, deadline: scenario.device.deadline)
        let claim = inProcessOutcome.map(DeviceReport.init) ?? report
        var isMutantCase = false
        if case .mutant = scenario.device.profile { isMutantCase = true }
        var described = Self.describe(inProcessOutcome ?? told)
        if inProcessOutcome == nil {
            // An external device: its outcome as the service told it, and its own report.
            described["source"] = "what the service told the device"
            described["reportedStatus"] = report?.status ?? "(no JSON report on stdout)"
        }
        let context = CheckContext(scenario: scenario, outcome: told, view: view, deviceReport: claim,
                                   timingTolerance: onRealClock ? Self.realClockTolerance : 0.001,
                                   judgesExternalDevice: (external || target != nil) && !isMutantCase,
                                   serviceGivesReasons: proxy == nil,
                                   reference: scenario.reference?.events ?? references[original.id])
        var checks = scenario.checks
        if references[original.id] != nil {
            for id in CheckLibrary.behaviourChecks where !checks.contains(id) { checks.append(id) }
        }
        let verdicts = checks.map { id in verdict(id, context: context) } + deviceVerdicts
        return finished(verdicts, transcript: events, outcome: described, clockSeconds: clockSeconds)
    }

    /// Why a case's service could not start.
    struct StartProblem: Error {
        let message: String
    }

    /// Starts what the case's device talks to: the case's fake, or, with a target, a recording
    /// proxy to it that presents an X.509 or DevKit device's certificate upstream.
    func startService(for scenario: Scenario, clock: any DPSClock, transcript: Transcript,
                      httpsAlways: Bool) async -> Result<(any CaseService, RecordingProxy?), StartProblem> {
        func harnessError(_ message: String) -> Result<(any CaseService, RecordingProxy?), StartProblem> { .failure(StartProblem(message: message)) }
        let server: any CaseService
        var proxy: RecordingProxy?
        if let target {
            var upstream = target.upstream
            if let x509 = scenario.device.x509 { upstream.clientIdentity = ProxyUpstream.ClientIdentity(chainPEM: x509.chainPEM, keyPEM: x509.keyPEM) }
            if let dice = scenario.device.dice {
                // The DevKit's Alias certificate and key, derived as the device derives them.
                do throws(DeviceError) {
                    let identity = try DevKitDICEIdentity.pem(udsHex: dice.udsHex, firmwareFile: dice.firmwareFile, mapFile: dice.mapFile,
                                                              registrationID: scenario.device.registrationID)
                    upstream.clientIdentity = ProxyUpstream.ClientIdentity(chainPEM: identity.certificatePEM, keyPEM: identity.keyPEM)
                } catch {
                    return harnessError("the DevKit identity for the target cannot be derived: \(error.reason)")
                }
            }
            do {
                let started = try await RecordingProxy.start(upstream: upstream, idScope: target.configuration.idScope, clock: clock,
                                                             host: self.server.host, mqttPort: self.server.mqttPort, httpsPort: self.server.httpsPort,
                                                             transcript: transcript, logger: logger, eventLoops: eventLoops,
                                                             identity: self.server.identity, pacer: pacer)
                proxy = started
                server = started
            } catch {
                return harnessError("the recording proxy to the target could not start on \(self.server.host): \(error)")
            }
        } else {
            do {
                let httpsPort: Int? = httpsAlways || scenario.transport == .https ? self.server.httpsPort : nil
                server = try await FakeDPSServer.start(configuration: scenario.service, clock: clock, host: self.server.host,
                                                       mqttPort: self.server.mqttPort, httpsPort: httpsPort, transcript: transcript,
                                                       logger: logger, eventLoops: eventLoops, identity: self.server.identity)
            } catch {
                return harnessError("the fake DPS could not start on \(self.server.host): \(error)")
            }
        }
        return .success((server, proxy))
    }

    /// Runs the device command of one case; its end, output and report go into `record`.
    private func runProgram(_ command: String, material: CaseMaterial, transcript: Transcript, server: any CaseService,
                            record: inout DeviceRunRecord) async -> (verdicts: [Verdict], report: DeviceReport?) {
        let stop = DeviceStop()
        let process = DeviceProcess(command: command, environment: material.environment, timeLimit: caseTimeout)
        let watcher = Task { await Self.watchForEnd(transcript: transcript, server: server, grace: exitGrace, stop: stop) }
        let result = await process.run(stop: stop)
        watcher.cancel()
        record.end = result.end.description
        if case .exited(let code) = result.end { record.exitStatus = Int(code) }
        record.stdoutTail = material.redact(result.stdout.text)
        record.stderrTail = material.redact(result.stderr.text)
        record.stdoutBytes = result.stdout.total
        record.stderrBytes = result.stderr.total
        let report = DeviceReport.lastObject(in: result.stdout.text, redact: material.redact)
        record.report = report?.fields
        var verdicts: [Verdict] = []
        let lastError = record.stderrTail?.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        switch result.end {
        case .notStarted(let reason):
            verdicts.append(Verdict(requirement: .harness, outcome: .error, expected: ["the device command starts"], observed: reason))
        case .exited(let code) where code == 126 || code == 127:
            // /bin/sh: 127 the command was not found, 126 it could not be executed.
            verdicts.append(Verdict(requirement: .harness, outcome: .error, expected: ["the device command runs"],
                                    observed: "the shell could not run it (status \(code)): \(lastError)"))
        case .timedOut(let seconds):
            verdicts.append(Verdict(requirement: .harness, outcome: .error, expected: ["the device command ends within --case-timeout"],
                                    observed: String(format: "still running after %.0f s; its process group was ended", seconds)))
        default:
            break
        }
        return (verdicts, report)
    }

    /// Sets `stop` once the device got its final answer, has no connection open, and `grace`
    /// passed without the program exiting.
    private static func watchForEnd(transcript: Transcript, server: any CaseService, grace: Duration, stop: DeviceStop) async {
        var quietSince: ContinuousClock.Instant?
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(200))
            let done = server.openConnectionCount == 0 && finalAnswerSent(transcript.snapshot)
            if !done {
                quietSince = nil
                continue
            }
            let since = quietSince ?? ContinuousClock.now
            quietSince = since
            if ContinuousClock.now - since >= grace {
                stop.set()
                return
            }
        }
    }

    /// Whether the service sent a registration state that ends provisioning, or a permanent error.
    static func finalAnswerSent(_ events: [WireEvent]) -> Bool {
        events.contains { event in
            guard event.direction == .toDevice, let exchange = event.exchange, exchange.role == .response,
                  exchange.kind != .statusLookup else { return false }
            if let state = exchange.state, state.isTerminal { return true }
            if let status = exchange.status, (400..<500).contains(status), status != 429 { return true }
            return false
        }
    }

    /// A board on the bench: announce the settings, run the setup command, wait for the board to
    /// connect and then for its final answer and last close (or its deadline).
    private func runBench(_ bench: BenchDevice, scenario: Scenario, material: CaseMaterial, transcript: Transcript, server: any CaseService,
                          record: inout DeviceRunRecord) async -> (verdicts: [Verdict], skip: String?) {
        var settings: [String: String] = [:]
        for placeholder in [Placeholder.host, .mqttPort, .httpsPort, .idScope, .registrationId, .transport, .caFile, .certFile, .keyFile,
                            .chainFile, .udsFile, .firmwareFile, .mapFile, .deadlineSeconds] {
            if let value = material.values[placeholder] { settings[placeholder.rawValue] = value }
        }
        for secret in [Placeholder.symmetricKey, .groupKey] where material.values[secret] != nil {
            settings[secret.rawValue] = "(in \(secret.environmentName) of the setup command)"
        }
        record.settings = settings
        let lines = settings.sorted { $0.key < $1.key }.map { "    \($0.key): \($0.value)" }.joined(separator: "\n")
        bench.announce("case \(scenario.id): set the board to\n" + lines)
        if let setup = bench.setupCommand {
            let command: String
            switch setup.expand(material.values) {
            case .failure(let missing): return ([], missing.reason.replacingOccurrences(of: "device command", with: "device setup command"))
            case .success(let expanded): command = expanded
            }
            let result = await DeviceProcess(command: command, environment: material.environment, timeLimit: caseTimeout).run()
            record.end = "setup command " + result.end.description
            record.stderrTail = material.redact(result.stderr.text)
            record.stdoutTail = material.redact(result.stdout.text)
            guard case .exited(0) = result.end else {
                return ([Verdict(requirement: .harness, outcome: .error, expected: ["the device setup command succeeds"],
                                 observed: "the setup command " + result.end.description)], nil)
            }
        }
        let connectBy = ContinuousClock.now + bench.connectTimeout
        while transcript.snapshot.isEmpty {
            if ContinuousClock.now >= connectBy || Task.isCancelled {
                return ([Verdict(requirement: .harness, outcome: .error, expected: ["the board connects"],
                                 observed: "no connection within \(Int(bench.connectTimeout.seconds)) s of the setup")], nil)
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        let endBy = ContinuousClock.now + min(caseTimeout, scenario.device.deadline + .seconds(10))
        var quietSince: ContinuousClock.Instant?
        while ContinuousClock.now < endBy, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(200))
            if server.openConnectionCount == 0, Self.finalAnswerSent(transcript.snapshot) {
                let since = quietSince ?? ContinuousClock.now
                quietSince = since
                if ContinuousClock.now - since >= .seconds(1) { break }
            } else {
                quietSince = nil
            }
        }
        return ([], nil)
    }

    func verdict(_ id: RequirementID, context: CheckContext) -> Verdict {
        guard let check = CheckLibrary.check(for: id) else {
            return Verdict(requirement: id, outcome: .error, expected: ["a check for \(id)"], observed: "no automated check exists")
        }
        guard check.transports.contains(context.scenario.transport) else {
            return Verdict(requirement: id, outcome: .skip, expected: [],
                           observed: "a rule of \(check.transports.map(\.rawValue).sorted().joined(separator: ", ")); this case runs over \(context.scenario.transport.rawValue)")
        }
        return judged(id, check.evaluate(context), scenario: context.scenario, judgesExternalDevice: context.judgesExternalDevice)
    }

    /// The verdict of a finding once the scenario's expected failures, the user's known failures
    /// and the requirement's level are applied (checks and device scripts alike).
    func judged(_ id: RequirementID, _ finding: Finding, scenario: Scenario, judgesExternalDevice: Bool) -> Verdict {
        var outcome = finding.outcome
        var observed = finding.observed
        if scenario.expectedFailures.contains(id) {
            // A known fault: its failure is expected, and a pass means the case no longer shows it.
            switch outcome {
            case .fail: outcome = .xfail
            case .pass where judgesExternalDevice:
                // The scenario's inputs break this rule for the reference device; an external
                // device that keeps it anyway is not at fault.
                observed = "held, though the scenario expects its inputs to break it (xfail for the reference device): " + observed
            case .skip where judgesExternalDevice:
                observed = "not evaluated; the scenario expects its inputs to break it (xfail for the reference device): " + observed
            case .pass:
                outcome = .fail
                observed = "expected to fail (xfail) but held: " + observed
            case .skip:
                // A fault the case exists to show must show: a check that does not apply shows nothing.
                outcome = .fail
                observed = "expected to fail (xfail) but not evaluated: " + observed
            default: break
            }
        } else if outcome == .fail, let known = knownFailures.entry(for: id, in: scenario.id) {
            // A failure the user declared known (--xfail), with their reason.
            outcome = .xfail
            observed = "known failure (\(known.site): \(known.reason)): " + observed
        } else if outcome == .fail, catalogue[id]?.level != .must {
            // A broken SHOULD is reported, not failed.
            outcome = .warn
        }
        return Verdict(requirement: id, outcome: outcome, expected: finding.expected, observed: observed, evidence: finding.evidence)
    }

    func deviceKey(for scenario: Scenario) -> String {
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

extension DeviceUnderTest {
    /// How reports name it.
    var kindName: String {
        switch self {
        case .reference: "reference"
        case .command: "command"
        case .bench: "wait"
        }
    }
}

/// Why a case does not run against the target.
struct TargetSkip: Error {
    let reason: String
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
