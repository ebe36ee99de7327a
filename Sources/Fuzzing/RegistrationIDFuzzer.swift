import DPSCore
import FakeDPS
import Foundation
import NIOSSL

/// `dpsconform fuzz registration-ids`: sends each case over TLS to the destination and judges the
/// answer with the registration-ID oracle.
public struct RegistrationIDFuzzer: Sendable {
    public let settings: FuzzSettings
    let pki: FuzzPKI

    public init(settings: FuzzSettings, now: Date = Date()) throws {
        self.settings = settings
        // The certificate corpus's stream: the same seed gives the same CA keys, so one enrolled
        // group-ca.pem (`fuzz certificates --write-corpus`) serves both targets on an endpoint.
        var random = FuzzRandom.forCase(seed: settings.seed, index: 0, stream: 2)
        pki = try FuzzPKI(now: now, random: &random)
    }

    /// The service setup this target needs.
    public func serviceSetup(weakness: DeliberateWeakness? = nil) -> FuzzServiceSetup {
        FuzzServiceSetup(profile: settings.profile, groupCA: pki.root.der, weakness: weakness)
    }

    /// Case `index` of this run.
    public func fuzzCase(_ index: Int) -> RegistrationIDCase {
        RegistrationIDCase.make(seed: settings.seed, index: index, transports: settings.transports)
    }

    /// Runs cases until the budget is spent; `progress` is told after each case.
    public func run(against destination: any CaseDestination, progress: @Sendable (Int, Int) -> Void = { _, _ in }) async -> FuzzTargetOutcome {
        let oracle = RegistrationIDOracle(profile: settings.profile)
        let started = ContinuousClock.now
        var outcome = FuzzTargetOutcome(target: .registrationIDs, seed: settings.seed, casesRun: 0, wallSeconds: 0, casesByTransport: [:],
                                        presentedWithoutTLS: 0, violations: [], harnessErrors: [])
        var index = 0
        while settings.budget.allows(next: index, started: started) {
            let fuzzCase = fuzzCase(index)
            if fuzzCase.credential == .x509, !destination.enrollsRunCA {
                outcome.casesSkipped += 1
                outcome.skipReason = "X.509 cases need a service that trusts the run's CA (enrol group-ca.pem of `fuzz certificates --write-corpus` for the same seed and say --corpus-ca-enrolled)"
                index += 1
                progress(index, outcome.violations.count)
                continue
            }
            let (answer, withoutTLS, findings) = await evaluate(fuzzCase, oracle: oracle, against: destination)
            if withoutTLS { outcome.presentedWithoutTLS += 1 }
            outcome.casesRun += 1
            outcome.casesByTransport[fuzzCase.transport, default: 0] += 1
            if case .connectFailed(let reason) = answer {
                outcome.harnessErrors.append("registration-ids/\(index): \(reason)")
            }
            for finding in findings {
                let smallest = await minimise(fuzzCase, keeping: finding, oracle: oracle, against: destination)
                outcome.violations.append(violation(smallest, finding: finding, original: fuzzCase))
            }
            index += 1
            progress(index, outcome.violations.count)
        }
        outcome.wallSeconds = (ContinuousClock.now - started).seconds
        return outcome
    }

    /// One case sent and judged: the answer, whether it went without TLS, and the oracle's findings.
    func evaluate(_ fuzzCase: RegistrationIDCase, oracle: RegistrationIDOracle,
                  against destination: any CaseDestination) async -> (WireAnswer, Bool, [OracleFinding]) {
        let before = destination.operationRegistrationIDs()
        let (answer, withoutTLS) = await send(fuzzCase, to: destination)
        let after = destination.operationRegistrationIDs()
        let registered = before.flatMap { before in after.map { $0.filter { before[$0.key] == nil }.map(\.value) } }
        return (answer, withoutTLS, oracle.judge(fuzzCase, answer: answer, registered: registered))
    }

    /// The smallest case found that still shows `finding` (same kind and rule): first without the
    /// disagreement, then with ever smaller chunks of the ID removed (delta debugging, Zeller and
    /// Hildebrandt, "Simplifying and isolating failure-inducing input", 2002), within 64 re-sends.
    /// A hang is not minimised: every attempt would wait out the deadline.
    func minimise(_ start: RegistrationIDCase, keeping finding: OracleFinding, oracle: RegistrationIDOracle,
                  against destination: any CaseDestination) async -> RegistrationIDCase {
        guard finding.kind != .hang else { return start }
        var best = start
        var attempts = 0
        func shows(_ candidate: RegistrationIDCase) async -> Bool {
            attempts += 1
            let (_, _, found) = await evaluate(candidate, oracle: oracle, against: destination)
            return found.contains { $0.kind == finding.kind && $0.requirement == finding.requirement }
        }
        if best.disagreement != nil {
            var plain = best
            plain.disagreement = nil
            if await shows(plain) { best = plain }
        }
        var chunk = max(1, best.id.unicodeScalars.count / 2)
        while chunk >= 1, attempts < 64 {
            var position = 0
            var removedAny = false
            while attempts < 64 {
                let scalars = Array(best.id.unicodeScalars)
                guard position < scalars.count, scalars.count > 1 else { break }
                var candidate = best
                var kept = String.UnicodeScalarView()
                kept.append(contentsOf: scalars[..<position])
                kept.append(contentsOf: scalars[min(scalars.count, position + chunk)...])
                candidate.id = String(kept)
                if await shows(candidate) {
                    best = candidate
                    removedAny = true
                } else {
                    position += chunk
                }
            }
            if !removedAny { chunk /= 2 }
        }
        return best
    }

    /// One case on the wire; true when it reached the service without TLS because the TLS library
    /// refused to load the case's certificate (a CN it cannot encode).
    public func send(_ fuzzCase: RegistrationIDCase, to destination: any CaseDestination) async -> (WireAnswer, Bool) {
        var tls: TLSConfiguration
        do {
            tls = try destination.clientTLS()
        } catch {
            return (.connectFailed("the destination's trust: \(error)"), false)
        }
        if fuzzCase.credential == .x509 {
            guard let (chain, key) = try? leaf(for: fuzzCase) else { return (.connectFailed("no leaf certificate for the case"), false) }
            do {
                tls.certificateChain = try chain.map { .certificate(try NIOSSLCertificate(bytes: $0, format: .der)) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
            } catch {
                let named = fuzzCase.id(at: fuzzCase.transport == .mqtt ? .username : .urlPath)
                guard let answer = destination.presentDirectly(chain: chain, registrationID: named, body: RegistrationRequest.body(fuzzCase)) else {
                    return (.connectFailed("the TLS library refuses the case's certificate (\(error)) and the destination has no service path"), false)
                }
                return (answer, true)
            }
        }
        return (await sendOverTLS(fuzzCase, tls: tls, to: destination), false)
    }

    private func sendOverTLS(_ fuzzCase: RegistrationIDCase, tls: TLSConfiguration, to destination: any CaseDestination) async -> WireAnswer {
        let token = fuzzCase.credential == .sas
            ? RegistrationRequest.sasToken(fuzzCase, idScope: destination.idScope, groupKey: destination.groupKey, now: Date()) : nil
        switch fuzzCase.transport {
        case .mqtt:
            let exchange = destination.exchange(.mqtt, tls: tls, deadline: settings.deadline)
            let result = await exchange.run(RegistrationRequest.mqtt(fuzzCase, idScope: destination.idScope, token: token)) {
                MQTTAnswerReader.isComplete($0)
            }
            return Self.answer(result, read: MQTTAnswerReader.read(result.received))
        case .https:
            let exchange = destination.exchange(.https, tls: tls, deadline: settings.deadline)
            let result = await exchange.run(RegistrationRequest.https(fuzzCase, idScope: destination.idScope, authority: destination.httpAuthority, token: token)) {
                HTTPAnswerReader.isComplete($0)
            }
            return Self.answer(result, read: HTTPAnswerReader.read(result.received, closed: true))
        }
    }

    static func answer(_ result: TLSExchange.Result, read: WireAnswer?) -> WireAnswer {
        if let read { return read }
        switch result.ending {
        case .answered, .closedByServer: return .closedWithoutAnswer
        case .handshakeFailed: return .handshakeRefused
        case .deadline: return .noAnswerWithinDeadline
        case .connectFailed(let reason): return .connectFailed(reason)
        }
    }

    /// A leaf for the case's certificate CN, issued by the X.509 group's CA; its key as PEM.
    func leaf(for fuzzCase: RegistrationIDCase) throws -> (chain: [[UInt8]], keyPEM: String) {
        var random = FuzzRandom.forCase(seed: settings.seed, index: fuzzCase.index, stream: 4)
        let key = SeededKey.make(&random)
        let template = pki.leafTemplate(fuzzCase.id(at: .certificateCN), issuer: pki.root, key: key, random: &random)
        return ([try template.signed(by: pki.root.key)], key.pemRepresentation + "\n")
    }

    func violation(_ fuzzCase: RegistrationIDCase, finding: OracleFinding, original: RegistrationIDCase? = nil) -> FuzzViolation {
        let (requirement, expected, observed) = (finding.requirement, finding.expected, finding.observed)
        var minimised: [String] = []
        if let original, original != fuzzCase {
            minimised = ["Minimised from \(original.id.unicodeScalars.count) to \(fuzzCase.id.unicodeScalars.count) characters"
                         + (original.disagreement != nil && fuzzCase.disagreement == nil ? ", without the disagreement" : "")
                         + "; the original ID was \(original.id.debugDescription)."]
        }
        let name = "registration-ids/\(fuzzCase.index)"
        let (verdict, _) = RegistrationIDOracle(profile: settings.profile).expectation(fuzzCase)
        var note: String?
        var device = settings.device
        if let disagreement = fuzzCase.disagreement {
            switch disagreement.place {
            case .clientID: device = "mutant:client-id-not-registration-id"
            case .username: device = "mutant:username-for-another-device"
            case .sasResource: device = "mutant:sas-for-another-device"
            case .urlPath, .body, .certificateCN:
                note = "the \(disagreement.place.rawValue) of the case carried '\(disagreement.otherID.debugDescription)'; no device profile sends that disagreement, so the reproducer replays the ID alone"
            }
        }
        var credential = ReproducerScenario.Credential.groupKey
        if fuzzCase.credential == .x509, let (chain, key) = try? leaf(for: fuzzCase) {
            credential = .x509(chainPEM: ReproducerScenario.pem(chain), keyPEM: key, groupCAPEM: ReproducerScenario.pem([pki.root.der]), individualPEM: nil)
        }
        let scenario = ReproducerScenario(
            scenarioID: "fuzz/registration-ids/seed-\(settings.seed)-case-\(fuzzCase.index)",
            title: "Registration ID \(fuzzCase.id.debugDescription) (\(fuzzCase.origin)) over \(fuzzCase.transport.rawValue): \(requirement)",
            comment: ["Reproducer of dpsconform fuzz registration-ids --seed \(settings.seed), case \(fuzzCase.index) (\(fuzzCase.origin)).",
                      "Expected: " + expected.joined(separator: "; "), "Observed: " + observed] + minimised + (note.map { ["Note: " + $0] } ?? []),
            transport: fuzzCase.transport, profile: settings.profile, registrationID: fuzzCase.attestedID, deviceProfile: device,
            credential: credential, outcomes: verdict == .valid ? ["assigned"] : ["rejected", "connectionFailed"],
            errorCode: finding.kind == .undocumentedRefusal ? DPSErrorCode.invalidRegistrationID : nil)
        return FuzzViolation(target: .registrationIDs, caseName: name, requirement: requirement, expected: expected, observed: observed,
                             reproducer: scenario.yaml, reproducerNote: note, caseJSON: String(decoding: fuzzCase.canonicalBytes, as: UTF8.self))
    }
}
