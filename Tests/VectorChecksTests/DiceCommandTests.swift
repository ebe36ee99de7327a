import Foundation
import Testing

/// `dpsconform dice cert` and `dice derive` run as processes on `.bin`/`.map` files synthesised
/// from the DICE vectors: byte-identical output, redaction, key files and refusals.
@Suite("dpsconform dice", .serialized)
struct DiceCommandTests {
    static let samples = DiceVectorSample.all

    static func identity(_ sample: DiceVectorSample, bin: URL, map: URL) -> [String] {
        ["-b", bin.path, "-m", map.path, "-u", sample.inputs.udsHex, "-i", sample.inputs.registrationId]
    }

    @Test("dice cert writes exactly dps_cert_gen's REGISTRATION_ID.pem", arguments: samples)
    func certMatchesVector(_ sample: DiceVectorSample) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let (bin, map) = try sample.writeFirmware(into: scratch)
        let output = scratch.file("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let run = try await Tool.run(["dice", "cert"] + Self.identity(sample, bin: bin, map: map) + ["-o", output.path])
        let pem = output.appendingPathComponent(sample.inputs.registrationId + ".pem")
        if sample.expected["error"] != nil {
            // 127/128-character IDs: no certificate exists; refused as bad input, nothing written.
            #expect(run.status == 2)
            #expect(!FileManager.default.fileExists(atPath: pem.path))
        } else {
            #expect(run.status == 0, "\(run.standardError)")
            let expected = try #require(sample.text("dpsCertGenPemFile"))
            #expect(Array(try Data(contentsOf: pem)) == Array(expected.utf8))
        }
    }

    @Test("the three ways of giving the firmware give the same certificate")
    func regionInputs() async throws {
        let sample = try #require(DiceVectorSample.named("pub-07"))
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let (core, fw) = try sample.regions()
        let coreHex = try scratch.write("core.hex", hexText(core).uppercased() + "\n")
        let fwHex = try scratch.write("fw.hex", String(hexText(fw).enumerated().map { $0.offset % 32 == 31 ? "\($0.element)\n" : "\($0.element)" }.joined()))
        let coreBin = try scratch.write("core.bin", core)
        let fwBin = try scratch.write("fw.bin", fw)
        let expected = try #require(sample.text("dpsCertGenPemFile"))
        let common = ["-u", sample.inputs.udsHex, "-i", sample.inputs.registrationId]
        for (index, firmware) in [["--regions-core", coreHex.path, "--regions-fw", fwHex.path],
                                  ["--riot-core", coreBin.path, "--riot-fw", fwBin.path]].enumerated() {
            let output = scratch.file("out\(index)")
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
            let run = try await Tool.run(["dice", "cert"] + firmware + common + ["-o", output.path])
            #expect(run.status == 0, "\(run.standardError)")
            let written = try Data(contentsOf: output.appendingPathComponent(sample.inputs.registrationId + ".pem"))
            #expect(Array(written) == Array(expected.utf8))
        }
    }

    @Test("dice derive --json prints every vector field under its name, secrets only on request")
    func deriveJSON() async throws {
        let sample = try #require(DiceVectorSample.named("pub-01"))
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let (bin, map) = try sample.writeFirmware(into: scratch)
        let arguments = ["dice", "derive"] + Self.identity(sample, bin: bin, map: map) + ["--json"]

        let redacted = try await Tool.run(arguments)
        #expect(redacted.status == 0, "\(redacted.standardError)")
        let hidden = try Self.values(redacted.standardOutput)
        #expect(hidden.secrets == "redacted")
        for name in ["aliasPrivate", "deviceIdPrivate", "cdi", "udsDigest", "deviceIdSeed", "aliasSeed", "aliasKeyPem", "udsBytesHex"] {
            #expect(hidden.values[name] as? String == "<redacted>", "\(name) is not redacted")
        }
        #expect(!redacted.standardOutput.contains(try #require(sample.text("aliasPrivate"))))
        #expect(hidden.values["aliasCertPem"] as? String == sample.text("aliasCertPem"))

        let shown = try await Tool.run(arguments + ["--show-secrets"])
        #expect(shown.status == 0)
        let all = try Self.values(shown.standardOutput)
        #expect(all.secrets == "shown")
        var compared = 0
        for (name, value) in sample.expected where name != "standardSha256OfUds_notUsed" {
            switch value {
            case .text(let text): #expect(all.values[name] as? String == text, "\(name)")
            case .number(let number): #expect((all.values[name] as? NSNumber)?.intValue == number, "\(name)")
            }
            compared += 1
        }
        #expect(compared == sample.expected.count - 1)
    }

    @Test("--alias-key-out writes the Alias key PEM readable by its owner only")
    func aliasKeyFile() async throws {
        let sample = try #require(DiceVectorSample.named("pub-03"))
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let (bin, map) = try sample.writeFirmware(into: scratch)
        let keyFile = scratch.file("alias-key.pem")
        let run = try await Tool.run(["dice", "derive"] + Self.identity(sample, bin: bin, map: map) + ["--alias-key-out", keyFile.path])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(Array(try Data(contentsOf: keyFile)) == Array(try #require(sample.text("aliasKeyPem")).utf8))
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue & 0o777 == 0o600)
        #expect(run.standardOutput.contains("aliasKeyPem: <redacted>"))
    }

    @Test("bad UDS, map, regions and registration IDs are bad input (exit 2), never a crash")
    func refusals() async throws {
        let sample = try #require(DiceVectorSample.named("pub-01"))
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let (bin, map) = try sample.writeFirmware(into: scratch)
        let uds = sample.inputs.udsHex
        let id = sample.inputs.registrationId
        let emptyMap = try scratch.write("empty.map", "Memory Configuration\n")
        let garbageMap = try scratch.write("garbage.map", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        let shortBin = try scratch.write("short.bin", Array(try sample.image().prefix(1000)))
        let udsFile = try scratch.write("uds.txt", uds + "\n")
        let cases: [(String, [String])] = [
            ("UDS of 63 characters", ["-b", bin.path, "-m", map.path, "-u", String(uds.dropLast()), "-i", id]),
            ("UDS with a non-hex character", ["-b", bin.path, "-m", map.path, "-u", String(uds.dropLast()) + "g", "-i", id]),
            ("map without the symbols", ["-b", bin.path, "-m", emptyMap.path, "-u", uds, "-i", id]),
            ("map of random bytes", ["-b", bin.path, "-m", garbageMap.path, "-u", uds, "-i", id]),
            ("regions outside the binary", ["-b", shortBin.path, "-m", map.path, "-u", uds, "-i", id]),
            ("missing .bin", ["-b", scratch.file("absent.bin").path, "-m", map.path, "-u", uds, "-i", id]),
            ("127-character ID", ["-b", bin.path, "-m", map.path, "-u", uds, "-i", String(repeating: "a", count: 127)]),
            ("128-character ID", ["-b", bin.path, "-m", map.path, "-u", uds, "-i", String(repeating: "b", count: 128)]),
            ("129-character ID", ["-b", bin.path, "-m", map.path, "-u", uds, "-i", String(repeating: "c", count: 129)]),
            ("upper-case ID", ["-b", bin.path, "-m", map.path, "-u", uds, "-i", "Device-1"]),
            ("-b without -m", ["-b", bin.path, "-u", uds, "-i", id]),
            ("two firmware sources", ["-b", bin.path, "-m", map.path, "--riot-core", bin.path, "--riot-fw", bin.path, "-u", uds, "-i", id]),
            ("UDS twice", ["-b", bin.path, "-m", map.path, "-u", uds, "--uds-file", udsFile.path, "-i", id]),
            ("odd hex region", ["--regions-core", udsFile.path, "--regions-fw", emptyMap.path, "-u", uds, "-i", id]),
        ]
        for (name, arguments) in cases {
            let cert = try await Tool.run(["dice", "cert"] + arguments + ["-o", scratch.url.path])
            #expect(cert.status == 2, "dice cert, \(name): \(cert.standardError)")
            #expect(!cert.standardError.contains(uds), "dice cert, \(name): the UDS appears in the message")
            let derive = try await Tool.run(["dice", "derive", "--json"] + arguments)
            #expect(derive.status == 2, "dice derive, \(name)")
        }
        // The UDS from a file works like -u.
        let fromFile = try await Tool.run(["dice", "cert", "-b", bin.path, "-m", map.path, "--uds-file", udsFile.path, "-i", id, "-o", scratch.url.path])
        #expect(fromFile.status == 0, "\(fromFile.standardError)")
    }

    /// The `secrets` marker and the `values` object of `dice derive --json`.
    static func values(_ output: String) throws -> (secrets: String?, values: [String: Any]) {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(object["profile"] as? String == "devkit-riot")
        #expect(object["note"] is String)
        return (object["secrets"] as? String, try #require(object["values"] as? [String: Any]))
    }
}
