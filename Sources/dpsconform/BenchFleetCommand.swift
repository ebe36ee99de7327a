#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import DPSCore
import FakeDPS
import Fleet
import Foundation
import Inputs

/// `dpsconform bench fleet`: provision a simulated fleet and measure it (docs/bench.md).
struct BenchFleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Provision N simulated devices, C at a time, over MQTT or HTTPS; report exchanges/s and per-phase percentiles.",
        discussion: """
            Without --target the fake runs in this process (a group enrollment, throttling off, one event-loop \
            thread per core) and its peak memory is reported. With --target the devices provision against that \
            endpoint, at most --rate requests per second (default 2 for an endpoint that is not loopback). \
            Exit 0 when every device was assigned, 1 when some were not, 2 bad input, 3 the run could not start.
            """)

    @Option(name: .long, help: "Devices in the fleet (all shards together).")
    var devices: Int = 1000

    @Option(name: .long, help: "Devices provisioning at the same time (in this process).")
    var concurrency: Int = 64

    @Option(name: .long, help: "mqtt, https, or mqtt-broker (plain MQTT publish/subscribe round trips with a broker such as mosquitto; needs --target).")
    var transport: String = "mqtt"

    @Option(name: .long, help: "The endpoint: mqtts://HOST:PORT or https://HOST:PORT. Without it, the fake runs in process.")
    var target: String?

    @Option(name: .long, help: "CA certificate (PEM) the target's chain must lead to; default: the system store.")
    var ca: String?

    @Option(name: .long, help: "The target's ID scope.")
    var idScope: String?

    @Option(name: .long, help: "Enrollment group key (base64); each device derives its own. Prefer --group-key-env: a flag is visible to other users.")
    var groupKey: String?

    @Option(name: .long, help: "Environment variable holding the enrollment group key.")
    var groupKeyEnv: String?

    @Option(name: .long, help: "symmetric-key (group key or --enrollment-file) or x509 (a certificate per device from the group's CA).")
    var attestation: String = "symmetric-key"

    @Option(name: .long, help: "With --attestation x509 and --target: the enrollment group's CA certificate (PEM).")
    var x509CaCert: String?

    @Option(name: .long, help: "With --attestation x509 and --target: the private key of that CA (PEM), to issue the devices' certificates.")
    var x509CaKey: String?

    /// `--enrollment-file`, not `--enrollments`: ArgumentParser also parses the parent command's
    /// options after a subcommand, and `bench --enrollments N` (a count) would take the path.
    @Option(name: .customLong("enrollment-file"), help: "Enrollment file (YAML): its symmetric-key individual enrollments are the fleet, in order.")
    var enrollments: String?

    @Option(name: .long, help: "Registration-ID prefix of group devices: PREFIX-000001, ...")
    var prefix: String = "fleet"

    @Option(name: .long, help: "Requests (connects, registers, polls) per second at most; required > 0. Default: no limit on loopback, 2 elsewhere.")
    var rate: Double?

    @Option(name: .long, help: "Run part K of N of the fleet: devices i (from 0) with i % N == K-1.")
    var shard: String?

    @Option(name: .long, help: "Write the result, with the raw histograms, to this JSON file (for 'bench merge').")
    var json: String?

    @Option(name: .long, help: "Seconds every wait (connect, handshake, each response) may take.")
    var timeout: Double = 10

    @Option(name: .long, help: "Polls after which a device still assigning counts as not assigned.")
    var maxPolls: Int = 20

    @Option(name: .long, help: "In-process fake: retry-after sent with every 202, in seconds.")
    var retryAfter: Int = 0

    @Option(name: .long, help: "In-process fake: polls answered 'assigning' before the registration is assigned.")
    var assigningPolls: Int = 0

    func run() async throws {
        let input = try FleetInput.parse(self)
        let fake = try await input.startFakeIfNeeded()
        let settings: FleetSettings
        do { settings = try input.settings(fake: fake) } catch {
            await fake?.stop()
            throw error
        }
        let live = isatty(STDERR_FILENO) == 1
        let result: FleetResult
        do {
            let runner = try FleetRunner(settings: settings)
            var run = try await runner.run(onProgress: live ? Self.showProgress : nil)
            if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if let fake {
                run.peakResidentBytes = PeakMemory.residentBytes()
                run.target = "in-process"
                await fake.stop()
            }
            run.build = BenchCommand.buildConfiguration
            run.date = ISO8601DateFormatter().string(from: Date())
            result = run
        } catch {
            await fake?.stop()
            throw Failure(status: ExitStatus.badInput, message: "\(error)")
        }
        print(FleetText.summary(result, fakeThreads: fake == nil ? nil : ProcessInfo.processInfo.activeProcessorCount))
        if let json { try FleetText.write(result, to: json) }
        if !result.allProvisioned { throw ExitCode(ExitStatus.checkFailed) }
    }
}

extension BenchFleetCommand {
    /// The progress line on a terminal (stderr), redrawn in place.
    @Sendable static func showProgress(_ progress: FleetRunner.Progress) {
        let line = "\r\(progress.done)/\(progress.total) devices done, \(progress.failed) failed   "
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// The process's peak resident memory (Linux `VmHWM`, else `VmRSS`; getrusage elsewhere).
enum PeakMemory {
    static func residentBytes() -> Int {
        ProcessMemory.peakResidentBytes ?? ProcessMemory.residentBytes ?? BenchCommand.peakResidentBytes()
    }
}
