import DPSCore
import Device
import FakeDPS
import Foundation
import Verdicts

extension ScenarioRunner {
    /// Runs a case whose device is a script: the case's fake on the real clock (a script waits in
    /// real time), the script against its endpoint with the case's credentials, and one verdict
    /// per requirement the script's expectations name.
    func runScript(_ scenario: Scenario, _ script: DeviceScript) async -> CaseResult {
        let wallStart = ContinuousClock.now
        let transcript = Transcript()
        var record = DeviceRunRecord(kind: "script")
        record.command = "\(script.steps.count) steps"
        func finished(_ verdicts: [Verdict], outcome: [String: String] = [:]) -> CaseResult {
            CaseResult(id: scenario.id, title: scenario.title, suite: scenario.suite, verdicts: verdicts, transcript: transcript.snapshot,
                       deviceOutcome: outcome, wallSeconds: (ContinuousClock.now - wallStart).seconds,
                       clockSeconds: (ContinuousClock.now - wallStart).seconds, device: record,
                       file: scenario.site.map { Self.reportedPath($0.file) }, line: scenario.site?.line)
        }
        func harnessError(_ message: String) -> CaseResult {
            finished([Verdict(requirement: .harness, outcome: .error, expected: ["the case runs"], observed: message)])
        }
        // The case's fake (both front ends: a script may use either), or a recording proxy to the target.
        let server: any CaseService
        let proxy: RecordingProxy?
        switch await startService(for: scenario, clock: SystemClock(), transcript: transcript, httpsAlways: true) {
        case .failure(let problem): return harnessError(problem.message)
        case .success(let started): (server, proxy) = started
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var key = scenario.device.x509 == nil && scenario.device.dice == nil ? deviceKey(for: scenario) : nil
        if case .groupKey(let groupKey) = scenario.device.key {
            // A group member signs with the key derived from the group key (DPS-AUTH-DERIVE-001).
            key = try? DerivedDeviceKey.derive(groupKeyBase64: groupKey, registrationID: scenario.device.registrationID)
        }
        let material: CaseMaterial
        do {
            material = try CaseMaterial.prepare(for: scenario, endpoint: server.endpoint(caFile: nil), caPEM: server.caCertificatePEM, key: key,
                                                in: directory.appendingPathComponent("device"))
        } catch {
            await server.stop()
            return harnessError("cannot write the case's files: \(error)")
        }
        let identity = scenario.device.x509.map { RawTLSStream.ClientIdentity(chainPEM: $0.chainPEM, keyPEM: $0.keyPEM) }
        var executor = ScriptExecutor(endpoint: server.endpoint(caFile: material.values[.caFile]),
                                      credentials: ScriptCredentials(registrationID: scenario.device.registrationID, symmetricKey: key, identity: identity),
                                      transport: scenario.transport)
        executor.mark = { transcript.snapshot.count }
        let run = executor
        guard let results = await withWallTimeout(caseTimeout, { await run.run(script) }) else {
            await server.stop()
            return harnessError("the script did not finish within \(caseTimeout) of wall time")
        }
        await server.awaitConnectionsClosed(within: .seconds(1))
        await server.stop()
        let events = transcript.snapshot
        if let proxy, !proxy.failures.all.isEmpty {
            // The target could not be reached (or not trusted): the script's failures say nothing of it.
            return harnessError("the target: " + Array(Set(proxy.failures.all)).sorted().joined(separator: "; "))
        }
        let findings = ScriptFindings.findings(results) { range in
            let bounded = range.clamped(to: 0..<events.count)
            return events[bounded].map(\.sequence)
        }
        var verdicts = findings.map { judged($0.0, $0.1, scenario: scenario, judgesExternalDevice: false) }
        if let unreported = ScriptFindings.unreported(results) { verdicts.append(unreported) }
        if !scenario.checks.isEmpty {
            // Device-side checks listed with a script judge what the script sent.
            let view = TranscriptView(events: events)
            let told = ToldOutcome.derive(from: view, clockSeconds: (ContinuousClock.now - wallStart).seconds, deadline: scenario.device.deadline)
            let context = CheckContext(scenario: scenario, outcome: told, view: view, timingTolerance: Self.realClockTolerance,
                                       serviceGivesReasons: proxy == nil)
            verdicts += scenario.checks.map { verdict($0, context: context) }
        }
        let answered = results.filter { if case .answered = $0.run { return true } else { return false } }.count
        return finished(verdicts, outcome: ["source": "device script", "steps": "\(answered) of \(results.count) run"])
    }
}
