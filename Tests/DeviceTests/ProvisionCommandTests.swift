import TestSupport
import DPSCore
import Device
import FakeDPS
import Foundation
import Testing

/// `dpsconform provision` end to end: the built tool against the fake, on real time.
@Suite("dpsconform provision against the fake", .serialized)
struct ProvisionCommandTests {
    /// The built tool (TestSupport).
    static let binary: String? = BuiltTool.dpsconform?.path

    struct Run {
        let status: Int32
        let json: [String: Any]
        let standardError: String
    }

    func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.binary))
        process.arguments = ["provision"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let json = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        return Run(status: process.terminationStatus, json: json, standardError: String(decoding: errorData, as: UTF8.self))
    }

    /// A fake answering at once (assigned on the first poll, after the 2 s minimum wait) and its endpoint file.
    func fake() async throws -> (FakeFixture, String) {
        let fixture = try await FakeFixture.start { $0.assigningPolls = 0; $0.retryAfterSeconds = 1 }
        let file = fixture.directory.appendingPathComponent("endpoint.json")
        try JSONEncoder().encode(fixture.server.endpoint(caFile: fixture.caFile)).write(to: file)
        return (fixture, file.path)
    }

    @Test("exit 0 and one JSON object when assigned, on both transports; the transcript file is redacted",
          .enabled(if: binary != nil), arguments: DeviceTransportKind.allCases)
    func assigned(transport: DeviceTransportKind) async throws {
        let (fixture, endpoint) = try await fake()
        defer { Task { await fixture.stop() } }
        let transcript = fixture.directory.appendingPathComponent("device-transcript.json").path
        let run = try run(["--endpoint-file", endpoint, "--registration-id", "device-01", "--symmetric-key", FakeFixture.key,
                           "--transport", transport.rawValue, "--transcript", transcript])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.json["status"] as? String == "assigned")
        #expect(run.json["assignedHub"] as? String == "hub-a.azure-devices.net")
        #expect(run.json["deviceId"] as? String == "device-01-id")
        #expect(run.json["transport"] as? String == transport.rawValue)
        #expect((run.json["requests"] as? Int ?? 0) >= 2)
        let data = try Data(contentsOf: URL(fileURLWithPath: transcript))
        let events = try TranscriptFile.decode(data, source: transcript).events
        #expect(!events.isEmpty)
        #expect(events.contains { $0.exchange?.kind == .register }, "the transcript file holds typed DPS exchanges")
        // No signature anywhere in the file: every SAS token in it is redacted.
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("sig=REDACTED") || transport == .mqtt)
        #expect(!text.replacingOccurrences(of: "sig=REDACTED", with: "").contains("sig="))
    }

    @Test("exit 1 for a rejection, 2 for bad input, 3 when nothing answers", .enabled(if: binary != nil))
    func exitCodes() async throws {
        let (fixture, endpoint) = try await fake()
        let wrongKey = try run(["--endpoint-file", endpoint, "--registration-id", "device-01", "--symmetric-key", "d3Jvbmcta2V5"])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.json["status"] as? String == "rejected")
        #expect(wrongKey.json["errorCode"] as? Int == 401002)
        let mutant = try run(["--endpoint-file", endpoint, "--registration-id", "device-01", "--symmetric-key", FakeFixture.key,
                              "--device", "mutant:first-202-is-final"])
        #expect(mutant.json["device"] as? String == "mutant:first-202-is-final")
        for arguments in [["--registration-id", "device-01"],
                          ["--endpoint-file", endpoint, "--registration-id", "device-01", "--symmetric-key", "not base64!"],
                          ["--endpoint-file", endpoint, "--registration-id", "device-01", "--symmetric-key", FakeFixture.key, "--group-key", FakeFixture.key],
                          ["--endpoint-file", endpoint, "--registration-id", "device-01", "--cert", "/nonexistent.pem", "--key", "/nonexistent.pem"],
                          ["--endpoint-file", endpoint, "--registration-id", "device-01", "--symmetric-key", FakeFixture.key, "--device", "mutant:nope"],
                          ["--endpoint-file", endpoint, "--registration-id", "device-01", "--symmetric-key", FakeFixture.key, "--transport", "amqp"],
                          ["--id-scope", "0ne00TEST01", "--endpoint", "host:99999", "--registration-id", "device-01", "--symmetric-key", FakeFixture.key]] {
            #expect(try run(arguments).status == 2, "\(arguments)")
        }
        // Keep the endpoint file and CA past the fake's end: only the listener goes.
        let kept = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-dead-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: kept) }
        try FileManager.default.copyItem(at: fixture.directory, to: kept)
        var moved = fixture.server.endpoint(caFile: kept.appendingPathComponent(URL(fileURLWithPath: fixture.caFile).lastPathComponent).path)
        moved.host = "127.0.0.1"
        try JSONEncoder().encode(moved).write(to: kept.appendingPathComponent("endpoint.json"))
        await fixture.stop()
        let dead = try run(["--endpoint-file", kept.appendingPathComponent("endpoint.json").path, "--registration-id", "device-01",
                            "--symmetric-key", FakeFixture.key])
        #expect(dead.status == 3)
        #expect(dead.json["status"] as? String == "connectionFailed")
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
