import Foundation
import TestSupport
import Testing

@Suite("dpsconform bench fleet and bench merge: bad input is exit 2 with a precise message")
struct FleetCommandTests {
    static func run(_ arguments: [String]) throws -> ToolProcess.Result {
        let tool = try #require(BuiltTool.dpsconform, Comment(rawValue: BuiltTool.missing))
        return try ToolProcess.run(tool.path, arguments)
    }

    @Test("refused flags", arguments: [
        (["bench", "fleet", "--devices", "0"], "--devices"),
        (["bench", "fleet", "--transport", "amqp"], "--transport"),
        (["bench", "fleet", "--shard", "3/2"], "--shard"),
        (["bench", "fleet", "--rate", "0"], "--rate"),
        (["bench", "fleet", "--target", "https://127.0.0.1:1", "--id-scope", "s", "--group-key", "k"], "mqtts://"),
        (["bench", "fleet", "--target", "mqtts://127.0.0.1", "--id-scope", "s", "--group-key", "a2V5"], "PORT"),
        (["bench", "fleet", "--target", "mqtts://127.0.0.1:8883", "--id-scope", "s", "--group-key", "not base64!"], "not base64"),
        (["bench", "fleet", "--target", "mqtts://127.0.0.1:8883", "--id-scope", "s"], "--group-key"),
        (["bench", "fleet", "--transport", "mqtt-broker"], "--target"),
        (["bench", "fleet", "--group-key", "a2V5"], "--target"),
        (["bench", "fleet", "--attestation", "tpm"], "--attestation"),
        (["bench", "fleet", "--attestation", "x509", "--target", "mqtts://127.0.0.1:1", "--id-scope", "s"], "--x509-ca-cert"),
        (["bench", "fleet", "--x509-ca-cert", "ca.pem"], "--attestation x509"),
        // Reaches bench fleet's own check: `bench --enrollments N` must not take the file's path.
        (["bench", "fleet", "--target", "mqtts://127.0.0.1:8883", "--id-scope", "s", "--enrollment-file", "/nonexistent/enrollments.yaml"],
         "--enrollment-file"),
    ])
    func refused(arguments: [String], mention: String) throws {
        let result = try Self.run(arguments)
        #expect(result.status == 2, "\(result.output)")
        #expect(result.output.contains(mention), "\(result.output)")
    }

    @Test("a refused group key is never printed")
    func keyNotShown() throws {
        let key = "c2VjcmV0LWdyb3VwLWtleQ==*"
        let result = try Self.run(["bench", "fleet", "--target", "mqtts://127.0.0.1:8883", "--id-scope", "s", "--group-key", key])
        #expect(result.status == 2)
        #expect(!result.output.contains("c2VjcmV0"), "\(result.output)")
    }

    @Test("an X.509 CA file that is not PEM is refused")
    func x509Files() throws {
        let certificate = try TemporaryFiles.write("not a certificate", name: "ca.pem")
        let key = try TemporaryFiles.write("not a key", name: "ca.key")
        let result = try Self.run(["bench", "fleet", "--attestation", "x509", "--target", "mqtts://127.0.0.1:1", "--id-scope", "s",
                                   "--x509-ca-cert", certificate, "--x509-ca-key", key])
        #expect(result.status == 2)
        #expect(result.output.contains("not a PEM certificate"), "\(result.output)")
    }

    @Test("X.509 devices in process: exit 0")
    func x509InProcess() throws {
        let result = try Self.run(["bench", "fleet", "--attestation", "x509", "--devices", "4", "--concurrency", "2", "--transport", "https"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("assigned 4 of 4"), "\(result.output)")
    }

    @Test("bench merge refuses a file that is not a result, and a missing one")
    func mergeRefused() throws {
        let path = try TemporaryFiles.write("{\"format\": \"something-else\"}", name: "shard.json")
        #expect(try Self.run(["bench", "merge", path]).status == 2)
        #expect(try Self.run(["bench", "merge", path + ".missing"]).status == 2)
        #expect(try Self.run(["bench", "merge"]).status == 2)
    }

    @Test("a small fleet in process: exit 0, a JSON file that bench merge reads back")
    func endToEnd() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-fleet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var files: [String] = []
        for shard in 1...2 {
            let file = directory.appendingPathComponent("shard-\(shard).json").path
            let result = try Self.run(["bench", "fleet", "--devices", "6", "--concurrency", "2", "--transport", "mqtt",
                                       "--shard", "\(shard)/2", "--json", file])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("assigned 3 of 3"), "\(result.output)")
            files.append(file)
        }
        let merged = try Self.run(["bench", "merge"] + files)
        #expect(merged.status == 0, "\(merged.output)")
        #expect(merged.output.contains("assigned 6 of 6"), "\(merged.output)")
    }
}
