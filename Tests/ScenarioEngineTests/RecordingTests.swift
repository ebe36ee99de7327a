import DPSCore
import FakeDPS
import Foundation
import Inputs
@testable import ScenarioEngine
import Testing
import Verdicts

/// Recordings (sanitising), behaviour comparison, replay plans, and binding scenarios to a target.
@Suite("Recordings, comparison, replay and target binding")
struct RecordingTests {
    private let catalogue: RequirementCatalogue
    private let scenarios: [Scenario]

    init() throws {
        let directory = repositoryRoot.appendingPathComponent("Scenarios").path
        catalogue = try RequirementCatalogue.load(path: directory + "/requirements.yaml")
        scenarios = try ScenarioLoader.load(paths: [directory])
    }

    private func scenario(_ id: String) throws -> Scenario {
        try #require(scenarios.first { $0.id == id })
    }

    private func transcript(_ id: String) async throws -> [WireEvent] {
        let result = await ScenarioRunner(catalogue: catalogue).run(try scenario(id))
        #expect(result.outcome == .pass, "\(id): \(result.verdicts.filter { $0.outcome != .pass && $0.outcome != .skip })")
        return result.transcript
    }

    @Test("sanitising replaces each identifying value by one stand-in everywhere, moves times to 2000-01-01 and drops raw bytes")
    func sanitising() async throws {
        for id in ["symmetric-key/assigned-after-polls/mqtt", "symmetric-key/assigned-after-polls/https"] {
            let events = try await transcript(id)
            let operation = events.compactMap { $0.exchange?.operationID }.first ?? ""
            let hub = events.compactMap { $0.exchange?.assignedHub }.first ?? ""
            #expect(!operation.isEmpty && !hub.isEmpty)
            let sanitised = try RecordingSanitiser().sanitise(events)
            let text = String(decoding: try TranscriptFile(events: sanitised).encoded(), as: UTF8.self)
            #expect(!text.contains(operation), "\(id): the operation ID is still there")
            #expect(!text.contains(hub), "\(id): the hub name is still there")
            #expect(!text.contains("sig=") || text.contains("sig=REDACTED"))
            // The same operation everywhere: every request that names one and every answer that carries one.
            let operations = Set(sanitised.compactMap { $0.exchange?.operationID })
            #expect(operations == ["operation-1"], "\(id): \(operations)")
            #expect(Set(sanitised.compactMap { $0.exchange?.assignedHub }) == ["hub-1.example.net"])
            #expect(sanitised.first?.time == RecordingSanitiser.epoch)
            for (original, moved) in zip(events, sanitised) {
                #expect(abs(moved.time.timeIntervalSince(RecordingSanitiser.epoch) - original.time.timeIntervalSince(events[0].time)) < 0.001)
                #expect(moved.raw.isEmpty || moved.certificate != nil)
            }
            // Kept on request.
            let kept = try RecordingSanitiser(keep: [.assignedHub]).sanitise(events)
            #expect(kept.compactMap { $0.exchange?.assignedHub }.first == hub)
        }
    }

    @Test("the comparison finds a missing request, another route or body, and an early poll, each under its rule")
    func comparison() async throws {
        let reference = try await transcript("symmetric-key/assigned-after-polls/mqtt")
        #expect(BehaviourComparison.compare(reference: reference, device: reference).matches)

        // Without its last poll and answer: one request missing.
        let lastPoll = try #require(reference.lastIndex { $0.exchange?.kind == .poll && $0.direction == .toService })
        let shorter = Array(reference[..<lastPoll])
        let missing = BehaviourComparison.compare(reference: reference, device: shorter)
        #expect(missing.findings.map(\.requirement) == [.dpsBehavSeq001])
        #expect(missing.firstDivergence == 3)

        // The first poll to another topic.
        var moved = reference
        let firstPoll = try #require(moved.firstIndex { $0.exchange?.kind == .poll && $0.direction == .toService })
        if case .mqtt(.publish(var publish)) = moved[firstPoll].content {
            publish.topic = publish.topic.replacingOccurrences(of: "iotdps-get-operationstatus", with: "iotdps-get-operationstatus-v2")
            moved[firstPoll].content = .mqtt(.publish(publish))
        }
        let other = BehaviourComparison.compare(reference: reference, device: moved)
        #expect(other.findings.map(\.requirement) == [.dpsBehavField001])
        #expect(other.findings.first?.evidence == [moved[firstPoll].sequence])

        // The first poll a second after the 202 that asked for three.
        var early = reference
        let answer = try #require(early[..<firstPoll].lastIndex { $0.exchange?.role == .response })
        early[firstPoll].time = early[answer].time.addingTimeInterval(1)
        let hurried = BehaviourComparison.compare(reference: reference, device: early)
        #expect(hurried.findings.map(\.requirement) == [.dpsBehavTime001])
        #expect(hurried.sideBySide().contains("first divergence at request 2"))
    }

    @Test("a recording becomes the fake's answers: each response at its kind's occurrence, with status, retry-after and body")
    func replayPlan() throws {
        let recording = try ReferenceRecording.load(path: repositoryRoot.appendingPathComponent("Scenarios/recordings/python-sdk-mqtt.json").path)
        #expect(recording.transport == .mqtt)
        let plan = try ReplayPlan.faultPlan(from: recording.events, source: "python-sdk-mqtt.json")
        let answers = plan.rules.compactMap { rule -> (FaultTarget, OccurrenceSelector, Int, String?)? in
            guard case .replay(let status, let retryAfter, _, _) = rule.action else { return nil }
            return (rule.on, rule.occurrences, status, retryAfter)
        }
        #expect(answers.count == 3)
        #expect(answers.map(\.0) == [.register, .poll, .poll])
        #expect(answers.map(\.1) == [.nth(1), .nth(1), .nth(2)])
        #expect(answers.map(\.2) == [202, 202, 200])
        #expect(answers.map(\.3) == ["3", "3", nil])
        #expect(throws: ReplayPlan.Problem.self) { try ReplayPlan.faultPlan(from: [], source: "empty") }
    }

    @Test("a target configuration names the file, line and field of what is wrong")
    func targetConfigurationErrors() throws {
        let base = """
            idScope: 0ne00000A0A
            enrollments:
              - role: assigned
                registrationId: device-01
                symmetricKey: {primaryKeyEnv: DPSCONFORM_TEST_UNSET_KEY}
            """
        let unset = try temporaryFile(base, name: "target.yaml")
        #expect(throws: InputError.self) { try TargetConfiguration.load(path: unset, environment: [:]) }
        do {
            _ = try TargetConfiguration.load(path: unset, environment: [:])
        } catch let error as InputError {
            #expect(error.file == unset && error.line == 5 && error.message.contains("DPSCONFORM_TEST_UNSET_KEY"))
        }
        let loaded = try TargetConfiguration.load(path: unset, environment: ["DPSCONFORM_TEST_UNSET_KEY": "c2VjcmV0LWtleS1mb3ItdGVzdHM="])
        #expect(loaded.enrollments[.assigned]?.registrationID == "device-01")
        #expect(loaded.requestsPerSecond == UpstreamPacing.defaultRequestsPerSecond)
        for (text, line) in [(base.replacingOccurrences(of: "role: assigned", with: "role: everything"), 3),
                             (base + "\nrequestsPerSecond: 500", 6),
                             (base.replacingOccurrences(of: "registrationId: device-01", with: "registrationId: bad$id"), 4)] {
            let path = try temporaryFile(text, name: "target.yaml")
            do {
                _ = try TargetConfiguration.load(path: path, environment: ["DPSCONFORM_TEST_UNSET_KEY": "c2VjcmV0LWtleS1mb3ItdGVzdHM="])
                Issue.record("accepted: \(text)")
            } catch let error as InputError {
                #expect(error.line == line, "\(error)")
            }
        }
    }

    @Test("target addresses: mqtts and https with default ports, azure for both, one host, TLS only")
    func targetAddresses() throws {
        let one = try TargetAddress(parsing: ["mqtts://dps.example.net"])
        #expect(one.host == "dps.example.net" && one.mqttPort == 8883 && one.httpsPort == nil)
        let both = try TargetAddress(parsing: ["mqtts://127.0.0.1:1883", "https://127.0.0.1:8443/"])
        #expect(both.mqttPort == 1883 && both.httpsPort == 8443)
        #expect(try TargetAddress(parsing: ["azure"]).host == ServiceEndpoint.globalHost)
        #expect(try TargetAddress(parsing: ["https://[::1]:9443"]).host == "::1")
        for bad in [["mqtt://plain.example.net"], ["http://x"], ["mqtts://a", "https://b"], ["https://h:0"], ["mqtts://h:1", "mqtts://h:2"]] {
            #expect(throws: TargetAddress.ParseError.self, "\(bad)") { try TargetAddress(parsing: bad) }
        }
    }

    @Test("a scenario's device plays a role; what only the fake can do is skipped with its reason")
    func roles() throws {
        #expect(TargetBinding.role(of: try scenario("symmetric-key/assigned-after-polls/mqtt")) == .assigned)
        #expect(TargetBinding.role(of: try scenario("symmetric-key/wrong-key/mqtt")) == .wrongKey)
        #expect(TargetBinding.role(of: try scenario("symmetric-key/unknown-device/mqtt")) == .unknownDevice)
        #expect(TargetBinding.role(of: try scenario("symmetric-key/disabled-enrollment/mqtt")) == .disabled)
        #expect(TargetBinding.role(of: try scenario("symmetric-key/group-derived-key/mqtt")) == .group)
        #expect(TargetBinding.role(of: try scenario("x509/individual/mqtt")) == .x509)
        let configuration = TargetConfiguration(idScope: "0ne00000A0A", trust: .system, serverName: nil, requestsPerSecond: 2,
                                                enrollments: [.assigned: TargetEnrollment(role: .assigned, registrationID: "device-01",
                                                                                          credential: .symmetricKey(primary: "a2V5", secondary: nil),
                                                                                          assignedHub: nil, deviceID: nil,
                                                                                          site: SourceSite(file: "target.yaml"))],
                                                file: "target.yaml")
        let target = TargetSettings(upstream: ProxyUpstream(host: "dps.example.net", mqttPort: 8883, httpsPort: nil, trust: .system),
                                    configuration: configuration)
        #expect(TargetBinding.skipReason(try scenario("symmetric-key/assigned-after-polls/mqtt"), target: target) == nil)
        #expect(TargetBinding.skipReason(try scenario("symmetric-key/assigned-after-polls/https"), target: target)?.contains("no HTTPS endpoint") == true)
        #expect(TargetBinding.skipReason(try scenario("symmetric-key/long-retry-after/mqtt"), target: target)?.contains("fake's script") == true)
        #expect(TargetBinding.skipReason(try scenario("symmetric-key/secondary-key/mqtt"), target: target)?.contains("secondary") == true)
        #expect(TargetBinding.skipReason(try scenario("symmetric-key/wrong-key/mqtt"), target: target)?.contains("role wrongKey") == true)
        let bound = TargetBinding.bind(try scenario("symmetric-key/assigned-after-polls/mqtt"), to: configuration.enrollments[.assigned]!,
                                       configuration: configuration)
        #expect(bound.device.registrationID == "device-01" && bound.service.idScope == "0ne00000A0A")
        #expect(bound.expect.assignedHub == nil && bound.expect.errorCode == nil)
    }

    @Test("a replay answers as late as the recorded service did, and --compare-with checks each case against its vector")
    func replayTimingAndVectors() async throws {
        let replayed = await ScenarioRunner(catalogue: catalogue).run(try scenario("replay/python-sdk/mqtt/reference"))
        #expect(replayed.outcome == .pass, "\(replayed.verdicts.filter { $0.outcome != .pass && $0.outcome != .skip })")
        let recording = try ReferenceRecording.load(path: repositoryRoot.appendingPathComponent("Scenarios/recordings/python-sdk-mqtt.json").path)
        func latencies(_ events: [WireEvent]) -> [Double] {
            let steps = BehaviourComparison.steps(events)
            return zip(steps, steps.dropFirst()).compactMap { request, answer in
                request.side == .request && answer.side == .response ? answer.seconds - request.seconds : nil
            }
        }
        let recorded = latencies(recording.events)
        let now = latencies(replayed.transcript)
        #expect(recorded.count == 3 && now.count == 3)
        for (was, is_) in zip(recorded, now) { #expect(abs(was - is_) < 0.01, "recorded \(recorded), replayed \(now)") }

        // The behaviour vectors, as ci/run-suite.sh compares them.
        var runner = ScenarioRunner(catalogue: catalogue)
        let directory = repositoryRoot.appendingPathComponent("Vectors/behaviour").path
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".json") {
            let vector = try ReferenceRecording.load(path: directory + "/" + name)
            runner.references[try #require(vector.recording?.caseID)] = vector.events
        }
        #expect(runner.references.count == 8)
        let cases = scenarios.filter { runner.references[$0.id] != nil }
        #expect(cases.count == 8)
        for result in await runner.run(cases) {
            for requirement in CheckLibrary.behaviourChecks {
                #expect(result.verdicts.first { $0.requirement == requirement }?.outcome == .pass, "\(result.id) \(requirement)")
            }
        }
    }
}
