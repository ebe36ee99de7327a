import DPSCore
import FakeDPS
import Foundation
@testable import Fuzzing
import ScenarioEngine
import TestSupport
import XCTest

/// `fuzz --target URL`: the fake on loopback reached as an endpoint (verified TLS from the target
/// configuration's CA file, SNI, Host, the configuration's group key, its request rate), so the
/// path a real endpoint takes is tried without leaving the machine.
final class EndpointDestinationTests: XCTestCase {
    private func endpoint(for fake: FakeDestination, rate: Int = 10, withGroup: Bool = true) throws -> EndpointDestination {
        let ca = try TemporaryFiles.write(try XCTUnwrap(String(data: try fake.clientTLSCA(), encoding: .utf8)), name: "fuzz-endpoint-ca.pem")
        var yaml = "idScope: \(FuzzServiceSetup.idScope)\ntrust: {caFile: \(ca)}\nserverName: localhost\nrequestsPerSecond: \(rate)\nenrollments:\n"
        yaml += withGroup ? "  - role: group\n    registrationId: fuzz-group-device\n    groupKey: {keyEnv: FUZZ_GROUP_KEY}\n"
                          : "  - role: unknownDevice\n    registrationId: nobody\n"
        let path = try TemporaryFiles.write(yaml, name: "fuzz-endpoint-target.yaml")
        let configuration = try TargetConfiguration.load(path: path, environment: ["FUZZ_GROUP_KEY": FuzzServiceSetup.groupKey])
        let address = try TargetAddress(parsing: ["mqtts://127.0.0.1:\(fake.mqttPort)", "https://127.0.0.1:\(fake.httpsPort)"])
        return try EndpointDestination(address: address, configuration: configuration)
    }

    func testRegistrationIDsRunAgainstAnEndpointAtItsRateWithoutX509Cases() async throws {
        let fuzzer = try RegistrationIDFuzzer(settings: FuzzSettings(seed: 7, budget: .cases(30)))
        let fake = try await FakeDestination.start(fuzzer.serviceSetup())
        let endpoint = try endpoint(for: fake)
        XCTAssertEqual(endpoint.transports, [.mqtt, .https])
        let outcome = await fuzzer.run(against: endpoint)
        await fake.stop()
        XCTAssertEqual(outcome.violations.map(\.observed), [])
        XCTAssertEqual(outcome.harnessErrors, [])
        XCTAssertGreaterThan(outcome.casesSkipped, 0, "seed 7's first 30 cases include X.509 ones")
        XCTAssertEqual(outcome.casesRun + outcome.casesSkipped, 30)
        // At 10 requests a second, cases sent back to back were held back by the pacer.
        XCTAssertGreaterThan(try XCTUnwrap(endpoint.pacer).heldCount, 0)
    }

    func testTheHTTPTargetRunsAgainstAnEndpointWithTheWellBehavedDeviceAlongside() async throws {
        let fuzzer = try HTTPRequestFuzzer(settings: FuzzSettings(seed: 4, budget: .cases(12), transports: [.https]))
        let fake = try await FakeDestination.start(fuzzer.serviceSetup())
        let endpoint = try endpoint(for: fake)
        let outcome = await fuzzer.run(against: endpoint)
        await fake.stop()
        XCTAssertEqual(outcome.casesRun, 12)
        XCTAssertEqual(outcome.violations.map(\.observed), [])
        XCTAssertGreaterThan(outcome.wellBehavedRegistrations, 0)
        XCTAssertNil(outcome.residentBytesAtEnd, "an endpoint's memory is not observed")
    }

    func testAConfigurationWithoutAGroupIsRefusedWithTheFile() async throws {
        let fake = try await FakeDestination.start(try RegistrationIDFuzzer(settings: FuzzSettings(seed: 1, budget: .cases(0))).serviceSetup())
        defer { Task { await fake.stop() } }
        XCTAssertThrowsError(try endpoint(for: fake, withGroup: false)) { error in
            let setup = error as? EndpointDestination.SetupError
            XCTAssertEqual(setup?.reason, .noGroupEnrollment)
            XCTAssertEqual(setup.map { URL(fileURLWithPath: $0.file).lastPathComponent }, "fuzz-endpoint-target.yaml")
        }
    }

    /// The CLI refuses what an endpoint cannot do before sending anything (exit 2): `responses`
    /// against an endpoint, `certificates` without the corpus CA enrolled, an endpoint without a
    /// configuration, a configuration without an endpoint, and a transport the endpoint lacks.
    func testTheCLIRefusesWhatAnEndpointCannotDo() throws {
        let tool = try XCTUnwrap(BuiltTool.dpsconform, BuiltTool.missing)
        let config = try TemporaryFiles.write("idScope: 0ne00F0220\nenrollments: []\n", name: "fuzz-cli-target.yaml")
        let refused: [[String]] = [
            ["responses", "--target", "https://127.0.0.1:9", "--target-config", config],
            ["certificates", "--target", "https://127.0.0.1:9", "--target-config", config],
            ["http", "--target", "https://127.0.0.1:9"],
            ["http", "--target-config", config],
            ["http", "--target", "mqtts://127.0.0.1:9", "--target-config", config],
            ["registration-ids", "--target", "https://127.0.0.1:9", "--target-config", config, "--transport", "mqtt"],
        ]
        for arguments in refused {
            let result = try ToolProcess.run(tool.path, ["fuzz"] + arguments + ["--reports", NSTemporaryDirectory() + "fuzz-cli-refused"])
            XCTAssertEqual(result.status, 2, arguments.joined(separator: " "))
        }
    }

    func testAThrottlingAnswersRetryAfterIsRead() {
        let http = Array("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n".utf8)
        XCTAssertEqual(TLSExchange.throttling(http, transport: .https).map { "\($0.0) \($0.1)" }, "429 7")
        XCTAssertNil(TLSExchange.throttling(Array("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n".utf8), transport: .https))
        let topic = DPSTopic.response(status: 429, rawRequestID: "1", retryAfter: "3", requestIDFirst: true)
        let publish: [UInt8] = RegistrationRequest.packet(0x30, RegistrationRequest.string(topic) + Array("{}".utf8))
        XCTAssertEqual(TLSExchange.throttling(publish, transport: .mqtt).map { "\($0.0) \($0.1)" }, "429 3")
    }
}

extension FakeDestination {
    /// The fake's CA certificate as PEM bytes (what a user would put in a target configuration).
    func clientTLSCA() throws -> Data { Data(server.tls.caCertificatePEM.utf8) }
}
