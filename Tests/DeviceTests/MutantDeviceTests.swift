import DPSCore
import Device
import FakeDPS
import Foundation
import Testing

/// Every mutant is caught: run against the fake, the fake's transcript shows the one rule it
/// breaks, while the reference client in the same setting shows no such thing.
@Suite("Mutant devices are caught by the fake's transcript", .serialized)
struct MutantDeviceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let mutant: MutantProfile
        var registrationID = "device-01"
        var deadline: Duration = .seconds(60)
        var configure: @Sendable (inout ServiceConfiguration) -> Void = { _ in }
        /// True when the transcript shows the broken rule.
        let broken: @Sendable (TranscriptFacts) -> Bool

        var testDescription: String { mutant.rawValue }
    }

    static let cases: [Case] = [
        Case(mutant: .ignoresRetryAfter, configure: { $0.retryAfterSeconds = 7; $0.assigningPolls = 2 },
             broken: { !$0.requestsBeforeRetryAfter.isEmpty }),
        Case(mutant: .pollsEvery100ms, configure: { $0.assigningPolls = 3 }, broken: { !$0.requestsBeforeRetryAfter.isEmpty }),
        Case(mutant: .reusesRid, broken: { $0.reusesRequestID }),
        Case(mutant: .publishesBeforeSubscribing, deadline: .seconds(30), broken: { $0.publishesBeforeSubscribing }),
        Case(mutant: .questionMarkAPIVersion, broken: { $0.usesQuestionMarkUsername }),
        Case(mutant: .signsDecodedSr, broken: { $0.refusedCredentials }),
        Case(mutant: .retries4xxForever, registrationID: "nobody", deadline: .seconds(20), broken: { $0.retriesPermanentError }),
        Case(mutant: .givesUpOnFirst429,
             configure: { $0.faultPlan = FaultPlan(rules: [FaultRule(on: .register, occurrences: .nth(1),
                                                                      action: .respond(status: 429, retryAfter: "3", errorCode: nil, body: nil))]) },
             broken: { $0.stopsAfterThrottling }),
        Case(mutant: .first202IsFinal, broken: { $0.leavesAssigning() }),
        Case(mutant: .noDeadline, deadline: .seconds(20), configure: { $0.assigningPolls = 1_000 }, broken: { $0.requestsAfter(20) > 0 }),
        Case(mutant: .neverDisconnects, broken: { $0.endsWithoutDisconnect }),
        Case(mutant: .reRegistersInsteadOfPolling, deadline: .seconds(20), configure: { $0.registerLimit = nil },
             broken: { $0.leavesAssigning(pollExpected: false) }),
        Case(mutant: .ignoresInitialRetryAfter, configure: { $0.retryAfterSeconds = 10 }, broken: { !$0.requestsBeforeRetryAfter.isEmpty }),
        Case(mutant: .csdkRetryAfter, deadline: .seconds(1_300), configure: { $0.retryAfterSeconds = 600 },
             broken: { !$0.requestsBeforeRetryAfter.isEmpty }),
    ]

    /// Runs `profile` once against a fresh fake set up for `testCase` and returns the fake's transcript.
    static func transcript(of profile: DeviceProfile, _ testCase: Case, transport: DeviceTransportKind) async throws -> (TranscriptFacts, ProvisioningOutcome) {
        let fixture = try await FakeFixture.start(ioWaitCap: .seconds(2)) { testCase.configure(&$0) }
        let settings = fixture.settings(registrationID: testCase.registrationID, deadline: testCase.deadline)
        let outcome = await fixture.client(settings, transport: transport, profile: profile).provision()
        let events = await fixture.settledEvents()
        await fixture.stop()
        return (TranscriptFacts(events), outcome)
    }

    @Test("the mutant breaks its rule on MQTT; the reference client does not", arguments: cases)
    func caughtOnMQTT(testCase: Case) async throws {
        let (mutant, mutantOutcome) = try await Self.transcript(of: .mutant(testCase.mutant), testCase, transport: .mqtt)
        #expect(testCase.broken(mutant), "\(testCase.mutant.rawValue) not caught; outcome \(mutantOutcome.status)")
        let (reference, outcome) = try await Self.transcript(of: .reference, testCase, transport: .mqtt)
        #expect(!testCase.broken(reference), "the reference client broke \(testCase.mutant.brokenRequirements(on: .mqtt)); outcome \(outcome.status)")
    }

    @Test("the mutant breaks its rule on HTTPS; the reference client does not",
          arguments: cases.filter { $0.mutant.applies(to: .https) })
    func caughtOnHTTPS(testCase: Case) async throws {
        let (mutant, mutantOutcome) = try await Self.transcript(of: .mutant(testCase.mutant), testCase, transport: .https)
        #expect(testCase.broken(mutant), "\(testCase.mutant.rawValue) not caught over HTTPS; outcome \(mutantOutcome.status)")
        let (reference, outcome) = try await Self.transcript(of: .reference, testCase, transport: .https)
        #expect(!testCase.broken(reference), "the reference client broke \(testCase.mutant.brokenRequirements(on: .https)) over HTTPS; outcome \(outcome.status)")
    }

    @Test("every mutant here is a known profile, each once (the scenario suite runs them all: ScenarioEngineTests' CatalogueTests)")
    func casesAreDistinct() {
        #expect(Set(Self.cases.map(\.mutant)).count == Self.cases.count)
    }
}
