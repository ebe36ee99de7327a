#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Device
import FakeDPS
import Foundation
import Fuzzing
import Inputs
import Reporting
import ScenarioEngine
import Synchronization
import Verdicts

/// `dpsconform fuzz TARGET` (docs/fuzzing.md): seeded cases against the fake, judged by the target's
/// oracle; a summary case per target and a failing case (with a replayable scenario) per violation.
struct FuzzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Fuzz the fake DPS (registration IDs, malformed certificates, MQTT sessions, HTTPS requests) or a device (mutated responses), judged by an oracle; write the usual reports.",
        discussion: "Targets: registration-ids, certificates, responses, mqtt, http. The same --seed gives the same cases byte for byte. "
            + "Exit codes: 0 no violation, 1 a violation (each with a reproducer scenario under the report directory where a device can replay it), 2 bad input, 3 the harness could not run.")

    @Argument(help: "What to fuzz: registration-ids, certificates, responses, mqtt or http.")
    var fuzzTarget: String

    @Option(name: .long, help: "Seed of the case generator (same seed, same cases).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Number of cases (default: 200 for registration-ids, one pass over the corpus on each transport for certificates, 50 for responses, 100 for mqtt and http).")
    var cases: Int?

    @Option(name: .long, help: "Run for this many seconds instead of a number of cases.")
    var duration: Double?

    @Option(name: .customLong("target"), help: ArgumentHelp(
        "Where cases go: 'fake' (the in-process fake, default), or an endpoint: mqtts://HOST[:PORT], https://HOST[:PORT] (both: give --target twice) or azure. "
            + "An endpoint needs --target-config (docs/target.md): its ID scope, trust, request rate and a 'group' enrollment whose devices the cases are.",
        valueName: "fake|URL"))
    var destinations: [String] = []

    @Option(name: .long, help: "The target configuration of an endpoint (docs/target.md).")
    var targetConfig: String?

    @Flag(name: .long, help: "An endpoint trusts this seed's corpus CA (group-ca.pem of 'fuzz certificates --write-corpus', enrolled as an X.509 group): X.509 cases are sent too.")
    var corpusCAEnrolled = false

    @Option(name: .long, help: "Device: reference or mutant:NAME (the device of the responses target, and the one reproducers name).")
    var device: String = "reference"

    @Option(name: .long, help: "responses only: an external device program started for each case, as for 'run' (docs/device-under-test.md).")
    var deviceCommand: String?

    @Option(name: .long, help: "Transport: mqtt or https (repeat for both; default both).")
    var transport: [String] = []

    @Option(name: .long, help: "Registration-ID rule profile of the oracle and the fake: documented, spec or legacy-lowercase.")
    var profile: String = "documented"

    @Option(name: .long, help: "Seconds every exchange may take before it counts as a hang.")
    var deadline: Int = 5

    @Option(name: .long, help: "Directory the reports and reproducers are written to.")
    var reports: String = "Reports/fuzz"

    @Option(name: .long, help: "certificates only: write the corpus (DER, PEM, manifest.json) to this directory.")
    var writeCorpus: String?

    func validate() throws {
        guard FuzzTargetName(rawValue: fuzzTarget) != nil else {
            throw ValidationError("unknown fuzz target '\(fuzzTarget)'; available: \(FuzzTargetName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if cases != nil, duration != nil { throw ValidationError("give --cases or --duration, not both") }
        if let cases, !(1...10_000_000).contains(cases) { throw ValidationError("--cases must be 1...10000000") }
        if let duration, !(duration > 0 && duration <= 86_400) { throw ValidationError("--duration must be more than 0 and at most 86400 seconds") }
        if let address = try endpointAddress() {
            guard targetConfig != nil else { throw ValidationError("--target \(address) needs --target-config FILE (docs/target.md)") }
            switch FuzzTargetName(rawValue: fuzzTarget) {
            case .responses?:
                throw ValidationError("the responses target fuzzes a device against the fake's answers; --target does not apply")
            case .certificates? where !corpusCAEnrolled:
                throw ValidationError("the certificates target needs an endpoint that trusts the corpus CA: enrol group-ca.pem of --write-corpus "
                                      + "(same --seed) as an X.509 enrollment group and add --corpus-ca-enrolled (docs/fuzzing.md)")
            default:
                break
            }
            let offered = Set([address.mqttPort.map { _ in FuzzTransport.mqtt }, address.httpsPort.map { _ in FuzzTransport.https }].compactMap { $0 })
            for name in transport {
                if let kind = FuzzTransport(rawValue: name), !offered.contains(kind) {
                    throw ValidationError("--transport \(name): --target \(address) has no \(name) endpoint")
                }
            }
            if fuzzTarget == FuzzTargetName.mqtt.rawValue, address.mqttPort == nil { throw ValidationError("the mqtt target needs an mqtts:// --target") }
            if fuzzTarget == FuzzTargetName.http.rawValue, address.httpsPort == nil { throw ValidationError("the http target needs an https:// --target") }
        } else if targetConfig != nil || corpusCAEnrolled {
            throw ValidationError("--target-config and --corpus-ca-enrolled apply to an endpoint --target only")
        }
        do { _ = try DeviceProfile(parsing: device) } catch { throw ValidationError("--device: \(error)") }
        for name in transport where FuzzTransport(rawValue: name) == nil {
            throw ValidationError("--transport must be mqtt or https, not '\(name)'")
        }
        guard RegistrationIDProfile(rawValue: profile) != nil else {
            throw ValidationError("--profile must be one of \(RegistrationIDProfile.allCases.map(\.rawValue).joined(separator: ", ")), not '\(profile)'")
        }
        if !(1...300).contains(deadline) { throw ValidationError("--deadline must be 1...300 seconds") }
        if writeCorpus != nil, fuzzTarget != FuzzTargetName.certificates.rawValue { throw ValidationError("--write-corpus applies to the certificates target only") }
        if let deviceCommand {
            guard fuzzTarget == FuzzTargetName.responses.rawValue else { throw ValidationError("--device-command applies to the responses target only") }
            do { _ = try DeviceCommandTemplate(deviceCommand) } catch { throw ValidationError("--device-command: \(error)") }
        }
        if let writeCorpus, writeCorpus.isEmpty { throw ValidationError("--write-corpus must name a directory") }
        if reports.isEmpty { throw ValidationError("--reports must name a directory") }
    }

    /// The endpoint of `--target`, nil for the fake.
    private func endpointAddress() throws -> TargetAddress? {
        guard !destinations.isEmpty, destinations != ["fake"] else { return nil }
        if destinations.contains("fake") { throw ValidationError("--target fake cannot be combined with an endpoint") }
        do {
            return try TargetAddress(parsing: destinations)
        } catch {
            throw ValidationError("--target: \(error.description)")
        }
    }

    /// The endpoint destination of `--target` and `--target-config`, nil for the fake.
    private func endpoint() throws -> EndpointDestination? {
        guard let address = try endpointAddress(), let targetConfig else { return nil }
        let configuration: TargetConfiguration
        do {
            configuration = try TargetConfiguration.load(path: targetConfig)
        } catch {
            throw Failure(status: ExitStatus.badInput, message: "\(error)")
        }
        do {
            return try EndpointDestination(address: address, configuration: configuration, corpusCAEnrolled: corpusCAEnrolled)
        } catch {
            throw Failure(status: ExitStatus.badInput, message: error.description)
        }
    }

    func run() async throws {
        let target = FuzzTargetName(rawValue: fuzzTarget) ?? .registrationIDs
        let endpoint = try endpoint()
        let offered = endpoint?.transports ?? FuzzTransport.allCases
        let transports = transport.isEmpty ? offered : Array(Set(transport.compactMap(FuzzTransport.init(rawValue:)))).sorted { $0.rawValue < $1.rawValue }
        var settings = FuzzSettings(seed: seed, budget: .cases(200), transports: transports,
                                    profile: RegistrationIDProfile(rawValue: profile) ?? .documented, device: device, deadline: .seconds(deadline))
        let catalogue = try requirementList()
        let started = Date()
        let outcome: FuzzTargetOutcome
        do {
            switch target {
            case .registrationIDs:
                settings.budget = budget(default: 200)
                let fuzzer = try RegistrationIDFuzzer(settings: settings)
                outcome = try await run(target, setup: fuzzer.serviceSetup(), endpoint: endpoint) { destination, progress in
                    await fuzzer.run(against: destination, progress: progress)
                }
            case .certificates:
                let fuzzer = try CertificateFuzzer(settings: settings)
                if let writeCorpus {
                    let manifest = try CorpusWriter.write(fuzzer.corpus, seed: seed, to: URL(fileURLWithPath: writeCorpus))
                    Console.line("Corpus: \(manifest.entries.count) certificates of \(manifest.classes) malformation classes (and their controls) in \(writeCorpus)")
                }
                settings.budget = budget(default: fuzzer.passLength)
                let bounded = try CertificateFuzzer(settings: settings)
                outcome = try await run(target, setup: bounded.serviceSetup(), endpoint: endpoint) { destination, progress in
                    await bounded.run(against: destination, progress: progress)
                }
            case .responses:
                settings.budget = budget(default: 50)
                outcome = try await runResponses(settings)
            case .mqtt:
                settings.budget = budget(default: 100)
                let fuzzer = try MQTTPacketFuzzer(settings: settings)
                outcome = try await run(target, setup: fuzzer.serviceSetup(), endpoint: endpoint) { destination, progress in
                    await fuzzer.run(against: destination, progress: progress)
                }
            case .http:
                settings.budget = budget(default: 100)
                let fuzzer = try HTTPRequestFuzzer(settings: settings)
                outcome = try await run(target, setup: fuzzer.serviceSetup(), endpoint: endpoint) { destination, progress in
                    await fuzzer.run(against: destination, progress: progress)
                }
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(status: ExitStatus.harnessFailed, message: "the fuzz run could not start: \(error)")
        }
        let directory = URL(fileURLWithPath: reports)
        let reproducers = try writeReproducers(outcome, to: directory)
        let cases = FuzzCaseResults.make(outcome, reproducers: reproducers)
        for item in cases { Console.line(ConsoleSummary.line(for: item)) }
        Console.line(String(format: "%@: %d cases in %.1f s (%.1f cases/s over TLS, %@ build), %d violation(s)", target.rawValue, outcome.casesRun,
                            outcome.wallSeconds, outcome.casesPerSecond, BenchCommand.buildConfiguration, outcome.violations.count))
        let result = RunResult(name: "dpsconform fuzz \(target.rawValue)", startedAt: started, wallSeconds: outcome.wallSeconds, cases: cases,
                               properties: ["tool": "dpsconform \(DPSConform.version)", "fuzzTarget": target.rawValue, "seed": String(seed),
                                            "destination": endpoint.map { "\($0.host) (\($0.transports.map(\.rawValue).joined(separator: ", ")))" } ?? "fake",
                                            "profile": profile, "transports": transports.map(\.rawValue).joined(separator: ","),
                                            "build": BenchCommand.buildConfiguration])
        let writer = ReportWriter(directory: directory, requirements: catalogue)
        let status = try RunEnding.finish(result, writer: writer, baseline: nil, coverage: nil)
        if status != 0 { throw ExitCode(status) }
    }

    private func budget(default count: Int) -> FuzzBudget {
        if let duration { return .duration(.milliseconds(Int64(duration * 1000))) }
        return .cases(cases ?? count)
    }

    /// The responses target: each case is a scenario run by the scenario runner (its own fake per case).
    private func runResponses(_ settings: FuzzSettings) async throws -> FuzzTargetOutcome {
        let catalogue: RequirementCatalogue
        do {
            catalogue = try RequirementCatalogue.load(path: "Scenarios/" + RequirementCatalogue.fileName)
        } catch {
            throw Failure(status: ExitStatus.badInput, message: "the responses target needs the requirement catalogue: \(error)")
        }
        var device = DeviceUnderTest.reference
        if let deviceCommand { device = .command(try DeviceCommandTemplate(deviceCommand)) }
        let fuzzer = ResponseFuzzer(settings: settings, catalogue: catalogue, device: device, deadlineSeconds: deviceCommand == nil ? 60 : 20)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-fuzz-responses-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let line = FuzzProgressLine(target: FuzzTargetName.responses.rawValue)
        let outcome = await fuzzer.run(workDirectory: work) { done, violations in line.update(done: done, violations: violations) }
        line.stop()
        return outcome
    }

    /// Runs `body` against `endpoint`, or against the fake started for `setup`, with a progress line; stops the fake.
    private func run(_ target: FuzzTargetName, setup: FuzzServiceSetup, endpoint: EndpointDestination? = nil,
                     _ body: (any CaseDestination, @escaping @Sendable (Int, Int) -> Void) async -> FuzzTargetOutcome) async throws -> FuzzTargetOutcome {
        let destination: any CaseDestination
        if let endpoint {
            destination = endpoint
        } else {
            do {
                destination = try await FakeDestination.start(setup)
            } catch {
                throw Failure(status: ExitStatus.harnessFailed, message: "the fake DPS could not start: \(error)")
            }
        }
        let line = FuzzProgressLine(target: target.rawValue)
        let outcome = await body(destination) { done, violations in line.update(done: done, violations: violations) }
        line.stop()
        await destination.stop()
        return outcome
    }

    /// Writes each violation's reproducer under `reproducers/`; returns their paths by violation.
    private func writeReproducers(_ outcome: FuzzTargetOutcome, to directory: URL) throws -> [Int: String] {
        var written: [Int: String] = [:]
        let folder = directory.appendingPathComponent("reproducers")
        // `dpsconform run FILE` reads the catalogue beside the file: a copy makes the folder self-contained.
        let catalogue = "Scenarios/" + RequirementCatalogue.fileName
        if !outcome.violations.isEmpty, FileManager.default.fileExists(atPath: catalogue) {
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let copy = folder.appendingPathComponent(RequirementCatalogue.fileName)
            try? FileManager.default.removeItem(at: copy)
            try? FileManager.default.copyItem(atPath: catalogue, toPath: copy.path)
        }
        for (index, violation) in outcome.violations.enumerated() {
            guard let yaml = violation.reproducer else { continue }
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                // Named for the case (and the violation's number, as a case may break more than one rule).
                let slug = violation.caseName.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
                let name = "seed-\(outcome.seed)-\(String(slug))-\(index).yaml"
                let url = folder.appendingPathComponent(name)
                // A reproducer may hold a throwaway test key of the fuzz run: private to the user.
                guard FileManager.default.createFile(atPath: url.path, contents: Data(yaml.utf8), attributes: [.posixPermissions: 0o600]) else {
                    throw CocoaError(.fileWriteUnknown)
                }
                written[index] = directory.path + "/reproducers/" + name
            } catch {
                throw Failure(status: ExitStatus.harnessFailed, message: "cannot write the reproducer \(folder.path): \(error)")
            }
        }
        return written
    }

    private func requirementList() throws -> [Requirement] {
        let path = "Scenarios/" + RequirementCatalogue.fileName
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        do {
            return try RequirementCatalogue.load(path: path).requirements.values.sorted { $0.id < $1.id }
        } catch {
            throw Failure(status: ExitStatus.badInput, message: "\(error)")
        }
    }
}

/// The progress line of a fuzz run: on a terminal, redrawn in place after each case (at most ten
/// times a second); elsewhere nothing until the end.
final class FuzzProgressLine: Sendable {
    private let target: String
    private let live: Bool
    private let started = ContinuousClock.now
    private let lastDrawn = Mutex<ContinuousClock.Instant?>(nil)

    init(target: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.target = target
        live = isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }

    func update(done: Int, violations: Int) {
        guard live else { return }
        let now = ContinuousClock.now
        let due = lastDrawn.withLock { last -> Bool in
            if let last, now - last < .milliseconds(100) { return false }
            last = now
            return true
        }
        guard due else { return }
        let seconds = Int((now - started).seconds)
        let text = String(format: "\r\u{1B}[2K[fuzz %@] %d cases, %d violation(s), %02d:%02d", target, done, violations, seconds / 60, seconds % 60)
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    func stop() {
        guard live else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8))
    }
}
