import Foundation
import TestSupport
import Testing

/// `serve` takes the service settings a scenario can set, the throttling limits included.
@Suite("serve: service settings from flags", .serialized)
struct ServeSettingsTests {
    static let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    static let enrollments = "individual:\n  - {registrationId: limits-device, symmetricKey: {primaryKey: \"\(key)\"}}\n"

    func provision(_ serve: ServeProcess, timeout: Int) async throws -> (status: Int32, json: [String: Any]) {
        let result = try await runTool(try ServeProcess.executable().path,
                                       ["provision", "--endpoint-file", serve.endpointFile.path, "--registration-id", "limits-device",
                                        "--symmetric-key", Self.key, "--timeout", String(timeout)])
        let start = try #require(result.output.firstIndex(of: "{"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output[start...].utf8)) as? [String: Any])
        return (result.status, json)
    }

    @Test("a poll limit of 1 per minute throttles the second poll; with the limits off the device is assigned")
    func limits() async throws {
        let throttled = try ServeProcess(enrollmentYAML: Self.enrollments,
                                         extraArguments: ["--assigning-polls", "3", "--retry-after", "1", "--poll-limit", "1/60"])
        try await throttled.waitUntilReady()
        let slow = try await provision(throttled, timeout: 8)
        _ = await throttled.stop()
        #expect(slow.json["status"] as? String == "timedOut", "\(slow.json)")

        let open = try ServeProcess(enrollmentYAML: Self.enrollments,
                                    extraArguments: ["--assigning-polls", "3", "--retry-after", "1", "--poll-limit", "off", "--service-limit", "off"])
        try await open.waitUntilReady()
        let fast = try await provision(open, timeout: 30)
        _ = await open.stop()
        #expect(fast.status == 0)
        #expect(fast.json["status"] as? String == "assigned", "\(fast.json)")
    }

    @Test("a setting that is not one is refused with exit 2, naming the flag")
    func badValues() async throws {
        let tool = try ServeProcess.executable().path
        let file = try TemporaryFiles.write(Self.enrollments, name: "enrollments.yaml")
        for arguments in [["--poll-limit", "5"], ["--service-limit", "0/60"], ["--registration-id-policy", "loose"],
                          ["--server-certificate", "bogus"], ["--tls-versions", "ssl3"]] {
            let result = try await runTool(tool, ["serve", "--enrollments", file, "--mqtt-port", "0"] + arguments, timeout: .seconds(30))
            #expect(result.status == 2, "\(arguments): \(result.status)")
        }
    }
}
