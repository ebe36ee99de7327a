import DPSCore
import Foundation
import Inputs
@testable import ScenarioEngine
import TestSupport
import Testing
import Verdicts

@Suite("Device under test: command templates, processes, reports, profiles")
struct DeviceCommandTemplateTests {
    @Test("placeholders are found, quoted for the shell, and ${VAR} is left to the shell")
    func expandsAndQuotes() throws {
        let template = try DeviceCommandTemplate("dev --host {host} --id {registrationId} --home ${HOME} --json '{\"a\":1}'")
        #expect(template.placeholders == [.host, .registrationId])
        let command = try template.expand([.host: "127.0.0.1", .registrationId: "it's-me"]).get()
        #expect(command == "dev --host '127.0.0.1' --id 'it'\\''s-me' --home ${HOME} --json '{\"a\":1}'")
    }

    @Test("an unknown placeholder is refused with its column; a missing value names the placeholder")
    func unknownAndMissing() throws {
        #expect(throws: DeviceCommandTemplate.Error.self) { try DeviceCommandTemplate("dev {hots}") }
        do {
            _ = try DeviceCommandTemplate("dev {hots}")
        } catch {
            #expect("\(error)".contains("column 5"))
            #expect("\(error)".contains("{hots}"))
        }
        #expect(throws: DeviceCommandTemplate.Error.self) { try DeviceCommandTemplate("   ") }
        let template = try DeviceCommandTemplate("dev --cert {certFile}")
        guard case .failure(let missing) = template.expand([.host: "h"]) else {
            Issue.record("a missing certificate must not expand")
            return
        }
        #expect(missing.placeholder == .certFile)
        #expect(missing.reason.contains("no X.509 certificate"))
    }

    @Test("the case's payload and token lifetime reach an external device as a file and a value")
    func payloadAndTokenLifetime() throws {
        let text = validScenario.replacingOccurrences(of: "      registrationId: dev-1\n    expect:",
                                                      with: "      registrationId: dev-1\n      tokenLifetimeSeconds: 60\n      payload: {modelId: \"dtmi:x;1\"}\n    expect:")
        #expect(text != validScenario)
        let scenario = try #require(try ScenarioLoader.load(file: try temporaryFile(text)).first)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-material-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let endpoint = ServiceEndpoint(host: "127.0.0.1", mqttPort: 8883, httpsPort: nil, idScope: "0ne0000FAKE", caFile: nil)
        let material = try CaseMaterial.prepare(for: scenario, endpoint: endpoint, caPEM: "ca", key: "a2V5a2V5a2V5", in: directory)
        #expect(material.values[.tokenLifetimeSeconds] == "60")
        let payload = try #require(material.values[.payloadFile])
        #expect(try String(contentsOfFile: payload, encoding: .utf8).contains("dtmi:x;1"))
        #expect(material.environment["DPS_PAYLOAD_FILE"] == payload)
        #expect(material.values[.httpsPort] == nil)
    }

    @Test("environment names follow the placeholders")
    func environmentNames() {
        #expect(Placeholder.mqttPort.environmentName == "DPS_MQTT_PORT")
        #expect(Placeholder.registrationId.environmentName == "DPS_REGISTRATION_ID")
        #expect(Placeholder.deadlineSeconds.environmentName == "DPS_DEADLINE_SECONDS")
        #expect(Placeholder.caFile.environmentName == "DPS_CA_FILE")
    }

    @Test("the last JSON object on stdout is the device's report: one line, or pretty-printed")
    func deviceReport() throws {
        let plain = "connecting\n{\"status\":\"failed\"}\nnoise\n{\"status\":\"assigned\",\"assignedHub\":\"h\",\"errorCode\":401002,\"x\":{\"k\":[1]}}\n"
        let report = try #require(DeviceReport.lastObject(in: plain, redact: { $0 }))
        #expect(report.status == "assigned")
        #expect(report.assignedHub == "h")
        #expect(report.errorCode == 401002)
        #expect(report.fields["x"] == "{\"k\":[1]}")
        let pretty = "log line\n{\n  \"status\" : \"rejected\",\n  \"deviceId\" : \"d\"\n}\n"
        #expect(DeviceReport.lastObject(in: pretty, redact: { $0 })?.status == "rejected")
        #expect(DeviceReport.lastObject(in: "no json {here\n\u{1}\u{2}", redact: { $0 }) == nil)
        let secret = DeviceReport.lastObject(in: "{\"status\":\"x\",\"key\":\"SECRETSECRET\"}", redact: { $0.replacingOccurrences(of: "SECRETSECRET", with: "REDACTED") })
        #expect(secret?.fields["key"] == "REDACTED")
    }
}

@Suite("Device under test: the program's process")
struct DeviceProcessTests {
    @Test("exit status, stdout, stderr and the environment reach the harness")
    func exitAndOutput() async {
        let result = await DeviceProcess(command: "echo \"$DPS_HOST\"; echo oops >&2; exit 3", environment: ["DPS_HOST": "127.0.0.1"],
                                         timeLimit: .seconds(30)).run()
        #expect(result.end == .exited(3))
        #expect(result.stdout.text == "127.0.0.1\n")
        #expect(result.stderr.text == "oops\n")
    }

    @Test("a command that does not exist ends with the shell's 127")
    func missingCommand() async {
        let result = await DeviceProcess(command: "/nonexistent/dps-device --flag", environment: [:], timeLimit: .seconds(30)).run()
        #expect(result.end == .exited(127))
        #expect(result.stderr.text.contains("nonexistent"))
    }

    @Test("a program that hangs is ended at its limit with everything it started in its group")
    func hangEndsWholeGroup() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-child-\(UUID().uuidString)").path
        let started = ContinuousClock.now
        let result = await DeviceProcess(command: "sleep 300 & echo $! > \(pidFile); sleep 300", environment: [:], timeLimit: .seconds(1)).run()
        #expect(ContinuousClock.now - started < .seconds(120), "it ended instead of running on")
        guard case .timedOut = result.end else {
            Issue.record("expected a timeout, got \(result.end)")
            return
        }
        let text = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let child = try #require(Int32(text))
        #expect(Self.isGone(child), "the background child \(child) is still running")
    }

    @Test("a program that ignores SIGTERM is killed after the grace period")
    func ignoresTerm() async {
        var process = DeviceProcess(command: "trap '' TERM; while :; do sleep 1; done", environment: [:], timeLimit: .seconds(1))
        process.terminationGrace = .milliseconds(500)
        let started = ContinuousClock.now
        let result = await process.run()
        #expect(ContinuousClock.now - started < .seconds(120), "it ended instead of running on")
        if case .timedOut = result.end {} else { Issue.record("expected a timeout, got \(result.end)") }
    }

    @Test("a flood of output is read to the end, kept as a bounded tail, and the last report still found")
    func flood() async {
        let result = await DeviceProcess(command: "head -c 8000000 /dev/zero | tr '\\0' x; echo; echo '{\"status\":\"assigned\"}'",
                                         environment: [:], timeLimit: .seconds(60)).run()
        #expect(result.end == .exited(0))
        #expect(result.stdout.total > 8_000_000)
        #expect(result.stdout.bytes.count <= OutputTail.limit)
        #expect(result.stdout.truncated)
        #expect(DeviceReport.lastObject(in: result.stdout.text, redact: { $0 })?.status == "assigned")
    }

    @Test("binary garbage on stdout is kept as text without a report")
    func garbage() async {
        let result = await DeviceProcess(command: "head -c 100000 /dev/urandom", environment: [:], timeLimit: .seconds(30)).run()
        #expect(result.end == .exited(0))
        #expect(result.stdout.total == 100_000)
        #expect(DeviceReport.lastObject(in: result.stdout.text, redact: { $0 }) == nil)
    }

    @Test("the case can stop a program that runs on")
    func stopped() async {
        let stop = DeviceStop()
        Task {
            try? await Task.sleep(for: .milliseconds(300))
            stop.set()
        }
        let started = ContinuousClock.now
        let result = await DeviceProcess(command: "sleep 60", environment: [:], timeLimit: .seconds(60)).run(stop: stop)
        #expect(result.end == .stopped)
        #expect(ContinuousClock.now - started < .seconds(120), "it ended instead of running on")
    }

    /// Whether `pid` has exited (absent, or a zombie left for init to reap).
    static func isGone(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        guard let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state == "Z" || state == "X"
    }
}

@Suite("Device under test: capability profile, known failures, real-time cost")
struct DeviceProfileTests {
    @Test("a profile names transports and attestations; a bad value is refused at its line")
    func profile() throws {
        let path = try TemporaryFiles.write("transports: [mqtt]\nattestations: [symmetricKey, x509]\n", name: "profile.yaml")
        let profile = try CapabilityProfile.load(path: path)
        #expect(profile.transports == [.mqtt])
        #expect(profile.attestations == [.symmetricKey, .x509])
        let bad = try TemporaryFiles.write("transports: [mqtt]\nattestations: [symetricKey]\n", name: "profile.yaml")
        do {
            _ = try CapabilityProfile.load(path: bad)
            Issue.record("a misspelt attestation must be refused")
        } catch let error as InputError {
            #expect(error.description.contains("profile.yaml"))
            #expect(error.description.contains(":2"))
        }
        let missing = try TemporaryFiles.write("transports: [mqtt]\n", name: "profile.yaml")
        #expect(throws: InputError.self) { try CapabilityProfile.load(path: missing) }
    }

    @Test("the profile skips what the device cannot do")
    func profileSkips() throws {
        let scenarios = try ScenarioLoader.load(file: try temporaryFile(validScenario.replacingOccurrences(of: "  - id: test/one", with: "  - id: test/one\n    matrix: {transport: [mqtt, https]}")))
        let profile = CapabilityProfile(transports: [.mqtt], attestations: [.x509], features: [])
        let https = try #require(scenarios.first { $0.transport == .https })
        #expect(profile.unsupported(https)?.contains("https") == true)
        let mqtt = try #require(scenarios.first { $0.transport == .mqtt })
        #expect(profile.unsupported(mqtt)?.contains("symmetricKey") == true)
    }

    @Test("an xfail file names catalogued requirements, with a reason")
    func knownFailures() throws {
        let catalogue = try RequirementCatalogue.load(path: repositoryRoot.appendingPathComponent("Scenarios/requirements.yaml").path)
        let path = try TemporaryFiles.write("- requirement: DPS-FLOW-RETRY-001\n  reason: waits 2 s\n- case: tls/tls13-only/mqtt\n  reason: TLS 1.2 only\n", name: "xfail.yaml")
        let known = try KnownFailures.load(path: path, catalogue: catalogue)
        #expect(known.entry(for: .dpsFlowRetry001, in: "any/case")?.reason == "waits 2 s")
        #expect(known.entry(for: .dpsFlowResult001, in: "tls/tls13-only/mqtt")?.reason == "TLS 1.2 only")
        #expect(known.entry(for: .dpsFlowResult001, in: "other") == nil)
        let unknown = try TemporaryFiles.write("- requirement: DPS-NOPE-001\n  reason: x\n", name: "xfail.yaml")
        #expect(throws: InputError.self) { try KnownFailures.load(path: unknown, catalogue: catalogue) }
        let reasonless = try TemporaryFiles.write("- requirement: DPS-FLOW-RETRY-001\n", name: "xfail.yaml")
        #expect(throws: InputError.self) { try KnownFailures.load(path: reasonless, catalogue: catalogue) }
    }

    @Test("the real-time cost counts the service's waits, bounded by the device's deadline")
    func realTimeCost() throws {
        let directory = repositoryRoot.appendingPathComponent("Scenarios").path
        let scenarios = try ScenarioLoader.load(paths: [directory])
        func cost(_ id: String) throws -> RealTimeCost { RealTimeCost(try #require(scenarios.first { $0.id == id })) }
        #expect(try cost("symmetric-key/assigned-after-polls/mqtt").seconds == 6)
        #expect(try cost("symmetric-key/long-retry-after/mqtt").seconds == 120)
        #expect(try cost("symmetric-key/never-assigned/mqtt").seconds == 120)
        #expect(try cost("faults/delayed-response/mqtt").seconds >= 20)
    }
}
