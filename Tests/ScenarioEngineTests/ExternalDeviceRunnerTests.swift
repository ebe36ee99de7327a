import DPSCore
import Synchronization
import Foundation
import Inputs
@testable import ScenarioEngine
import TestSupport
import Testing
import Verdicts

/// The runner with an external device command: the project's own `dpsconform provision
/// --from-environment` as the device, and programs that misbehave in every way a device command can.
@Suite("Device under test: the runner with an external command", .serialized)
struct ExternalDeviceRunnerTests {
    static let catalogue = Result { try RequirementCatalogue.load(path: repositoryRoot.appendingPathComponent("Scenarios/requirements.yaml").path) }

    /// A symmetric-key case that ends assigned after one assigning answer with retry-after 1.
    static let assigned = """
        suite: external
        scenarios:
          - id: external/assigned
            service: {idScope: 0ne00E7E4A1, assigningPolls: 1, retryAfter: 1}
            enrollments:
              individual:
                - registrationId: ext-device
                  symmetricKey: {primaryKey: "c2VydmljZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE="}
                  iotHub: hub-ext.azure-devices.net
            device: {registrationId: ext-device, deadlineSeconds: 30}
            expect: {outcome: assigned, assignedHub: hub-ext.azure-devices.net}
          - id: external/wrong-key
            service: {idScope: 0ne00E7E4A1}
            enrollments:
              individual:
                - registrationId: ext-device
                  symmetricKey: {primaryKey: "c2VydmljZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE="}
            device: {registrationId: ext-device, key: wrong, deadlineSeconds: 30}
            expect: {outcome: rejected, errorCode: 401002}
            xfail: [DPS-AUTH-SAS-004]
        """

    func runner(_ command: String, caseTimeout: Duration = .seconds(60)) throws -> ScenarioRunner {
        var runner = ScenarioRunner(catalogue: try Self.catalogue.get(), caseTimeout: caseTimeout)
        runner.device = .command(try DeviceCommandTemplate(command))
        return runner
    }

    func scenarios() throws -> [Scenario] { try ScenarioLoader.load(file: try temporaryFile(Self.assigned)) }

    func provision() throws -> String {
        guard let tool = BuiltTool.dpsconform else { throw TestFailure(BuiltTool.missing) }
        return DeviceCommandTemplate.shellQuoted(tool.path) + " provision --from-environment"
    }

    @Test("dpsconform provision as the device: assigned on the real clock, its report read, retry-after honoured")
    func provisionAsDevice() async throws {
        let results = try await runner(try provision()).run(try scenarios())
        #expect(results.count == 2)
        let assigned = results[0]
        #expect(assigned.outcome == .pass, "\(assigned.verdicts.filter { $0.outcome != .pass && $0.outcome != .skip })")
        #expect(assigned.device?.kind == "command")
        #expect(assigned.device?.exitStatus == 0)
        #expect(assigned.device?.report?["status"] == "assigned")
        #expect(assigned.wallSeconds >= 1, "retry-after 1 s costs real time")
        #expect(assigned.verdicts.first { $0.requirement == .dpsFlowRetry001 }?.outcome == .pass)
        let refused = results[1]
        #expect(refused.outcome == .xfail)
        #expect(refused.device?.exitStatus == 1)
        let tails = (refused.device?.stdoutTail ?? "") + (refused.device?.stderrTail ?? "")
        #expect(!tails.contains("c2VydmljZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE="))
    }

    @Test("a device that claims assigned when it was refused fails DPS-FLOW-RESULT-001")
    func falseClaim() async throws {
        let command = try provision() + " >/dev/null 2>&1; echo '{\"status\":\"assigned\",\"assignedHub\":\"hub-ext.azure-devices.net\"}'"
        let results = try await runner(command).run(try scenarios())
        let refused = results[1]
        let verdict = try #require(refused.verdicts.first { $0.requirement == .dpsFlowResult001 })
        #expect(verdict.outcome == .fail)
        #expect(refused.device?.report?["status"] == "assigned")
        #expect(refused.deviceOutcome["status"] == "rejected")
    }

    @Test("a missing program is an error of its case; the run goes on")
    func missingProgram() async throws {
        let results = try await runner("/nonexistent/dps-device --host {host}").run(try scenarios())
        #expect(results.count == 2)
        for result in results {
            #expect(result.outcome == .error)
            #expect(result.verdicts.first { $0.requirement == .harness }?.outcome == .error)
            #expect(result.device?.exitStatus == 127)
        }
    }

    @Test("a program that hangs is an error at the case timeout; the next case still runs")
    func hangs() async throws {
        let results = try await runner("sleep 600", caseTimeout: .seconds(2)).run(try scenarios())
        #expect(results.count == 2)
        for result in results {
            #expect(result.outcome == .error)
            #expect(result.wallSeconds < 100, "ended at the case timeout, not left running")
            #expect(result.device?.end?.contains("still running") == true)
        }
    }

    @Test("a program that exits at once, or prints garbage, fails: it never provisioned")
    func exitsAtOnce() async throws {
        for command in ["true", "head -c 20000 /dev/urandom; exit 0"] {
            let results = try await runner(command).run(try scenarios())
            let assigned = results[0]
            #expect(assigned.outcome == .fail, "\(command)")
            let verdict = try #require(assigned.verdicts.first { $0.requirement == .dpsFlowResult001 })
            #expect(verdict.outcome == .fail)
            #expect(assigned.deviceOutcome["status"] == "connectionFailed")
            #expect(assigned.device?.report == nil)
        }
    }

    @Test("a program that floods stdout is stopped at the case timeout with a bounded tail")
    func floods() async throws {
        let results = try await runner("yes 'flood flood flood'", caseTimeout: .seconds(2)).run([try scenarios()[0]])
        let result = try #require(results.first)
        #expect(result.outcome == .error)
        #expect((result.device?.stdoutBytes ?? 0) > OutputTail.limit)
        #expect((result.device?.stdoutTail?.utf8.count ?? .max) <= OutputTail.limit)
    }

    @Test("a placeholder the case cannot fill skips the case with the reason")
    func missingPlaceholder() async throws {
        let results = try await runner("dev --cert {certFile}").run(try scenarios())
        for result in results {
            #expect(result.outcome == .skip)
            #expect(result.verdicts.first?.observed.contains("{certFile}") == true)
        }
    }

    @Test("mutant cases and cases too slow for the real clock are skipped for an external device, with the reason")
    func skips() async throws {
        let directory = repositoryRoot.appendingPathComponent("Scenarios").path
        let all = try ScenarioLoader.load(paths: [directory])
        let slow = try #require(all.first { $0.id == "symmetric-key/long-retry-after/mqtt" })
        let mutant = try #require(all.first { if case .mutant = $0.device.profile { true } else { false } })
        let results = try await runner("true").run([slow, mutant])
        #expect(results.allSatisfy { $0.outcome == .skip })
        #expect(results[0].verdicts[0].observed.contains("--real-time-limit"))
        #expect(results[1].verdicts[0].observed.contains("mutant"))
    }

    @Test("a known failure from --xfail is reported as xfail with its reason")
    func knownFailure() async throws {
        var runner = try runner("true")
        runner.knownFailures = KnownFailures(entries: [.init(requirement: .dpsFlowResult001, caseID: "external/assigned", reason: "not wired yet", site: "xfail.yaml:1")])
        let results = await runner.run([try scenarios()[0]])
        let verdict = try #require(results.first?.verdicts.first { $0.requirement == .dpsFlowResult001 })
        #expect(verdict.outcome == .xfail)
        #expect(verdict.observed.contains("not wired yet"))
    }

    @Test("a board on the bench: the settings are announced, the setup command starts it, the harness waits for it")
    func bench() async throws {
        let announced = Announcements()
        var runner = ScenarioRunner(catalogue: try Self.catalogue.get(), caseTimeout: .seconds(60))
        // setsid: the "board" runs on after the setup command's process group has ended.
        let setup = try DeviceCommandTemplate("setsid -f " + (try provision()) + " >/dev/null 2>&1")
        runner.device = .bench(BenchDevice(setupCommand: setup, connectTimeout: .seconds(20)) { announced.add($0) })
        let result = await runner.run(try scenarios()[0])
        #expect(result.outcome == .pass, "\(result.verdicts.filter { $0.outcome != .pass && $0.outcome != .skip })")
        #expect(result.device?.settings?["registrationId"] == "ext-device")
        #expect(result.device?.settings?["symmetricKey"]?.contains("DPS_SYMMETRIC_KEY") == true)
        #expect(announced.all.joined().contains("ext-device"))
        #expect(!announced.all.joined().contains("c2VydmljZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE="))
    }

    @Test("a board that never connects is an error after the wait")
    func benchNeverConnects() async throws {
        var runner = ScenarioRunner(catalogue: try Self.catalogue.get(), caseTimeout: .seconds(60))
        runner.device = .bench(BenchDevice(setupCommand: nil, connectTimeout: .seconds(1)) { _ in })
        let result = await runner.run(try scenarios()[0])
        #expect(result.outcome == .error)
        #expect(result.verdicts.contains { $0.requirement == .harness && $0.observed.contains("no connection") })
    }
}

final class Announcements: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
