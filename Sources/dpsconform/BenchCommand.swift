import ArgumentParser
import DICE
import FakeDPS
import Foundation
import Inputs

/// `dpsconform bench`: speed figures. Speed goals live here, not in unit tests, because a
/// shared CI machine cannot time anything reliably.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed: DevKit Alias certificates derived per second on one core; loading a large enrollment file; 'fleet' provisions a simulated fleet.",
        discussion: "Figures of a debug build are not representative; build with 'swift build -c release --product dpsconform'.",
        subcommands: [BenchFleetCommand.self, BenchMergeCommand.self])

    @Option(name: .long, help: "Alias certificates to derive, each through the full pipeline (.map, regions, DICE, RIoT, certificates) (default 5000; not measured when only --enrollments is given).")
    var diceCerts: Int?

    @Option(name: .long, help: "Also measure loading an enrollment file of this many X.509 enrollments (certificatePem each), as 'serve --enrollments' does.")
    var enrollments: Int?

    /// The issue's target for the enrollment file (issue 10, finding 9): 100,000 in seconds.
    static let enrollmentLoadSecondsGoal = 10.0

    /// The issue's target for the DevKit derivation (issue 5, "Tests and speed").
    static let diceCertificatesPerSecondGoal = 1000.0

    func validate() throws {
        if let diceCerts, !(1...10_000_000).contains(diceCerts) { throw ValidationError("--dice-certs must be 1...10000000") }
        if let enrollments, !(1...10_000_000).contains(enrollments) { throw ValidationError("--enrollments must be 1...10000000") }
    }

    func run() throws {
        let configuration = Self.buildConfiguration
        if configuration == "debug" {
            FileHandle.standardError.write(Data(("warning: this is a debug build; its figures are not representative. "
                + "Measure with: swift build -c release --product dpsconform\n").utf8))
        }
        if let enrollments { try benchEnrollments(enrollments) }
        if diceCerts != nil || enrollments == nil { try benchDice(diceCerts ?? 5000) }
        print("build: \(configuration)" + (configuration == "debug" ? " (not representative)" : ""))
    }

    private func benchDice(_ count: Int) throws {
        let workload = DiceBenchWorkload()
        let start = ContinuousClock.now
        var produced = 0
        for index in 0..<count {
            produced += try workload.certificate(index).isEmpty ? 0 : 1
        }
        let seconds = Self.seconds(ContinuousClock.now - start)
        guard produced == count else {
            throw Failure(status: ExitStatus.harnessFailed, message: "only \(produced) of \(count) derivations produced a certificate")
        }
        let rate = seconds > 0 ? Double(count) / seconds : .infinity
        print("DICE Alias certificates: \(count) derived in \(String(format: "%.3f", seconds)) s on one core: "
              + "\(String(format: "%.0f", rate)) per second")
        print("goal: at least \(Int(Self.diceCertificatesPerSecondGoal)) per second (\(rate >= Self.diceCertificatesPerSecondGoal ? "met" : "not met"))")
    }

    /// Writes an enrollment file of `count` X.509 individual enrollments (each with its
    /// certificate inline, as PEM) and loads it the way `serve --enrollments` does.
    private func benchEnrollments(_ count: Int) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("enrollments.yaml").path
        let size: Int
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            size = try EnrollmentBenchWorkload.write(count: count, to: path)
        } catch {
            throw Failure(status: ExitStatus.harnessFailed, message: "cannot write the benchmark enrollment file: \(error)")
        }
        let before = Self.peakResidentBytes()
        let start = ContinuousClock.now
        let set: EnrollmentSet
        do {
            set = try EnrollmentFile.load(path: path)
        } catch {
            throw Failure(status: ExitStatus.harnessFailed, message: "the benchmark enrollment file did not load: \(error)")
        }
        let seconds = Self.seconds(ContinuousClock.now - start)
        guard set.individuals.count == count else {
            throw Failure(status: ExitStatus.harnessFailed, message: "loaded \(set.individuals.count) of \(count) enrollments")
        }
        let peak = Self.peakResidentBytes()
        print("enrollment file: \(count) X.509 enrollments (\(String(format: "%.1f", Double(size) / 1_048_576)) MiB) loaded in "
              + "\(String(format: "%.3f", seconds)) s; peak resident memory \(peak / 1_048_576) MiB (\(before / 1_048_576) MiB before loading)")
        print("goal: 100000 within \(Int(Self.enrollmentLoadSecondsGoal)) s (\(count >= 100_000 ? (seconds <= Self.enrollmentLoadSecondsGoal ? "met" : "not met") : "run with --enrollments 100000"))")
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The process's peak resident set size so far (getrusage; Linux counts KiB, macOS bytes).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss) * 1024
        #else
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss)
        #endif
    }

    /// The configuration this executable was compiled in (SwiftPM defines DEBUG for debug builds).
    static var buildConfiguration: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }
}

/// One device per iteration on the DevKit tutorial's layout: a 64 KiB image with its linker
/// map, a fresh UDS and registration ID each time, so nothing can be cached between them.
struct DiceBenchWorkload {
    let image: [UInt8] = (0..<65_536).map { UInt8(truncatingIfNeeded: $0) }
    let map = Array("""
        Memory Configuration

        Name             Origin             Length             Attributes
        FLASH            0x0800c000         0x000f4000         xr

        Linker script and memory map

                        0x08014000                        __start_riot_core = .
                        0x080145d0                        __stop_riot_core = .
                        0x080145d0                        __start_riot_fw = .
                        0x080146f0                        __stop_riot_fw = .

        """.utf8)

    /// The dps_cert_gen output for device `index`: .map parsing, region cutting, derivation.
    func certificate(_ index: Int) throws -> String {
        do {
            let inputs = DiceInputs(uds: try UniqueDeviceSecret(bytes: Self.secret(index)),
                                    firmware: try FirmwareRegions(binary: image, mapFile: map),
                                    registrationID: try DevKitRegistrationID("bench-device-\(index)"))
            return try DevKitRIoTProfile().derive(inputs).dpsCertGenPemFile
        } catch {
            throw Failure(status: ExitStatus.harnessFailed, message: "benchmark derivation \(index) failed: \(error)")
        }
    }

    /// 32 bytes that differ for every index (SplitMix64), standing in for a device's UDS.
    static func secret(_ index: Int) -> [UInt8] {
        var state = UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
        var bytes: [UInt8] = []
        for _ in 0..<4 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            mixed ^= mixed >> 31
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: mixed >> UInt64(shift))) }
        }
        return bytes
    }
}

/// A large enrollment file: `count` X.509 individual enrollments, each with a PEM certificate
/// inline (about 700 bytes per enrollment, like the 62 MB file of issue 10).
enum EnrollmentBenchWorkload {
    static func write(count: Int, to path: String) throws -> Int {
        let pem = try TLSMaterial.generate().caCertificatePEM
        let quoted = pem.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "\\n")
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var size = 0
        var chunk = "individual:\n"
        for index in 0..<count {
            chunk += "  - registrationId: bench-device-\(index)\n    x509: {certificatePem: \"\(quoted)\"}\n    iotHub: hub-\(index % 8).azure-devices.net\n"
            if chunk.utf8.count > 1 << 20 || index == count - 1 {
                try handle.write(contentsOf: Data(chunk.utf8))
                size += chunk.utf8.count
                chunk = ""
            }
        }
        return size
    }
}
