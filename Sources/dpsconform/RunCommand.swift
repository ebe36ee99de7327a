import ArgumentParser
import DPSCore
import FakeDPS
import Foundation
import Inputs
import Reporting
import ScenarioEngine
import Verdicts

/// `dpsconform run`: runs scenarios against the built-in fake and writes the reports.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run conformance scenarios (default: Scenarios/) and write JUnit, JSON, HTML and Markdown reports.",
        discussion: """
            Exit codes: 0 every required check passed, 1 a check failed, 2 bad input, 3 the harness could not run \
            (or the run was interrupted). SIGINT or SIGTERM stops the current case and writes the reports of the cases \
            that finished, marked with the run property 'interrupted'; the reports are replaced as a set, never mixed.
            """)

    @Argument(help: "Scenario files or directories.")
    var paths: [String] = ["Scenarios"]

    @Option(name: .long, help: "Directory the reports are written to.")
    var reports: String = "Reports"

    @Flag(name: .long, help: "Also write junit-strict.xml, valid against the strict Apache Ant JUnit schema (for consumers that validate it).")
    var junitStrict = false

    @Option(name: .long, help: "Requirement catalogue (default: requirements.yaml beside the first path).")
    var requirements: String?

    @Option(name: .long, help: "Run only the cases whose id matches this glob ('*' any run of characters, '?' one); text without '*' or '?' selects the ids that contain it.")
    var filter: String?

    @Option(name: .long, help: ArgumentHelp("Run only the cases whose scenario has this tag (repeatable: any of them).", valueName: "tag"))
    var tag: [String] = []

    @Option(name: .long, help: ArgumentHelp("Run only the cases that check this requirement ID, or one matching this glob (repeatable: any of them).", valueName: "id-or-glob"))
    var requirement: [String] = []

    @Flag(name: .long, help: "Print the cases the selection would run (id, transport, requirements) and exit without running them: 0, or 2 when none is selected.")
    var list = false

    @Option(name: .long, help: ArgumentHelp("Run part K of N of the selected cases (1 <= K <= N): a deterministic split, for parallel CI jobs; merge their reports with 'dpsconform report merge'.", valueName: "K/N"))
    var shard: String?

    @Option(name: .long, help: ArgumentHelp("With --shard: a previous report.json whose cases' wall times balance the shards (longest first; unknown cases count as the median).", valueName: "report.json"))
    var shardDurations: String?

    @Option(name: .long, help: "Wall-time limit of one case, in seconds.")
    var caseTimeout: Int = 120

    @Flag(name: .long, help: "Print only failing and erroring cases (with their broken rules) and the total.")
    var quiet = false

    @Flag(name: .long, help: "Print under each case every verdict that is not a plain pass, with what was expected and what happened.")
    var verbose = false

    @Flag(name: .long, help: "Fail the run (exit 1) unless every catalogued requirement was evaluated by some case and shown failing by some expected-failure case.")
    var requireCoverage = false

    @Option(name: .long, help: "Run only the cases over this transport: mqtt or https.")
    var transport: String?

    @Option(name: .long, help: ArgumentHelp("Judge an external device: this shell command runs once per case, with placeholders such as {host} {mqttPort} {idScope} {registrationId} {symmetricKey} {certFile} {keyFile} {caFile} and the same values in DPS_* variables (docs/device-under-test.md).", valueName: "command"))
    var deviceCommand: String?

    @Option(name: .long, help: "The device: 'reference' (in process; each case's mutant where it names one) or 'wait' (a board on the bench: the harness prints each case's settings and waits for it to connect).")
    var device: String = "reference"

    @Option(name: .long, help: ArgumentHelp("With --device wait: a shell command run before each case with the same placeholders (flash the settings, reset the board).", valueName: "command"))
    var deviceSetupCommand: String?

    @Option(name: .long, help: "With --device wait: seconds the board has to connect after each case's setup.")
    var waitTimeout: Int = 300

    @Option(name: .long, help: "Capability profile of the external device (YAML: transports, attestations, features); cases it cannot take part in are skipped.")
    var profile: String?

    @Option(name: .long, help: "An external device lives on the real clock: cases that would wait longer than this many seconds (retry-after, delays, deadlines) are skipped.")
    var realTimeLimit: Int = 30

    @Option(name: .long, help: "Known failures of the device (YAML list of {requirement, case, reason}): their failures are reported as xfail with the reason.")
    var xfail: String?

    @Option(name: .long, help: "A previous report.json: its failures are known and do not fail the run; new failures do; fixed ones are listed.")
    var baseline: String?

    @Flag(name: .long, help: "With --device-command: also run the cases that name a mutant, telling the command the mutant ({mutant}, DPS_MUTANT); 'dpsconform provision --from-environment' plays it.")
    var externalMutants = false

    @Option(name: .long, help: "Cases run at once, each with its own fake or proxy (default: eight per core, at most 32, for the in-process device; 1 for an external device, a board or a --target, whose request rate holds across all cases). Fixed ports run one at a time.")
    var jobs: Int?

    @Option(name: .long, help: "Address each case's fake listens on (loopback by default; 0.0.0.0 for a board on the bench).")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Fixed MQTT port of each case's fake (0 picks a free one per case).")
    var mqttPort: Int = 0

    @Option(name: .long, help: "Fixed HTTPS port of each case's fake (0 picks a free one per case).")
    var httpsPort: Int = 0

    @Option(name: .long, help: "Keep the CA that signs the fake's server certificates in this directory (created on first use, reused after), so a board trusts it once.")
    var serverCaDir: String?

    @Option(name: .long, help: "A host name or address to put in the server certificate besides localhost and loopback (repeatable).")
    var serverName: [String] = []

    @Option(name: .long, help: ArgumentHelp("Run against another DPS instead of the built-in fake: mqtts://HOST[:PORT], https://HOST[:PORT] (repeatable, one host) or 'azure' (the global device endpoint). Each case's device talks to a recording proxy on loopback that forwards to it (docs/target.md).", valueName: "url"))
    var target: [String] = []

    @Option(name: .long, help: ArgumentHelp("With --target: the YAML naming the ID scope, the CA to trust and the enrollments made on that DPS, by role (docs/target.md).", valueName: "file"))
    var targetConfig: String?

    @Flag(name: .long, help: "With --target: print what each case would send to the target (or why it is skipped), and send nothing.")
    var dryRun = false

    @Option(name: .long, help: ArgumentHelp("A directory of reference recordings ('dpsconform record'): each case that has one is also compared with it (DPS-BEHAV-*).", valueName: "dir"))
    var compareWith: String?

    func validate() throws {
        guard (1...3600).contains(caseTimeout) else { throw ValidationError("--case-timeout must be 1...3600 seconds") }
        if quiet, verbose { throw ValidationError("give --quiet or --verbose, not both") }
        if let transport, ScenarioTransport(rawValue: transport) == nil { throw ValidationError("--transport must be mqtt or https") }
        for tag in tag where !ScenarioTag.isValid(tag) { throw ValidationError("--tag '\(tag)': a tag holds only letters, digits, '-' and '_'") }
        for requirement in requirement where requirement.isEmpty { throw ValidationError("--requirement needs an ID or a glob") }
        if let shard {
            do throws(Shard.ParseError) { _ = try Shard(parsing: shard) } catch { throw ValidationError("--shard \(error)") }
        }
        if shardDurations != nil, shard == nil { throw ValidationError("--shard-durations goes with --shard K/N") }
        guard ["reference", "wait"].contains(device) else { throw ValidationError("--device must be reference or wait") }
        if deviceCommand != nil, device == "wait" { throw ValidationError("give --device-command or --device wait, not both") }
        if deviceSetupCommand != nil, device != "wait" { throw ValidationError("--device-setup-command goes with --device wait") }
        guard (1...86_400).contains(waitTimeout) else { throw ValidationError("--wait-timeout must be 1...86400 seconds") }
        guard (1...86_400).contains(realTimeLimit) else { throw ValidationError("--real-time-limit must be 1...86400 seconds") }
        if let jobs, !(1...64).contains(jobs) { throw ValidationError("--jobs must be 1...64") }
        for (flag, port) in [("--mqtt-port", mqttPort), ("--https-port", httpsPort)] where !(0...65535).contains(port) {
            throw ValidationError("\(flag) must be 0...65535")
        }
        if mqttPort != 0, mqttPort == httpsPort { throw ValidationError("--mqtt-port and --https-port must differ") }
        if !target.isEmpty {
            do throws(TargetAddress.ParseError) { _ = try TargetAddress(parsing: target) } catch { throw ValidationError("--target \(error)") }
            if targetConfig == nil { throw ValidationError("--target needs --target-config FILE (docs/target.md)") }
            if mqttPort != 0 || httpsPort != 0 { throw ValidationError("--mqtt-port/--https-port set the fake's ports; with --target the proxy picks free ones") }
        } else {
            if targetConfig != nil { throw ValidationError("--target-config goes with --target") }
            if dryRun { throw ValidationError("--dry-run goes with --target") }
        }
        for template in [deviceCommand, deviceSetupCommand].compactMap({ $0 }) {
            do { _ = try DeviceCommandTemplate(template) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() async throws {
        let catalogue: RequirementCatalogue
        var scenarios: [Scenario]
        var runner: ScenarioRunner
        do {
            catalogue = try RequirementCatalogue.load(path: requirements ?? defaultCataloguePath())
            runner = ScenarioRunner(catalogue: catalogue, caseTimeout: .seconds(caseTimeout))
            scenarios = try ScenarioLoader.load(paths: paths)
            scenarios = selection.apply(scenarios)
            try catalogue.validate(scenarios)
            if let profile { runner.profile = try CapabilityProfile.load(path: profile) }
            if let xfail { runner.knownFailures = try KnownFailures.load(path: xfail, catalogue: catalogue) }
            if let targetConfig, let address = try? TargetAddress(parsing: target) {
                let configuration = try TargetConfiguration.load(path: targetConfig)
                runner.target = TargetSettings(upstream: address.upstream(configuration: configuration), configuration: configuration)
            }
            if let compareWith { runner.references = try Self.references(in: compareWith) }
        } catch let error as InputError {
            throw Failure(status: ExitStatus.badInput, message: error.description)
        }
        var baselineRun: RunResult?
        if let baseline {
            do { baselineRun = try BaselineComparison.load(path: baseline) } catch {
                throw Failure(status: ExitStatus.badInput, message: error.description)
            }
        }
        guard !scenarios.isEmpty else {
            throw Failure(status: ExitStatus.badInput, message: "no scenario matches \(selection.isEverything ? paths.joined(separator: " ") : selection.flags)")
        }
        let selected = scenarios.count
        var shardNote: String?
        if let shard = parsedShard {
            let durations = try shardDurations.map(Self.durations)
            scenarios = ShardPlan.select(scenarios, id: \.id, shard: shard, durations: durations)
            shardNote = "shard \(shard): \(scenarios.count) of \(selected) selected cases"
                + (shardDurations.map { ", balanced by the wall times in \($0)" } ?? ", round-robin over the sorted case IDs")
        }
        if list {
            for scenario in scenarios {
                Console.line("\(scenario.id)  \(scenario.transport.rawValue)  \(scenario.judgedRequirements.map(\.rawValue).joined(separator: ","))")
            }
            FileHandle.standardError.write(Data("\(scenarios.count) case\(scenarios.count == 1 ? "" : "s")\(shardNote.map { " (\($0))" } ?? "")\n".utf8))
            if scenarios.isEmpty { throw ExitCode(ExitStatus.badInput) }
            return
        }
        let console = ConsoleProgress(total: scenarios.count, detail: quiet ? .quiet : (verbose ? .verbose : .normal))
        try configure(&runner, console: console)
        if dryRun {
            console.stop()
            for scenario in scenarios {
                Console.line("\(scenario.id)  \(scenario.transport.rawValue)\n    " + runner.targetPlan(scenario))
            }
            return
        }
        let configured = runner
        if let shardNote { console.line(shardNote) }
        let started = Date()
        let wall = ContinuousClock.now
        // From here SIGINT and SIGTERM stop the run instead of the process (exit codes in README).
        let interruption = Interruption()
        let finished = FinishedCases<CaseResult>()
        let work = Task {
            await configured.run(scenarios, started: { console.started($0.id) }) { result in
                finished.append(result)
                console.finished(result)
            }
        }
        enum End: Sendable {
            case completed([CaseResult])
            case interrupted(String)
        }
        let end: End = await withCheckedContinuation { continuation in
            let first = FirstOf(continuation)
            Task { first.resume(.completed(await work.value)) }
            Task {
                for await name in interruption.signals {
                    first.resume(.interrupted(name))
                    return
                }
            }
        }
        let targetName = configured.target.map { "\($0.upstream.host) (" + target.joined(separator: " ") + ") through a recording proxy" } ?? "built-in fake DPS"
        var properties = ["tool": "dpsconform " + DPSConform.version, "target": targetName, "scenarios": paths.joined(separator: " "),
                          "device": deviceCommand.map { "command: " + Redaction.text($0) } ?? (device == "wait" ? "a board on the bench (--device wait)" : "reference (in process)")]
        if let transport { properties["transport"] = transport }
        if !selection.isEverything { properties["selection"] = selection.flags }
        if let shard = parsedShard {
            properties[ReportMerge.shardProperty] = shard.description
        }
        if let profile { properties["profile"] = profile }
        if configured.target != nil { properties["clock"] = "real (target); timing tolerance \(ScenarioRunner.realClockTolerance) s" }
        if configured.device.isExternalDevice { properties["clock"] = "real (external device); timing tolerance \(ScenarioRunner.realClockTolerance) s" }
        console.stop()
        let cases: [CaseResult]
        switch end {
        case .completed(let all):
            cases = all
        case .interrupted(let name):
            // The cases that finished before the signal; the current one is cancelled and given a
            // moment to stop its fake and device, but not waited for beyond that.
            cases = finished.snapshot
            work.cancel()
            await Self.wait(for: work, atMost: .seconds(3))
            properties[RunProperty.interrupted] = "\(name) after \(cases.count) of \(scenarios.count) cases"
            Console.line("dpsconform: \(name): run stopped after \(cases.count) of \(scenarios.count) cases; writing their reports")
        }
        let result = RunResult(name: "conformance run of " + paths.joined(separator: " "), startedAt: started, wallSeconds: (ContinuousClock.now - wall).seconds,
                               cases: cases, properties: properties)
        Console.line(ConsoleSummary.totalLine(for: result))
        let writer = ReportWriter(directory: URL(fileURLWithPath: reports), requirements: catalogue.requirements.values.sorted { $0.id < $1.id },
                                  junitStrict: junitStrict)
        withExtendedLifetime(interruption) {}
        let known = configured.knownFailures
        let status = try RunEnding.finish(result, writer: writer, baseline: baselineRun.flatMap { run in baseline.map { (run, $0) } },
                                          coverage: requireCoverage ? catalogue : nil) {
            for entry in known.noLongerFailing(in: result.cases) {
                Console.line("--xfail \(entry.site): \([entry.requirement?.rawValue, entry.caseID].compactMap { $0 }.joined(separator: " in ")) no longer fails")
            }
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// The recordings in `directory` by the case they are of.
    static func references(in directory: String) throws -> [String: [WireEvent]] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw InputError(.unreadableFile, file: directory, "--compare-with: cannot list the directory: \(error.localizedDescription)")
        }
        var references: [String: [WireEvent]] = [:]
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            let recording: ReferenceRecording
            do throws(DPSCoreError) { recording = try ReferenceRecording.load(path: path) } catch {
                throw InputError(.invalidValue, file: path, error.description)
            }
            guard let caseID = recording.recording?.caseID else {
                throw InputError(.missingField, file: path, "$.recording.caseID is missing: --compare-with needs recordings made by 'dpsconform record'")
            }
            references[caseID] = recording.events
        }
        if references.isEmpty { throw InputError(.missingField, file: directory, "--compare-with: no recording (*.json) in the directory") }
        return references
    }

    /// `--shard`, checked by `validate()`.
    private var parsedShard: Shard? { shard.flatMap { try? Shard(parsing: $0) } }

    /// The cases the flags select.
    private var selection: CaseSelection {
        CaseSelection(filter: filter, tags: tag, requirements: requirement, transport: transport.flatMap(ScenarioTransport.init(rawValue:)))
    }

    /// Case ID to wall seconds, from a previous report.json (`--shard-durations`).
    private static func durations(_ path: String) throws -> [String: Double] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(status: ExitStatus.badInput, message: "--shard-durations \(path): cannot read the file")
        }
        do {
            let run = try JSONReport.decode(data, source: path)
            return Dictionary(run.cases.map { ($0.id, $0.wallSeconds) }, uniquingKeysWith: { first, _ in first })
        } catch {
            throw Failure(status: ExitStatus.badInput, message: "--shard-durations \(error)")
        }
    }

    /// Cases run at once in process when `--jobs` is not given: eight per core, at most 32. Most
    /// cases wait (on wait caps, or on the real clock in device scripts); on 2 cores the default
    /// catalogue of 200 cases took 12.1-12.6 s with four per core and 8.5-9.1 s with eight.
    static var inProcessJobs: Int { min(32, max(2, 8 * ProcessInfo.processInfo.activeProcessorCount)) }

    /// The device, its server settings and the run's concurrency, from the flags.
    private func configure(_ runner: inout ScenarioRunner, console: ConsoleProgress) throws {
        runner.realTimeLimit = .seconds(realTimeLimit)
        // In process the cases mostly wait (a run of 200 cases uses about 10 s of CPU): eight per
        // core keep the cores busy, with the same verdicts as one at a time (RunnerTests). An
        // external device's program may not take being run side by side unless the user says so.
        runner.jobs = jobs ?? (deviceCommand == nil && device == "reference" && target.isEmpty ? Self.inProcessJobs : 1)
        runner.externalMutants = externalMutants
        var server = CaseServerSettings()
        server.host = host
        server.mqttPort = mqttPort
        server.httpsPort = httpsPort
        var authority: ServerAuthority?
        if let serverCaDir {
            do { authority = try ServerAuthority.stable(in: URL(fileURLWithPath: serverCaDir)) } catch {
                throw Failure(status: ExitStatus.badInput, message: "--server-ca-dir: \(error)")
            }
        }
        server.identity = FakeDPSServer.ServerIdentity(adding: serverName + (host == "0.0.0.0" || host == "::" ? [] : [host]), authority: authority)
        runner.server = server
        if let deviceCommand {
            runner.device = .command(try DeviceCommandTemplate(deviceCommand))
        } else if device == "wait" {
            let setup = try deviceSetupCommand.map { try DeviceCommandTemplate($0) }
            runner.device = .bench(BenchDevice(setupCommand: setup, connectTimeout: .seconds(waitTimeout)) { text in console.line(text) })
            runner.jobs = 1
        }
    }

    /// Waits for `task` to end, or for `limit`, whichever is first.
    private static func wait<T: Sendable>(for task: Task<T, Never>, atMost limit: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let first = FirstOf(continuation)
            Task { _ = await task.value; first.resume(()) }
            Task { try? await Task.sleep(for: limit); first.resume(()) }
        }
    }

    private func defaultCataloguePath() -> String {
        let first = paths.first ?? "Scenarios"
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: first, isDirectory: &isDirectory)
        let directory = isDirectory.boolValue ? first : (first as NSString).deletingLastPathComponent
        return ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent(RequirementCatalogue.fileName)
    }
}
