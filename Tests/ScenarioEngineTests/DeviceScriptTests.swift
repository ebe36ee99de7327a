import DPSCore
import FakeDPS
import Foundation
import Inputs
import Logging
import MQTTWire
@testable import ScenarioEngine
import Testing
import Verdicts

/// A scenario with a script, around `steps` (indented as list items of `script:`) and `service` settings.
private func scriptScenario(_ steps: String, service: String = "{idScope: 0ne00005C71, assigningPolls: 0, retryAfter: 1}",
                            transport: String = "mqtt", extra: String = "") -> String {
    """
    suite: test
    scenarios:
      - id: test/script
        transport: \(transport)
        service: \(service)
        enrollments:
          individual:
            - {registrationId: dev-1, symmetricKey: {primaryKey: "c2VydmljZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE="}, iotHub: hub-1.azure-devices.net}
        device: {registrationId: dev-1}
    \(extra)
        script:
    \(steps)
    """
}

private let registerSteps = """
      - connect: {}
      - subscribe: "$dps/registrations/res/#"
      - register: {}
        expect:
          - {requirement: DPS-SVC-RID-001, status: 202, rid: echoed}
        bind: {opId: $.operationId, code: status}
      - wait: retryAfter
      - poll: {operationId: "{opId}"}
        expect: {requirement: DPS-SVC-POLL-001, status: 200, body: {$.status: assigned, $.registrationState.assignedHub: hub-1.azure-devices.net}}
"""

private func catalogue() throws -> RequirementCatalogue {
    try RequirementCatalogue.load(path: repositoryRoot.appendingPathComponent("Scenarios/requirements.yaml").path)
}

@Suite("Device scripts: loading, running against the fake, bindings")
struct DeviceScriptTests {
    // MARK: Loader errors name file, line and field.

    @Test("an unknown step is refused at its line")
    func unknownStep() throws {
        let error = try #require(try loadError(scriptScenario("      - connect: {}\n      - jump: {to: 3}")))
        #expect(error.code == .unknownField)
        #expect(error.line == 13)
        #expect(error.field?.hasSuffix("script[1].jump") == true)
    }

    @Test("a bad JSON path is refused at its line")
    func badJSONPath() throws {
        let steps = "      - connect: {}\n      - register: {}\n        expect: {requirement: DPS-SVC-RID-001, bodyHas: [status]}"
        let error = try #require(try loadError(scriptScenario(steps)))
        #expect(error.code == .invalidValue)
        #expect(error.line == 14)
    }

    @Test("an unknown requirement is refused at its line")
    func unknownRequirement() throws {
        let steps = "      - connect: {}\n        expect: {requirement: DPS-SVC-NOPE-001, connack: 0}"
        let error = try #require(try loadError(scriptScenario(steps)))
        #expect(error.code == .unknownRequirement)
        #expect(error.line == 13)
    }

    @Test("a placeholder no earlier step binds, an expectation without a condition, and an xfail the script does not check are refused")
    func otherErrors() throws {
        let unbound = try #require(try loadError(scriptScenario("      - connect: {}\n      - publish: {topic: \"x/{opId}\"}")))
        #expect(unbound.code == .invalidValue)
        #expect(unbound.line == 13)
        let empty = try #require(try loadError(scriptScenario("      - connect: {}\n        expect: {requirement: DPS-SVC-SESSION-001}")))
        #expect(empty.code == .missingField)
        let xfail = try #require(try loadError(scriptScenario("      - connect: {}", extra: "    xfail: [DPS-SVC-RID-001]")))
        #expect(xfail.code == .invalidValue)
        let matrix = try #require(try loadError(scriptScenario("      - connect: {}", extra: "    matrix: {transport: [mqtt, https]}")))
        #expect(matrix.code == .invalidValue)
        let misplaced = try #require(try loadError(scriptScenario("      - connect: {}\n      - subscribe: \"$dps/registrations/res/#\"\n        expect: {requirement: DPS-SVC-SESSION-001, connack: 0}")))
        #expect(misplaced.code == .invalidValue)
        #expect(misplaced.line == 14)
    }

    @Test("a script's requirement that the catalogue lacks is refused at the expectation's line")
    func catalogueLacksRequirement() throws {
        let scenarios = try ScenarioLoader.load(file: try temporaryFile(scriptScenario(registerSteps)))
        let error = try #require(throws: InputError.self) { try RequirementCatalogue(requirements: []).validate(scenarios) }
        #expect(error.code == .unknownRequirement)
        #expect(error.line == 16)
    }

    @Test("a script loads into typed steps, expectations and bindings")
    func loads() throws {
        let scenarios = try ScenarioLoader.load(file: try temporaryFile(scriptScenario(registerSteps)))
        let script = try #require(scenarios.first?.script)
        #expect(script.steps.count == 5)
        #expect(scenarios.first?.checks.isEmpty == true)
        #expect(script.requirements == [.dpsSvcRid001, .dpsSvcPoll001])
        let register = script.steps[2]
        #expect(register.expectations.first?.alternatives == [[.requestIDEchoed, .status([202])]])
        #expect(register.bindings.map(\.name).sorted() == ["code", "opId"])
        if case .wait(.retryAfter) = script.steps[3].action {} else { Issue.record("step 4 is not wait retryAfter") }
    }

    // MARK: Running against the fake, and against a fake that breaks the rule.

    @Test("a script passes against the fake")
    func passes() async throws {
        let scenarios = try ScenarioLoader.load(file: try temporaryFile(scriptScenario(registerSteps)))
        let result = await ScenarioRunner(catalogue: try catalogue()).run(scenarios[0])
        #expect(result.outcome == .pass, "\(result.verdicts)")
        #expect(Set(result.verdicts.map(\.requirement)) == [.dpsSvcRid001, .dpsSvcPoll001])
        #expect(result.verdicts.allSatisfy { !$0.evidence.isEmpty })
        #expect(!result.transcript.isEmpty)
    }

    @Test("the same script fails against a fake that does not echo $rid, with that requirement and the answer it got")
    func failsAgainstQuirk() async throws {
        let text = scriptScenario(registerSteps, service: "{idScope: 0ne00005C71, assigningPolls: 0, retryAfter: 1, ridEcho: false}")
        let scenarios = try ScenarioLoader.load(file: try temporaryFile(text))
        let result = await ScenarioRunner(catalogue: try catalogue()).run(scenarios[0])
        let rid = try #require(result.verdicts.first { $0.requirement == .dpsSvcRid001 })
        #expect(rid.outcome == .fail)
        #expect(!rid.evidence.isEmpty)
        // The poll does not depend on $rid: it still passes.
        #expect(result.verdicts.first { $0.requirement == .dpsSvcPoll001 }?.outcome == .pass)
        // The observation, typed: run the script itself against that fake; the register's answer
        // is a 202 whose topic has no $rid.
        let server = try await FakeDPSServer.start(configuration: scenarios[0].service, clock: SystemClock(),
                                                   logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("script-ca-\(UUID().uuidString).pem")
        try Data(server.tls.caCertificatePEM.utf8).write(to: caFile)
        defer { try? FileManager.default.removeItem(at: caFile) }
        let executor = ScriptExecutor(endpoint: server.endpoint(caFile: caFile.path),
                                      credentials: ScriptCredentials(registrationID: "dev-1", symmetricKey: "c2VydmljZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE=", identity: nil),
                                      transport: .mqtt)
        let results = await executor.run(try #require(scenarios[0].script))
        await server.stop()
        guard case .answered(.response(let response)) = results[2].run else { Issue.record("no answer to the register: \(results[2].run)"); return }
        #expect(response.status == 202)
        #expect(response.sentRequestID == "3")
        #expect(response.properties?.raw("$rid") == nil)
        #expect(response.pubAck == true)
    }

    @Test("with xfail, the broken rule is an expected failure; a connection that cannot be made fails every later expectation")
    func xfailAndUnreachable() async throws {
        let text = scriptScenario(registerSteps, service: "{idScope: 0ne00005C71, assigningPolls: 0, retryAfter: 1, ridEcho: false}",
                                  extra: "    xfail: [DPS-SVC-RID-001]")
        let scenarios = try ScenarioLoader.load(file: try temporaryFile(text))
        let result = await ScenarioRunner(catalogue: try catalogue()).run(scenarios[0])
        #expect(result.verdicts.first { $0.requirement == .dpsSvcRid001 }?.outcome == .xfail)
        #expect(result.outcome == .xfail)

        // An endpoint where nothing listens: the connect step cannot run, within its deadline.
        let script = try #require(try ScenarioLoader.load(file: try temporaryFile(scriptScenario(registerSteps)))[0].script)
        let executor = ScriptExecutor(endpoint: ServiceEndpoint(host: "127.0.0.1", mqttPort: 1, httpsPort: 1, idScope: "0ne00005C71", caFile: nil),
                                      credentials: ScriptCredentials(registrationID: "dev-1", symmetricKey: "c2VydmljZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE=", identity: nil),
                                      transport: .mqtt)
        let results = await executor.run(script)
        guard case .couldNotRun = results[0].run else { Issue.record("connect ran"); return }
        for later in results.dropFirst() {
            guard case .notRun = later.run else { Issue.record("step \(later.step.number) ran"); continue }
        }
        let findings = ScriptFindings.findings(results) { _ in [] }
        #expect(findings.map(\.0) == [.dpsSvcRid001, .dpsSvcPoll001])
        #expect(findings.allSatisfy { $0.1.outcome == .fail })
    }

    @Test("raw bytes and wait for a response: a QoS 1 PUBLISH written by hand is answered PUBACK, then the response")
    func rawThenWait() async throws {
        let publish = MQTTPacket.publish(MQTTPublish(topicName: "$dps/registrations/PUT/iotdps-register/?$rid=42",
                                                     payload: Array(#"{"registrationId":"dev-1"}"#.utf8), qos: .atLeastOnce, packetIdentifier: 7))
        let hex = try publish.encode().map { String(format: "%02x", $0) }.joined(separator: " ")
        let steps = """
              - connect: {}
              - subscribe: "$dps/registrations/res/#"
              - raw: "\(hex)"
              - wait: response
                expect: {requirement: DPS-SVC-QOS-001, status: 202, bodyHas: [$.operationId]}
        """
        let scenarios = try ScenarioLoader.load(file: try temporaryFile(scriptScenario(steps)))
        let script = try #require(scenarios[0].script)
        let server = try await FakeDPSServer.start(configuration: scenarios[0].service, clock: SystemClock(),
                                                   logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("script-ca-\(UUID().uuidString).pem")
        try Data(server.tls.caCertificatePEM.utf8).write(to: caFile)
        defer { try? FileManager.default.removeItem(at: caFile) }
        let executor = ScriptExecutor(endpoint: server.endpoint(caFile: caFile.path),
                                      credentials: ScriptCredentials(registrationID: "dev-1", symmetricKey: "c2VydmljZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE=", identity: nil),
                                      transport: .mqtt)
        let results = await executor.run(script)
        await server.stop()
        guard case .answered(.packet(.pubAck(let acknowledged))) = results[2].run else { Issue.record("raw step: \(results[2].run)"); return }
        #expect(acknowledged == 7)
        guard case .answered(.response(let response)) = results[3].run else { Issue.record("wait step: \(results[3].run)"); return }
        #expect(response.status == 202)
        #expect(response.properties?.raw("$rid") == "42")
        #expect(ScriptFindings.findings(results) { _ in [] }.map { $0.1.outcome } == [.pass])
    }

    @Test("an HTTP response is read whole: by Content-Length, by chunks, or to the close")
    func httpParsing() throws {
        let head = "HTTP/1.1 202 Accepted\r\nRetry-After: 3\r\nContent-Length: 12\r\n\r\n"
        #expect(ScriptHTTPExchange.parse(Array((head + "{\"a\":").utf8), complete: false) == nil)
        let whole = try #require(ScriptHTTPExchange.parse(Array((head + "{\"a\":12345 }").utf8), complete: false))
        #expect(whole.status == 202)
        #expect(whole.retryAfter == "3")
        #expect(whole.json == .object(["a": .integer(12345)]))
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"b\"\r\n3\r\n:2}\r\n"
        #expect(ScriptHTTPExchange.parse(Array(chunked.utf8), complete: false) == nil)
        #expect(ScriptHTTPExchange.parse(Array((chunked + "0\r\n\r\n").utf8), complete: false)?.json == .object(["b": .integer(2)]))
        let unbounded = "HTTP/1.1 400 Bad Request\r\n\r\nno length"
        #expect(ScriptHTTPExchange.parse(Array(unbounded.utf8), complete: false) == nil)
        #expect(ScriptHTTPExchange.parse(Array(unbounded.utf8), complete: true)?.body == Array("no length".utf8))
    }

    // MARK: Bindings and paths.

    @Test("bindings take values from the answer; placeholders use them; JSON braces pass through")
    func bindings() throws {
        let state = ScriptState(registrationID: "dev-1", idScope: "0neX")
        let body = Array(#"{"operationId":"4.abc","status":"assigning","registrationState":{"n":[1,2]}}"#.utf8)
        let response = ScriptResponse(status: 202, topic: "$dps/registrations/res/202/?$rid=7&retry-after=3", sentRequestID: "7",
                                      retryAfter: "3", body: body)
        let step = ScriptStep(action: .register(body: nil, requestID: nil),
                              bindings: [ScriptBinding(name: "op", source: .body(try JSONPath(parsing: "$.operationId"))),
                                         ScriptBinding(name: "second", source: .body(try JSONPath(parsing: "$.registrationState.n[1]"))),
                                         ScriptBinding(name: "echo", source: .requestID), ScriptBinding(name: "code", source: .status)],
                              location: "x.yaml:1", number: 1)
        state.bind(step, answer: .response(response))
        #expect(state.bindings["op"] == "4.abc")
        #expect(state.bindings["operationId"] == "4.abc")
        #expect(state.bindings["retryAfter"] == "3")
        #expect(state.bindings["second"] == "2")
        #expect(state.bindings["echo"] == "7")
        #expect(state.bindings["code"] == "202")
        #expect(try state.resolve(#"{"id":"{registrationId}","op":"{op}"}/{rid}"#, rid: "9") == #"{"id":"dev-1","op":"4.abc"}/9"#)
        #expect(throws: ScriptStepError.self) { try state.resolve("{missing}", rid: nil) }
        // A later answer without the value unbinds it.
        state.bind(step, answer: .response(ScriptResponse(status: 400, body: [])))
        #expect(state.bindings["op"] == nil)
    }

    @Test("JSON paths read members and indexes; malformed ones are refused")
    func jsonPaths() throws {
        let value = try JSONText.decode(JSONValue.self, from: Array(#"{"a":{"b":[{"c":true}]}}"#.utf8), what: "test")
        #expect(try JSONPath(parsing: "$.a.b[0].c").value(in: value) == .bool(true))
        #expect(try JSONPath(parsing: "$.a.x").value(in: value) == nil)
        #expect(try JSONPath(parsing: "$").value(in: value) == value)
        for bad in ["a.b", "$.", "$[x]", "$.a b", "$[1"] {
            #expect(throws: JSONPathError.self, "\(bad)") { try JSONPath(parsing: bad) }
        }
    }
}
