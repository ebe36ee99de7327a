import DPSCore
import Foundation
import TestSupport
import XCTest

/// `run --target`, `record` (cases and `--proxy`), replay and `compare`, end to end: a separate
/// `dpsconform serve` process stands where a real DPS would, reached through the recording proxy.
final class TargetProxyInteropTests: XCTestCase {
    /// Keys made for the test, never committed.
    private let assignedKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    private let disabledKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    private let groupKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()

    private var enrollments: String { enrollments(x509Certificate: nil) }

    /// A UDS made for the test (a secret of a DevKit that does not exist).
    private let uds = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()

    /// The enrollments `serve` holds; with an X.509 certificate file, also an individual X.509
    /// enrollment for `target-x509`.
    private func enrollments(x509Certificate: String?, devKitCertificate: String? = nil) -> String {
        var x509 = x509Certificate.map { "  - registrationId: target-x509\n    x509: {certificateFile: \($0)}\n    iotHub: hub-target.azure-devices.net\n" } ?? ""
        x509 += devKitCertificate.map { "  - registrationId: target-devkit\n    x509: {certificateFile: \($0)}\n    iotHub: hub-target.azure-devices.net\n" } ?? ""
        return """
        individual:
          - registrationId: target-assigned
            symmetricKey: {primaryKey: "\(assignedKey)", secondaryKey: "\(disabledKey)"}
            iotHub: hub-target.azure-devices.net
          - registrationId: target-disabled
            symmetricKey: {primaryKey: "\(disabledKey)"}
            enabled: false
        \(x509)groups:
          - groupId: target-group
            symmetricKey: {primaryKey: "\(groupKey)"}
            iotHub: hub-target.azure-devices.net
        """
    }

    private func targetConfig(caFile: String, in directory: URL, x509: (chain: String, key: String)? = nil, devKit: Bool = false) throws -> URL {
        var x509Role = x509.map { "\n  - role: x509\n    registrationId: target-x509\n    certificateFile: \($0.chain)\n    keyFile: \($0.key)" } ?? ""
        if devKit {
            let devkit = Checkout.url("Scenarios/devkit").path
            x509Role += "\n  - role: dice\n    registrationId: target-devkit\n    dice: {udsEnv: TARGET_TEST_UDS, firmware: \(devkit)/devkit-demo.ino.bin, map: \(devkit)/devkit-demo.ino.map}"
        }
        let text = """
            idScope: 0ne0000FAKE
            trust: {caFile: \(caFile)}
            requestsPerSecond: 10
            enrollments:
              - role: assigned
                registrationId: target-assigned
                symmetricKey: {primaryKey: "\(assignedKey)", secondaryKeyEnv: TARGET_TEST_SECONDARY}
                expect: {assignedHub: hub-target.azure-devices.net}
              - role: wrongKey
                registrationId: target-assigned
                symmetricKey: {primaryKey: "\(assignedKey)"}
              - role: disabled
                registrationId: target-disabled
                symmetricKey: {primaryKey: "\(disabledKey)"}
              - role: unknownDevice
                registrationId: target-nobody
              - role: group
                registrationId: target-group-device-01
                groupKey: {key: "\(groupKey)"}
            """ + x509Role
        let file = directory.appendingPathComponent("target.yaml")
        try Data(text.utf8).write(to: file)
        return file
    }

    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-target-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    private func ports(_ serve: ServeProcess) throws -> (mqtt: Int, https: Int) {
        let endpoint = try JSONDecoder().decode(ServiceEndpoint.self, from: Data(contentsOf: serve.endpointFile))
        return (endpoint.mqttPort ?? 0, endpoint.httpsPort ?? 0)
    }

    /// Requirement outcomes per case from a report.json.
    private func outcomes(_ report: URL) throws -> [String: [String: String]] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any]
        let run = object?["run"] as? [String: Any]
        var table: [String: [String: String]] = [:]
        for item in run?["cases"] as? [[String: Any]] ?? [] {
            guard let id = item["id"] as? String else { continue }
            var verdicts: [String: String] = [:]
            for verdict in item["verdicts"] as? [[String: Any]] ?? [] {
                if let requirement = verdict["requirement"] as? String, let outcome = verdict["outcome"] as? String { verdicts[requirement] = outcome }
            }
            table[id] = verdicts
        }
        return table
    }

    /// The same scenarios against `serve` through `--target` and against the in-process fake give
    /// the same verdict for every requirement of every case that can run against a target. The
    /// one allowed difference: a rule whose breach only the built-in fake can name (it records
    /// which rule a refused credential broke; a real service answers 401 without saying) is
    /// `skip` through the proxy.
    func testTargetRunAgainstServeGivesTheVerdictsOfTheBuiltInFake() async throws {
        let tool = try ServeProcess.executable().path
        // Eight cases at once share one enrollment per role: the per-device poll limit, which a
        // case of its own never reaches, is off so that it does not throttle them against each other.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // An X.509 device: a self-signed P-256 certificate whose CN is its registration ID (openssl).
        let chain = directory.appendingPathComponent("x509-chain.pem").path
        let key = directory.appendingPathComponent("x509-key.pem").path
        let openssl = try XCTUnwrap(ToolProcess.onPath("openssl"), "openssl is not installed (ci/install-deps.sh)")
        let made = try await ToolProcess.runAsync(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                                            "-subj", "/CN=target-x509", "-days", "2", "-keyout", key, "-out", chain])
        XCTAssertEqual(made.status, 0, made.output)
        // A DevKit: its Alias certificate, as dps_cert_gen would write it, is what the service enrolls.
        let devkit = Checkout.url("Scenarios/devkit").path
        let alias = try await runTool(tool, ["dice", "cert", "-b", devkit + "/devkit-demo.ino.bin", "-m", devkit + "/devkit-demo.ino.map",
                                             "-u", uds, "-i", "target-devkit", "-o", directory.path])
        XCTAssertEqual(alias.status, 0, alias.output)
        let serve = try ServeProcess(enrollmentYAML: enrollments(x509Certificate: chain, devKitCertificate: directory.appendingPathComponent("target-devkit.pem").path),
                                     extraArguments: ["--https-port", "0", "--poll-limit", "off"])
        try await serve.waitUntilReady()
        let (mqtt, https) = try ports(serve)
        let config = try targetConfig(caFile: serve.stateDirectory.appendingPathComponent("ca.pem").path, in: directory, x509: (chain, key), devKit: true)
        setenv("TARGET_TEST_UDS", uds, 1)
        setenv("TARGET_TEST_SECONDARY", disabledKey, 1)
        let scenarios = Checkout.url("Scenarios").path
        // Every case of the default catalogue: those that can run against a target do, the others are skipped.
        let selection: [String] = []
        let targetRun = try await runTool(tool, ["run", scenarios, "--target", "mqtts://127.0.0.1:\(mqtt)", "--target", "https://127.0.0.1:\(https)",
                                                 "--target-config", config.path, "--jobs", "8", "--quiet",
                                                 "--reports", directory.appendingPathComponent("target").path] + selection, timeout: .seconds(240))
        let fakeRun = try await runTool(tool, ["run", scenarios, "--quiet", "--reports", directory.appendingPathComponent("fake").path] + selection)
        _ = await serve.stop()
        XCTAssertEqual(targetRun.status, 0, targetRun.output)
        XCTAssertEqual(fakeRun.status, 0, fakeRun.output)
        let target = try outcomes(directory.appendingPathComponent("target/report.json"))
        let fake = try outcomes(directory.appendingPathComponent("fake/report.json"))
        let ran = target.filter { $0.value["HARNESS"] != "skip" }
        print("run --target against serve: \(ran.count) of \(target.count) cases ran, \(target.count - ran.count) skipped")
        // Symmetric keys (assigned after polls, secondary key, custom payload, wrong key, unknown
        // device, disabled), the group key and the X.509 device, each over both transports, and
        // the reference-device cases of the mutant scenarios.
        XCTAssertGreaterThanOrEqual(ran.count, 16, "cases that ran against the target: \(ran.keys.sorted())")
        for id in ["x509/individual/mqtt", "x509/individual/https", "symmetric-key/group-derived-key/mqtt", "symmetric-key/wrong-key/https",
                   "devkit/simulated/mqtt", "devkit/simulated/https"] {
            XCTAssertNotNil(ran[id], "\(id) did not run against the target")
        }
        let onlyTheFakeNames: Set<String> = ["DPS-AUTH-SAS-004", "DPS-AUTH-DERIVE-001"]
        for (id, verdicts) in ran {
            guard let reference = fake[id] else { return XCTFail("\(id) ran against the target but not against the fake") }
            for (requirement, outcome) in verdicts where outcome != reference[requirement] {
                if outcome == "skip", onlyTheFakeNames.contains(requirement) { continue }
                XCTFail("\(id) \(requirement): \(outcome) through the proxy, \(reference[requirement] ?? "absent") against the fake")
            }
        }
        // Cases that need the fake's script are skipped with that reason, not run.
        XCTAssertEqual(target["symmetric-key/long-retry-after/mqtt"]?["HARNESS"], "skip")
    }

    /// `--dry-run` prints each case's plan and sends nothing: the service sees no connection.
    func testDryRunSendsNothing() async throws {
        let tool = try ServeProcess.executable().path
        let serve = try ServeProcess(enrollmentYAML: enrollments, extraArguments: ["--https-port", "0"])
        try await serve.waitUntilReady()
        let (mqtt, _) = try ports(serve)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try targetConfig(caFile: serve.stateDirectory.appendingPathComponent("ca.pem").path, in: directory)
        setenv("TARGET_TEST_SECONDARY", disabledKey, 1)
        let result = try await runTool(tool, ["run", Checkout.url("Scenarios").path, "--target", "mqtts://127.0.0.1:\(mqtt)",
                                              "--target-config", config.path, "--dry-run", "--filter", "symmetric-key/*"])
        try await Task.sleep(for: .milliseconds(300))
        let log = serve.log()
        _ = await serve.stop()
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("role assigned (registration ID target-assigned"), result.output)
        XCTAssertTrue(result.output.contains("an HTTPS case; the target has no HTTPS endpoint"), result.output)
        XCTAssertFalse(log.contains("mqtt#1"), "the service saw a connection during a dry run:\n\(log)")
        XCTAssertFalse(result.output.contains(assignedKey), "the dry run printed a key")
    }

    /// A proxy whose upstream is unreachable, or presents a certificate it does not trust, closes
    /// the device's connection cleanly, records why, and ends with exit 3 and a clear message.
    func testProxyWithUnreachableOrUntrustedUpstreamEndsWithExit3() async throws {
        let tool = try ServeProcess.executable().path
        let serve = try ServeProcess(enrollmentYAML: enrollments)
        try await serve.waitUntilReady()
        let (mqtt, _) = try ports(serve)
        let refusing = try LoopbackPort.Refusing()
        let closedPort = refusing.port
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = serve.stateDirectory.appendingPathComponent("ca.pem").path
        for (name, upstream, trust, expected) in [("unreachable", "mqtts://127.0.0.1:\(closedPort)", ["--upstream-ca", ca], "unreachable"),
                                                  ("untrusted", "mqtts://127.0.0.1:\(mqtt)", [], "TLS handshake failed")] {
            let out = directory.appendingPathComponent(name)
            let proxy = try await ProxyProcess(tool: tool, upstream: upstream, out: out, extra: ["--duration", "30"] + trust)
            let device = try await runTool(tool, ["provision", "--endpoint-file", proxy.endpointFile.path, "--registration-id", "target-assigned",
                                                  "--symmetric-key", assignedKey, "--timeout", "20"])
            let (status, text) = try await proxy.finish()
            XCTAssertEqual(status, 3, "\(name): \(text)")
            XCTAssertTrue(text.contains(expected), "\(name): \(text)")
            XCTAssertNotEqual(device.status, 0, "\(name): the device was provisioned without a service: \(device.output)")
            let recording = try TranscriptFile.decode(Data(contentsOf: out.appendingPathComponent("proxy-recording.json")), source: name)
            let closes = recording.events.compactMap { event -> CloseCause? in
                if case .closed(let cause)? = event.note { return cause }
                return nil
            }
            XCTAssertTrue(closes.contains { if case .error(let message) = $0 { return message.contains(expected) }; return false },
                          "\(name): closes recorded: \(closes)")
        }
        withExtendedLifetime(refusing) {}
        _ = await serve.stop()
    }

    /// Proxy mode over both transports: the reference device provisions through `record --proxy`
    /// against `serve`; the recording (sanitised) replays to the reference device as the
    /// scenario `--as-scenario` wrote, and `compare` finds it equal to itself and different from
    /// a device that polls too early.
    func testProxyRecordingReplaysAndComparesOverBothTransports() async throws {
        let tool = try ServeProcess.executable().path
        let serve = try ServeProcess(enrollmentYAML: enrollments, extraArguments: ["--https-port", "0"])
        try await serve.waitUntilReady()
        let (mqtt, https) = try ports(serve)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = serve.stateDirectory.appendingPathComponent("ca.pem").path
        for (transport, upstream) in [("mqtt", "mqtts://127.0.0.1:\(mqtt)"), ("https", "https://127.0.0.1:\(https)")] {
            let out = directory.appendingPathComponent(transport)
            let proxy = try await ProxyProcess(tool: tool, upstream: upstream, out: out,
                                               extra: ["--upstream-ca", ca, "--connections", "1", "--duration", "60", "--as-scenario",
                                                       "--requests-per-second", "0", "--id-scope", "0ne0000FAKE"])
            // One connection over MQTT; over HTTPS the reference device keeps one connection too.
            let device = try await runTool(tool, ["provision", "--endpoint-file", proxy.endpointFile.path, "--transport", transport,
                                                  "--registration-id", "target-assigned", "--symmetric-key", assignedKey, "--timeout", "30"])
            XCTAssertEqual(device.status, 0, "\(transport): \(device.output)")
            let (status, text) = try await proxy.finish()
            XCTAssertEqual(status, 0, "\(transport): \(text)")
            let recordingURL = out.appendingPathComponent("proxy-recording.json")
            let recordingText = try String(contentsOf: recordingURL, encoding: .utf8)
            XCTAssertFalse(recordingText.contains(assignedKey), "\(transport): the recording holds the key")
            XCTAssertFalse(recordingText.contains("hub-target.azure-devices.net"), "\(transport): the hub name was not replaced")
            XCTAssertTrue(recordingText.contains("hub-1.example.net"), "\(transport): no stand-in hub name")
            let recording = try TranscriptFile.decode(Data(recordingText.utf8), source: transport)
            XCTAssertEqual(recording.recording?.transport, transport)
            XCTAssertTrue(recording.events.contains { $0.exchange?.state == .assigned }, "\(transport): no assigned answer recorded")

            let replay = try await runTool(tool, ["run", out.appendingPathComponent("proxy-recording.scenario.yaml").path,
                                                  "--requirements", Checkout.url("Scenarios/requirements.yaml").path,
                                                  "--reports", out.appendingPathComponent("reports").path, "--quiet"])
            XCTAssertEqual(replay.status, 0, "\(transport) replay: \(replay.output)")
            let verdicts = try outcomes(out.appendingPathComponent("reports/report.json"))
            XCTAssertEqual(verdicts["replay/proxy"]?["DPS-BEHAV-SEQ-001"], "pass", "\(transport): \(verdicts)")

            let same = try await runTool(tool, ["compare", recordingURL.path, recordingURL.path])
            XCTAssertEqual(same.status, 0, same.output)
            // A device that polls every 100 ms against the same kind of service differs in its timing.
            let mutantTranscript = out.appendingPathComponent("mutant.json")
            try await earlyPollerTranscript(tool: tool, transport: transport, into: mutantTranscript)
            let differs = try await runTool(tool, ["compare", recordingURL.path, mutantTranscript.path])
            XCTAssertEqual(differs.status, 1, differs.output)
            XCTAssertTrue(differs.output.contains("DPS-BEHAV-TIME-001"), differs.output)
        }
        _ = await serve.stop()
    }

    /// The transcript of the polls-every-100ms mutant provisioning against `serve`, which answers
    /// the same way the recorded service did (202 with retry-after 3, then 200 assigned).
    private func earlyPollerTranscript(tool: String, transport: String, into transcript: URL) async throws {
        let serve = try ServeProcess(enrollmentYAML: enrollments, extraArguments: ["--https-port", "0"])
        try await serve.waitUntilReady()
        let result = try await runTool(tool, ["provision", "--endpoint-file", serve.endpointFile.path, "--transport", transport,
                                              "--registration-id", "target-assigned", "--symmetric-key", assignedKey, "--timeout", "30",
                                              "--device", "mutant:polls-every-100ms", "--transcript", transcript.path])
        _ = await serve.stop()
        XCTAssertTrue(FileManager.default.fileExists(atPath: transcript.path), "\(transport): no transcript of the mutant: \(result.output)")
    }

    /// `record --target` over both transports: one sanitised recording per case, with its role,
    /// and the scenarios `--as-scenario` writes replay them to the reference device.
    func testRecordAgainstATargetAndReplay() async throws {
        let tool = try ServeProcess.executable().path
        let serve = try ServeProcess(enrollmentYAML: enrollments, extraArguments: ["--https-port", "0"])
        try await serve.waitUntilReady()
        let (mqtt, https) = try ports(serve)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try targetConfig(caFile: serve.stateDirectory.appendingPathComponent("ca.pem").path, in: directory)
        setenv("TARGET_TEST_SECONDARY", disabledKey, 1)
        let out = directory.appendingPathComponent("recordings")
        let recorded = try await runTool(tool, ["record", Checkout.url("Scenarios").path, "--target", "mqtts://127.0.0.1:\(mqtt)",
                                                "--target", "https://127.0.0.1:\(https)", "--target-config", config.path,
                                                "--filter", "symmetric-key/assigned-after-polls/*", "--out", out.path, "--as-scenario"])
        _ = await serve.stop()
        XCTAssertEqual(recorded.status, 0, recorded.output)
        for transport in ["mqtt", "https"] {
            let name = "symmetric-key__assigned-after-polls__\(transport)"
            let text = try String(contentsOf: out.appendingPathComponent(name + ".json"), encoding: .utf8)
            XCTAssertFalse(text.contains(assignedKey) || text.contains("hub-target.azure-devices.net"), "\(transport): not sanitised")
            let recording = try TranscriptFile.decode(Data(text.utf8), source: name)
            XCTAssertEqual(recording.recording?.role, "assigned")
            XCTAssertEqual(recording.recording?.transport, transport)
            XCTAssertTrue(recording.recording?.service.contains("127.0.0.1") == true, "\(String(describing: recording.recording))")
            let replay = try await runTool(tool, ["run", out.appendingPathComponent(name + ".scenario.yaml").path,
                                                  "--requirements", Checkout.url("Scenarios/requirements.yaml").path,
                                                  "--reports", directory.appendingPathComponent("reports-\(transport)").path, "--quiet"])
            XCTAssertEqual(replay.status, 0, "\(transport): \(replay.output)")
        }
    }

    /// A recording that is truncated, of an unknown version, or of another transport than the
    /// case gets exit 2 naming the file and the JSON path.
    func testBadRecordingsAreRefusedWithFileAndPath() async throws {
        let tool = try ServeProcess.executable().path
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try String(contentsOf: Checkout.url("Scenarios/recordings/python-sdk-mqtt.json"), encoding: .utf8)
        let cases: [(String, String, String)] = [
            ("truncated.json", String(good.prefix(good.count / 2)), "truncated.json"),
            ("future.json", good.replacingOccurrences(of: "\"formatVersion\" : 1", with: "\"formatVersion\" : 99"), "$.formatVersion is 99"),
            ("no-events.json", good.replacingOccurrences(of: "\"events\"", with: "\"evnts\""), "missing field 'events' at $"),
        ]
        for (name, text, expected) in cases {
            try Data(text.utf8).write(to: directory.appendingPathComponent(name))
            let compare = try await errorsOf(tool, ["compare", directory.appendingPathComponent(name).path, Checkout.url("Scenarios/recordings/python-sdk-mqtt.json").path])
            XCTAssertEqual(compare.status, 2, "\(name): \(compare.errors)")
            XCTAssertTrue(compare.errors.contains(name) && compare.errors.contains(expected), "\(name): \(compare.errors)")
            let scenario = directory.appendingPathComponent(name + ".scenario.yaml")
            try Data("""
                suite: bad
                scenarios:
                  - id: bad/\(name)
                    transport: mqtt
                    replay: \(name)
                    device: {registrationId: python-sdk-device, key: primary}
                    expect: {outcome: assigned}
                """.utf8).write(to: scenario)
            let run = try await errorsOf(tool, ["run", scenario.path, "--requirements", Checkout.url("Scenarios/requirements.yaml").path,
                                               "--reports", directory.appendingPathComponent("reports").path])
            XCTAssertEqual(run.status, 2, "\(name): \(run.errors)")
            XCTAssertTrue(run.errors.contains("\(name).scenario.yaml:5") && run.errors.contains(expected), "\(name): \(run.errors)")
        }
        // A recording of another transport than the case's.
        let mismatch = directory.appendingPathComponent("https-case.scenario.yaml")
        try FileManager.default.copyItem(at: Checkout.url("Scenarios/recordings/python-sdk-mqtt.json"), to: directory.appendingPathComponent("sdk.json"))
        try Data("""
            suite: bad
            scenarios:
              - id: bad/transport
                transport: https
                replay: sdk.json
                device: {registrationId: python-sdk-device, key: primary}
                expect: {outcome: assigned}
            """.utf8).write(to: mismatch)
        let result = try await errorsOf(tool, ["run", mismatch.path, "--requirements", Checkout.url("Scenarios/requirements.yaml").path,
                                               "--reports", directory.appendingPathComponent("reports").path])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.errors.contains("https-case.scenario.yaml:5"), result.errors)
        XCTAssertTrue(result.errors.contains("is a recording over mqtt"), result.errors)
    }

    /// Runs the tool to its end and returns its exit status and standard error.
    private func errorsOf(_ tool: String, _ arguments: [String]) async throws -> (status: Int32, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let collected = OutputCollector(errors.fileHandleForReading)
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { process.terminate() }
        return (process.terminationStatus, String(decoding: await collected.data(), as: UTF8.self))
    }
}

/// `dpsconform record --proxy` as a child process: started, then waited for once the device is done.
private struct ProxyProcess {
    let process = Process()
    let endpointFile: URL
    private let collected: OutputCollector

    /// Starts the proxy on a free loopback port and waits (at most 10 s) for its endpoint file.
    init(tool: String, upstream: String, out: URL, extra: [String]) async throws {
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["record", "--proxy", "--listen", "127.0.0.1:0", "--upstream", upstream, "--out", out.path] + extra
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        collected = OutputCollector(output.fileHandleForReading)
        endpointFile = out.appendingPathComponent("endpoint.json")
        try process.run()
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: endpointFile.path) { try await Task.sleep(for: .milliseconds(50)) }
    }

    /// Its exit status and output, once it ends (at most 30 s; then it is stopped).
    func finish() async throws -> (status: Int32, output: String) {
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { process.terminate() }
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return (process.terminationStatus, String(decoding: await collected.data(), as: UTF8.self))
    }
}
