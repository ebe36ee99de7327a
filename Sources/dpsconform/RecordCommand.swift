import ArgumentParser
import DPSCore
import FakeDPS
import Foundation
import Inputs
import ScenarioEngine
import Synchronization
import Verdicts

/// `dpsconform record`: saves what a device and a service said to each other, as recordings
/// (docs/recordings.md): by running scenarios (against the built-in fake or a `--target`), or
/// as a proxy between any device and any DPS (`--proxy`).
struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record exchanges as versioned, sanitised transcripts: of scenario cases (against the fake or --target), or through a proxy (--proxy).",
        discussion: """
            Without --proxy: runs the selected cases (mutant cases excepted) and writes one recording per case that ran to --out. \
            With --proxy: listens on --listen, forwards each device connection to --upstream (its certificate verified), and \
            writes one recording of everything on SIGINT/SIGTERM, after --duration, or once --connections device connections ended. \
            Exit codes: 0 recorded, 2 bad input, 3 the upstream could not be reached or trusted (the device side is closed cleanly).
            """)

    @Argument(help: "Scenario files or directories (without --proxy).")
    var paths: [String] = ["Scenarios"]

    @Option(name: .long, help: "Directory the recordings are written to.")
    var out: String

    @Option(name: .long, help: ArgumentHelp("Keep this kind of value as recorded instead of replacing it: \(RecordingSanitiser.Field.allCases.map(\.rawValue).joined(separator: ", ")) or all (repeatable).", valueName: "field"))
    var keep: [String] = []

    @Flag(name: .long, help: "Also write a scenario beside each recording that replays it to a device (replay:).")
    var asScenario = false

    @Option(name: .long, help: "Record only the cases whose id matches this glob.")
    var filter: String?

    @Option(name: .long, help: ArgumentHelp("Record only the cases whose scenario has this tag (repeatable).", valueName: "tag"))
    var tag: [String] = []

    @Option(name: .long, help: "Record only the cases over this transport: mqtt or https.")
    var transport: String?

    @Option(name: .long, help: ArgumentHelp("Record against another DPS: mqtts://HOST[:PORT], https://HOST[:PORT] (repeatable) or azure, with --target-config.", valueName: "url"))
    var target: [String] = []

    @Option(name: .long, help: ArgumentHelp("With --target: the YAML naming the ID scope, the CA to trust and the enrollments by role (docs/target.md).", valueName: "file"))
    var targetConfig: String?

    @Option(name: .long, help: ArgumentHelp("The device: a shell command run once per case, as for 'run --device-command'.", valueName: "command"))
    var deviceCommand: String?

    @Option(name: .long, help: "Cases recorded at once (default 1 against a target or with a device command, else eight per core).")
    var jobs: Int?

    @Option(name: .long, help: "Wall-time limit of one case, in seconds.")
    var caseTimeout: Int = 120

    @Flag(name: .long, help: "Record as a proxy between a device and a DPS instead of running scenarios.")
    var proxy = false

    @Option(name: .long, help: ArgumentHelp("With --proxy: where devices connect, [HOST:]PORT (loopback when no host is given).", valueName: "address"))
    var listen: String?

    @Option(name: .long, help: ArgumentHelp("With --proxy: the DPS to forward to, mqtts://HOST[:PORT] or https://HOST[:PORT].", valueName: "url"))
    var upstream: String?

    @Option(name: .long, help: ArgumentHelp("With --proxy: PEM file of the CA that issued the upstream's certificate (default: the system trust store).", valueName: "file"))
    var upstreamCa: String?

    @Option(name: .long, help: ArgumentHelp("With --proxy: the name the upstream's certificate must carry, when it differs from the host dialled.", valueName: "name"))
    var upstreamServerName: String?

    @Option(name: .long, help: ArgumentHelp("With --proxy: a certificate chain (PEM, leaf first) to present upstream for an X.509 device, with --upstream-key.", valueName: "file"))
    var upstreamCertificate: String?

    @Option(name: .long, help: ArgumentHelp("With --proxy: the private key (PEM) of --upstream-certificate.", valueName: "file"))
    var upstreamKey: String?

    @Option(name: .long, help: "With --proxy: the ID scope written to the endpoint file for the device.")
    var idScope: String = "0ne00000000"

    @Option(name: .long, help: "With --proxy: stop after this many seconds.")
    var duration: Int?

    @Option(name: .long, help: "With --proxy: stop once this many device connections have ended.")
    var connections: Int?

    @Option(name: .long, help: "With --proxy: requests per second forwarded upstream (0 = no limit); every retry-after is honoured.")
    var requestsPerSecond: Double = UpstreamPacing.defaultRequestsPerSecond

    func validate() throws {
        for field in keep where field != "all" && RecordingSanitiser.Field(rawValue: field) == nil {
            throw ValidationError("--keep \(field): one of \(RecordingSanitiser.Field.allCases.map(\.rawValue).joined(separator: ", ")) or all")
        }
        if let transport, ScenarioTransport(rawValue: transport) == nil { throw ValidationError("--transport must be mqtt or https") }
        if proxy {
            guard listen != nil, upstream != nil else { throw ValidationError("--proxy needs --listen [HOST:]PORT and --upstream URL") }
            if !target.isEmpty || targetConfig != nil || deviceCommand != nil {
                throw ValidationError("--proxy records a device that connects to it; --target, --target-config and --device-command go without --proxy")
            }
            if (upstreamCertificate == nil) != (upstreamKey == nil) { throw ValidationError("give --upstream-certificate and --upstream-key together") }
            if let duration, duration < 1 { throw ValidationError("--duration must be at least 1") }
            if let connections, connections < 1 { throw ValidationError("--connections must be at least 1") }
            guard requestsPerSecond >= 0, requestsPerSecond <= 100 else { throw ValidationError("--requests-per-second must be 0...100") }
        } else {
            if listen != nil || upstream != nil { throw ValidationError("--listen and --upstream go with --proxy") }
            if !target.isEmpty {
                do throws(TargetAddress.ParseError) { _ = try TargetAddress(parsing: target) } catch { throw ValidationError("--target \(error)") }
                if targetConfig == nil { throw ValidationError("--target needs --target-config FILE") }
            } else if targetConfig != nil {
                throw ValidationError("--target-config goes with --target")
            }
            if let deviceCommand { do { _ = try DeviceCommandTemplate(deviceCommand) } catch { throw ValidationError("\(error)") } }
            if let jobs, !(1...64).contains(jobs) { throw ValidationError("--jobs must be 1...64") }
        }
    }

    private var sanitiser: RecordingSanitiser? {
        if keep.contains("all") { return nil }
        return RecordingSanitiser(keep: Set(keep.compactMap(RecordingSanitiser.Field.init(rawValue:))))
    }

    private var keptNames: [String] {
        keep.contains("all") ? RecordingSanitiser.Field.allCases.map(\.rawValue) : keep.sorted()
    }

    func run() async throws {
        let directory = URL(fileURLWithPath: out)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure(status: ExitStatus.badInput, message: "--out \(out): \(error.localizedDescription)")
        }
        if proxy { try await runProxy(directory) } else { try await runCases(directory) }
    }

    // MARK: Cases

    private func runCases(_ directory: URL) async throws {
        var runner: ScenarioRunner
        var scenarios: [Scenario]
        do {
            let first = paths.first ?? "Scenarios"
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: first, isDirectory: &isDirectory)
            let base = isDirectory.boolValue ? first : (first as NSString).deletingLastPathComponent
            let catalogue = try RequirementCatalogue.load(path: ((base.isEmpty ? "." : base) as NSString).appendingPathComponent(RequirementCatalogue.fileName))
            scenarios = try ScenarioLoader.load(paths: paths)
            let selection = CaseSelection(filter: filter, tags: tag, requirements: [], transport: transport.flatMap(ScenarioTransport.init(rawValue:)))
            scenarios = selection.apply(scenarios).filter { if case .mutant = $0.device.profile { return false }; return true }
            try catalogue.validate(scenarios)
            runner = ScenarioRunner(catalogue: catalogue, caseTimeout: .seconds(caseTimeout))
            if let targetConfig, let address = try? TargetAddress(parsing: target) {
                let configuration = try TargetConfiguration.load(path: targetConfig)
                runner.target = TargetSettings(upstream: address.upstream(configuration: configuration), configuration: configuration)
            }
        } catch let error as InputError {
            throw Failure(status: ExitStatus.badInput, message: error.description)
        }
        guard !scenarios.isEmpty else { throw Failure(status: ExitStatus.badInput, message: "no scenario case is selected") }
        if let deviceCommand { runner.device = .command(try DeviceCommandTemplate(deviceCommand)) }
        runner.jobs = jobs ?? (runner.target == nil && deviceCommand == nil ? RunCommand.inProcessJobs : 1)
        let service = runner.target.map { "\($0.upstream.host) (" + target.joined(separator: " ") + ")" } ?? "built-in fake DPS"
        let deviceName = deviceCommand.map { "command: " + Redaction.text($0) } ?? "reference (in process)"
        let results = await runner.run(scenarios)
        var written = 0
        var problems = 0
        for (scenario, result) in zip(scenarios, results) {
            if let skip = result.verdicts.first(where: { $0.requirement == .harness && $0.outcome == .skip }) {
                Console.line("SKIP  \(result.id): \(skip.observed)")
                continue
            }
            if let error = result.verdicts.first(where: { $0.requirement == .harness && $0.outcome == .error }) {
                Console.line("ERROR \(result.id): \(error.observed)")
                problems += 1
                continue
            }
            let name = Self.fileName(result.id)
            let info = RecordingInfo(caseID: result.id, transport: scenario.transport.rawValue, role: runner.targetRole(scenario)?.rawValue,
                                     service: service, device: deviceName, sanitised: sanitiser != nil, kept: keptNames)
            let events = try sanitiser.map { try $0.sanitise(result.transcript) } ?? result.transcript
            let file = directory.appendingPathComponent(name + ".json")
            try TranscriptFile(events: events, recording: info).encoded().write(to: file, options: .atomic)
            if asScenario {
                let scenarioText = ReplayScenarioText.make(caseID: result.id, recordingFile: name + ".json", transport: scenario.transport,
                                                           events: events, service: service)
                try Data(scenarioText.utf8).write(to: directory.appendingPathComponent(name + ".scenario.yaml"), options: .atomic)
            }
            written += 1
            Console.line("REC   \(result.id) -> \(file.path) (\(events.count) events)")
        }
        Console.line("Recorded \(written) of \(scenarios.count) case(s) into \(directory.path)")
        if problems > 0 { throw ExitCode(ExitStatus.harnessFailed) }
    }

    /// A case ID as a file name: `symmetric-key/assigned/mqtt` becomes `symmetric-key__assigned__mqtt`.
    static func fileName(_ caseID: String) -> String {
        caseID.replacingOccurrences(of: "/", with: "__").replacingOccurrences(of: ":", with: "_")
    }

    // MARK: Proxy

    private func runProxy(_ directory: URL) async throws {
        guard let listen, let upstreamText = upstream else { return }
        let address: TargetAddress
        do throws(TargetAddress.ParseError) { address = try TargetAddress(parsing: [upstreamText]) } catch {
            throw Failure(status: ExitStatus.badInput, message: "--upstream \(error)")
        }
        let (host, port) = try Self.listenAddress(listen)
        var trust = ProxyUpstream.Trust.system
        if let upstreamCa {
            guard let text = try? String(contentsOfFile: upstreamCa, encoding: .utf8), text.contains("BEGIN CERTIFICATE") else {
                throw Failure(status: ExitStatus.badInput, message: "--upstream-ca \(upstreamCa): not a readable PEM file of CA certificates")
            }
            trust = .caFile(upstreamCa)
        }
        var identity: ProxyUpstream.ClientIdentity?
        if let upstreamCertificate, let upstreamKey {
            guard let chain = try? String(contentsOfFile: upstreamCertificate, encoding: .utf8),
                  let key = try? String(contentsOfFile: upstreamKey, encoding: .utf8) else {
                throw Failure(status: ExitStatus.badInput, message: "--upstream-certificate/--upstream-key: cannot read the files")
            }
            identity = ProxyUpstream.ClientIdentity(chainPEM: chain, keyPEM: key)
        }
        let pacing = UpstreamPacing(requestsPerSecond: requestsPerSecond > 0 ? requestsPerSecond : nil, honoursRetryAfter: true)
        let upstream = ProxyUpstream(host: address.host, mqttPort: address.mqttPort, httpsPort: address.httpsPort, trust: trust,
                                     serverName: upstreamServerName, clientIdentity: identity, pacing: pacing)
        let transcript = Transcript()
        let proxy: RecordingProxy
        do {
            proxy = try await RecordingProxy.start(upstream: upstream, idScope: idScope, clock: SystemClock(), host: host,
                                                   mqttPort: address.mqttPort == nil ? 0 : port, httpsPort: address.httpsPort == nil ? 0 : port,
                                                   transcript: transcript, eventLoops: .dedicated(threads: 1),
                                                   identity: FakeDPSServer.ServerIdentity(adding: host == "0.0.0.0" ? [] : [host], authority: nil))
        } catch {
            throw Failure(status: ExitStatus.badInput, message: "the proxy cannot start on \(listen) for \(upstreamText): \(error)")
        }
        let caFile = directory.appendingPathComponent("proxy-ca.pem")
        try Data(proxy.caCertificatePEM.utf8).write(to: caFile, options: .atomic)
        let endpoint = proxy.endpoint(caFile: caFile.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(endpoint).write(to: directory.appendingPathComponent("endpoint.json"), options: .atomic)
        Console.line("proxy: listening on \(host):\(proxy.mqttPort ?? proxy.httpsPort ?? 0) for \(upstreamText); devices trust \(caFile.path) (endpoint file \(directory.appendingPathComponent("endpoint.json").path))")

        let interruption = Interruption()
        let signalled = SignalSeen()
        let watcher = Task {
            for await _ in interruption.signals {
                signalled.set()
                return
            }
        }
        let stopAt = duration.map { ContinuousClock.now + .seconds($0) }
        var upstreamFailed = false
        while !signalled.isSet {
            if let stopAt, ContinuousClock.now >= stopAt { break }
            if let connections {
                let ended = transcript.snapshot.filter { if case .closed? = $0.note { return true }; return false }.count
                if ended >= connections, proxy.openConnectionCount == 0 { break }
            }
            if !proxy.failures.all.isEmpty, proxy.openConnectionCount == 0 {
                upstreamFailed = true
                break
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        watcher.cancel()
        withExtendedLifetime(interruption) {}
        await proxy.awaitConnectionsClosed(within: .seconds(2))
        await proxy.stop()
        let events = try sanitiser.map { try $0.sanitise(transcript.snapshot) } ?? transcript.snapshot
        let transportName = address.mqttPort != nil ? "mqtt" : "https"
        let info = RecordingInfo(caseID: "proxy", transport: transportName, role: nil, service: upstreamText,
                                 device: "a device connected to the proxy", sanitised: sanitiser != nil, kept: keptNames)
        let file = directory.appendingPathComponent("proxy-recording.json")
        try TranscriptFile(events: events, recording: info).encoded().write(to: file, options: .atomic)
        if asScenario {
            let text = ReplayScenarioText.make(caseID: "proxy", recordingFile: "proxy-recording.json", transport: address.mqttPort != nil ? .mqtt : .https,
                                               events: events, service: upstreamText)
            try Data(text.utf8).write(to: directory.appendingPathComponent("proxy-recording.scenario.yaml"), options: .atomic)
        }
        Console.line("proxy: \(events.count) events recorded into \(file.path)")
        if upstreamFailed || !proxy.failures.all.isEmpty {
            throw Failure(status: ExitStatus.harnessFailed,
                          message: "the upstream failed: " + Array(Set(proxy.failures.all)).sorted().joined(separator: "; ") + "; the device side was closed")
        }
    }

    /// `PORT`, `HOST:PORT` or `[IPv6]:PORT`; loopback when no host is given.
    static func listenAddress(_ text: String) throws -> (String, Int) {
        var host = "127.0.0.1"
        var portText = text
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = String(text[text.index(after: close)...].dropFirst())
        } else if let colon = text.lastIndex(of: ":") {
            if colon != text.startIndex { host = String(text[..<colon]) }
            portText = String(text[text.index(after: colon)...])
        }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw Failure(status: ExitStatus.badInput, message: "--listen \(text): expected [HOST:]PORT with a port of 0...65535")
        }
        return (host, port)
    }
}

/// Whether SIGINT or SIGTERM has arrived (set once by the task that reads them).
final class SignalSeen: Sendable {
    private let seen = Mutex(false)

    func set() { seen.withLock { $0 = true } }

    var isSet: Bool { seen.withLock { $0 } }
}
