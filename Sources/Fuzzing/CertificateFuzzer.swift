import DPSCore
import FakeDPS
import Foundation
import NIOSSL

/// `dpsconform fuzz certificates`: presents each sample of the corpus in the TLS handshake over
/// MQTT and HTTPS, the enrollments set so that only the malformation can cause a refusal, and
/// judges: malformed refused (TLS alert, CONNACK refusal, 401 with 401002), control accepted.
public struct CertificateFuzzer: Sendable {
    public let settings: FuzzSettings
    public let corpus: CertificateCorpus

    public init(settings: FuzzSettings, now: Date = Date()) throws {
        self.settings = settings
        corpus = try CertificateCorpus.make(seed: settings.seed, now: now)
    }

    public func serviceSetup(weakness: DeliberateWeakness? = nil) -> FuzzServiceSetup {
        FuzzServiceSetup(profile: settings.profile, groupCA: corpus.groupCA, individualX509: corpus.individual, weakness: weakness)
    }

    /// One pass over the corpus on every transport.
    public var passLength: Int { corpus.samples.count * max(1, settings.transports.count) }

    /// Case `index`: a sample and a transport (the corpus repeats after one pass).
    public func fuzzCase(_ index: Int) -> (sample: CertificateSample, transport: FuzzTransport) {
        let transports = settings.transports.isEmpty ? FuzzTransport.allCases : settings.transports
        let sample = corpus.samples[(index / transports.count) % corpus.samples.count]
        return (sample, transports[index % transports.count])
    }

    public func run(against destination: any CaseDestination, progress: @Sendable (Int, Int) -> Void = { _, _ in }) async -> FuzzTargetOutcome {
        let started = ContinuousClock.now
        var outcome = FuzzTargetOutcome(target: .certificates, seed: settings.seed, casesRun: 0, wallSeconds: 0, casesByTransport: [:],
                                        presentedWithoutTLS: 0, violations: [], harnessErrors: [])
        var index = 0
        while settings.budget.allows(next: index, started: started) {
            let (sample, transport) = fuzzCase(index)
            if let reason = unsendable(sample, to: destination) {
                outcome.casesSkipped += 1
                outcome.skipReason = reason
                index += 1
                progress(index, outcome.violations.count)
                continue
            }
            let before = destination.operationRegistrationIDs()
            let (answer, withoutTLS) = await present(sample, over: transport, to: destination)
            let after = destination.operationRegistrationIDs()
            let registered = before.flatMap { before in after.map { $0.filter { before[$0.key] == nil }.map(\.value) } } ?? []
            outcome.casesRun += 1
            outcome.casesByTransport[transport, default: 0] += 1
            if withoutTLS { outcome.presentedWithoutTLS += 1 }
            if case .connectFailed(let reason) = answer { outcome.harnessErrors.append("certificates/\(index): \(reason)") }
            for finding in judge(sample, answer: answer, registered: registered) {
                outcome.violations.append(violation(sample, transport: transport, index: index, withoutTLS: withoutTLS, finding: finding))
            }
            index += 1
            progress(index, outcome.violations.count)
        }
        outcome.wallSeconds = (ContinuousClock.now - started).seconds
        return outcome
    }

    /// Why `sample` cannot be judged at `destination`, nil when it can: an endpoint knows the run's
    /// group CA only when the user enrolled it, never the run's individual enrollments, and has no
    /// path for a certificate no TLS library will send.
    func unsendable(_ sample: CertificateSample, to destination: any CaseDestination) -> String? {
        guard !(destination is FakeDestination) else { return nil }
        if !destination.enrollsRunCA { return "the endpoint does not trust the corpus CA (enrol group-ca.pem of --write-corpus and say --corpus-ca-enrolled)" }
        if corpus.individual.contains(where: { $0.registrationID.lowercased() == sample.registrationID.lowercased() }) {
            return "samples of an individual enrollment need that enrollment on the endpoint"
        }
        if Self.presenting(sample, with: TLSConfiguration.makeClientConfiguration()) == nil {
            return "no TLS client library sends this certificate; only the in-process fake can be shown it"
        }
        return nil
    }

    /// `tls` presenting the sample's chain and key, when a TLS client library loads them and sends
    /// them as they are (a certificate it would re-encode, trailing bytes dropped, cannot carry its
    /// malformation in TLS); nil otherwise.
    static func presenting(_ sample: CertificateSample, with tls: TLSConfiguration) -> TLSConfiguration? {
        guard let keyPEM = sample.leafKeyPEM, let loaded = try? sample.chain.map({ try NIOSSLCertificate(bytes: $0, format: .der) }),
              zip(loaded, sample.chain).allSatisfy({ (try? $0.toDERBytes()) == $1 }),
              let key = try? NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem) else { return nil }
        var presenting = tls
        presenting.certificateChain = loaded.map { .certificate($0) }
        presenting.privateKey = .privateKey(key)
        return (try? NIOSSLContext(configuration: presenting)) != nil ? presenting : nil
    }

    /// The oracle of one presentation.
    public func judge(_ sample: CertificateSample, answer: WireAnswer, registered: [String]) -> [OracleFinding] {
        var found: [OracleFinding] = []
        let requirement = sample.certificateClass.requirement
        if answer == .noAnswerWithinDeadline {
            found.append(OracleFinding(kind: .hang, requirement: requirement, expected: ["an answer or a close within the deadline"], observed: answer.text))
        }
        for id in registered where id.lowercased() != sample.registrationID.lowercased() {
            found.append(OracleFinding(kind: .registeredUnderOtherID, requirement: .dpsAuthX509001,
                                       expected: ["nothing registered under an ID other than '\(sample.registrationID)'"], observed: "an operation was created for '\(id)'"))
        }
        switch sample.expected {
        case .valid where !answer.accepted && answer != .noAnswerWithinDeadline:
            found.append(OracleFinding(kind: .validRefused, requirement: requirement,
                                       expected: ["\(sample.name) is well-formed for \(sample.registrationID): accepted (202 or 200)"], observed: answer.text))
        case .invalid where answer.accepted:
            found.append(OracleFinding(kind: .invalidAccepted, requirement: requirement,
                                       expected: ["\(sample.name) refused: TLS alert, CONNACK refusal, or 401 with errorCode 401002"], observed: answer.text))
        case .invalid, .acceptable:
            if case .response(let status, let code) = answer, !(200..<300).contains(status),
               code == nil || DPSErrorCode.status(of: code ?? 0) != status || ![400, 401, 404].contains(status) {
                found.append(OracleFinding(kind: .undocumentedRefusal, requirement: requirement,
                                           expected: ["a refusal is a 401 (or 400/404) whose errorCode starts with its status"], observed: answer.text))
            }
            if answer == .closedWithoutAnswer {
                found.append(OracleFinding(kind: .undocumentedRefusal, requirement: requirement,
                                           expected: ["a refusal is a TLS alert, a CONNACK refusal or a 4xx answer"], observed: answer.text))
            }
        case .valid:
            break
        }
        return found
    }

    /// Presents `sample` in the TLS handshake; when no TLS client library will load it (malformed
    /// DER, a key that is not P-256), to the in-process service directly. Returns whether the
    /// service path was taken.
    public func present(_ sample: CertificateSample, over transport: FuzzTransport, to destination: any CaseDestination) async -> (WireAnswer, Bool) {
        let request = RegistrationIDCase(index: 0, id: sample.registrationID, origin: sample.name, transport: transport, credential: .x509)
        let trusting: TLSConfiguration
        do {
            trusting = try destination.clientTLS()
        } catch {
            return (.connectFailed("the destination's trust: \(error)"), false)
        }
        if let tls = Self.presenting(sample, with: trusting) {
            let exchange = destination.exchange(transport, tls: tls, deadline: settings.deadline)
            switch transport {
            case .mqtt:
                let result = await exchange.run(RegistrationRequest.mqtt(request, idScope: destination.idScope, token: nil)) { MQTTAnswerReader.isComplete($0) }
                return (RegistrationIDFuzzer.answer(result, read: MQTTAnswerReader.read(result.received)), false)
            case .https:
                let bytes = RegistrationRequest.https(request, idScope: destination.idScope, authority: destination.httpAuthority, token: nil)
                let result = await exchange.run(bytes) { HTTPAnswerReader.isComplete($0) }
                return (RegistrationIDFuzzer.answer(result, read: HTTPAnswerReader.read(result.received, closed: true)), false)
            }
        }
        guard let answer = destination.presentDirectly(chain: sample.chain, registrationID: sample.registrationID, body: RegistrationRequest.body(request)) else {
            return (.connectFailed("no TLS client loads this certificate and the destination has no service path"), false)
        }
        return (answer, true)
    }

    func violation(_ sample: CertificateSample, transport: FuzzTransport, index: Int, withoutTLS: Bool, finding: OracleFinding) -> FuzzViolation {
        let (requirement, expected, observed) = (finding.requirement, finding.expected, finding.observed)
        let groupCA = ReproducerScenario.pem([corpus.groupCA])
        let individual = corpus.individual.first { $0.registrationID == sample.registrationID }.map { ReproducerScenario.pem([$0.der]) }
        var note: String?
        if withoutTLS {
            note = "no TLS client library loads this certificate with its key, so the case reached the service without TLS; a device cannot replay it"
        }
        let scenario = ReproducerScenario(
            scenarioID: "fuzz/certificates/seed-\(settings.seed)-case-\(index)",
            title: "Client certificate \(sample.name) for \(sample.registrationID) over \(transport.rawValue): \(requirement)",
            comment: ["Reproducer of dpsconform fuzz certificates --seed \(settings.seed), case \(index) (\(sample.name)).",
                      "Expected: " + expected.joined(separator: "; "), "Observed: " + observed] + (note.map { ["Note: " + $0] } ?? []),
            transport: transport, profile: settings.profile, registrationID: sample.registrationID, deviceProfile: settings.device,
            credential: .x509(chainPEM: ReproducerScenario.pem(sample.chain), keyPEM: sample.leafKeyPEM ?? "", groupCAPEM: individual == nil ? groupCA : nil,
                              individualPEM: individual),
            outcomes: sample.expected == .valid ? ["assigned"] : ["rejected", "connectionFailed"],
            errorCode: finding.kind == .undocumentedRefusal ? DPSErrorCode.unauthorized : nil)
        let caseJSON = "{\"class\":\(JSONText.quoted(sample.name)),\"registrationId\":\(JSONText.quoted(sample.registrationID)),\"transport\":\"\(transport.rawValue)\",\"expected\":\"\(sample.expected.rawValue)\"}"
        return FuzzViolation(target: .certificates, caseName: "certificates/\(sample.name)/\(transport.rawValue)", requirement: requirement,
                             expected: expected, observed: observed, reproducer: sample.leafKeyPEM == nil ? nil : scenario.yaml,
                             reproducerNote: sample.leafKeyPEM == nil ? "the certificate has no matching private key; a device cannot present it" : note,
                             caseJSON: caseJSON)
    }
}
