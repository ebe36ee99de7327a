import ArgumentParser
import DICE
import Foundation

/// `dpsconform bench`: speed figures. Speed goals live here, not in unit tests, because a
/// shared CI machine cannot time anything reliably.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed: DevKit Alias certificates derived per second on one core.",
        discussion: "Figures of a debug build are not representative; build with 'swift build -c release --product dpsconform'.")

    @Option(name: .long, help: "Alias certificates to derive, each through the full pipeline (.map, regions, DICE, RIoT, certificates).")
    var diceCerts: Int = 5000

    /// The issue's target for the DevKit derivation (issue 5, "Tests and speed").
    static let diceCertificatesPerSecondGoal = 1000.0

    func validate() throws {
        guard (1...10_000_000).contains(diceCerts) else { throw ValidationError("--dice-certs must be 1...10000000") }
    }

    func run() throws {
        let configuration = Self.buildConfiguration
        if configuration == "debug" {
            FileHandle.standardError.write(Data(("warning: this is a debug build; its figures are not representative. "
                + "Measure with: swift build -c release --product dpsconform\n").utf8))
        }
        let workload = DiceBenchWorkload()
        let start = ContinuousClock.now
        var produced = 0
        for index in 0..<diceCerts {
            produced += try workload.certificate(index).isEmpty ? 0 : 1
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        guard produced == diceCerts else {
            throw Failure(status: ExitStatus.harnessFailed, message: "only \(produced) of \(diceCerts) derivations produced a certificate")
        }
        let rate = seconds > 0 ? Double(diceCerts) / seconds : .infinity
        print("DICE Alias certificates: \(diceCerts) derived in \(String(format: "%.3f", seconds)) s on one core: "
              + "\(String(format: "%.0f", rate)) per second")
        print("goal: at least \(Int(Self.diceCertificatesPerSecondGoal)) per second (\(rate >= Self.diceCertificatesPerSecondGoal ? "met" : "not met"))")
        print("build: \(configuration)" + (configuration == "debug" ? " (not representative)" : ""))
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
