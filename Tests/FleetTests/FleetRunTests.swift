import DPSCore
import FakeDPS
@testable import Fleet
import Foundation
import Synchronization
import Testing
import TestSupport
import X509
import NIOSSL

@Suite("bench fleet against the fake in process: every device assigned, retry-after taken as given")
struct FleetRunTests {
    @Test("20 devices, 5 at a time, retry-after 0: all assigned, each waited exactly 0 s once", arguments: [FleetTransport.mqtt, .https])
    func smallFleet(transport: FleetTransport) async throws {
        let fixture = try await FleetFixture.start(transport: transport, retryAfter: 0, assigningPolls: 1)
        let result = try await FleetRunner(settings: fixture.settings(transport, devices: 20, concurrency: 5)).run()
        await fixture.server.stop()
        #expect(result.tally.errors.isEmpty, "\(result.tally.examples)")
        #expect(result.tally.provisioned == 20)
        #expect(result.allProvisioned)
        // Register 202, poll 202 (assigning), poll 200: two waits per device, both of the 0 s the fake said.
        #expect(result.tally.retryAfterWaits == ["0": 40])
        #expect(result.tally.requests == ["register": 20, "poll": 40])
        #expect(Set(result.tally.histograms.keys) == Set(FleetPhase.phases(of: transport)))
        #expect(result.tally.histograms[.total]?.totalCount == 20)
        #expect(result.tally.histograms[.poll]?.totalCount == 40)
    }

    @Test("X.509 devices, each with its own certificate from the group's CA, all assigned", arguments: [FleetTransport.mqtt, .https])
    func x509(transport: FleetTransport) async throws {
        let authority = try FleetCertificateAuthority.make()
        let fixture = try await FleetFixture.start(transport: transport, x509CA: try authority.certificateDER)
        var settings = fixture.settings(transport, devices: 8, concurrency: 4)
        settings.credentials = .x509(authority)
        let result = try await FleetRunner(settings: settings).run()
        await fixture.server.stop()
        #expect(result.tally.errors.isEmpty, "\(result.tally.examples)")
        #expect(result.tally.provisioned == 8)
        #expect(result.tally.retryAfterWaits == ["0": 16])
    }

    @Test("a device certificate issued up front names the device, is signed by the CA, and makes a TLS context")
    func issuedUpFront() throws {
        let authority = try FleetCertificateAuthority.make()
        let issued = try authority.issue(registrationID: "fleet-000007", now: Date())
        let certificate = try Certificate(derEncoded: issued.certificateDER)
        #expect(certificate.subject.description == "CN=fleet-000007")
        #expect(certificate.issuer == authority.certificate.subject)
        #expect(authority.certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
        #expect(try certificate.extensions.basicConstraints == .notCertificateAuthority)
        _ = try issued.context(base: .makeClientConfiguration(), registrationID: "fleet-000007")
    }

    @Test("X.509 devices whose CA is not the group's are refused, counted")
    func x509WrongCA() async throws {
        let fixture = try await FleetFixture.start(transport: .mqtt, x509CA: try FleetCertificateAuthority.make().certificateDER)
        var settings = fixture.settings(.mqtt, devices: 2, concurrency: 2)
        settings.credentials = .x509(try FleetCertificateAuthority.make())
        let result = try await FleetRunner(settings: settings).run()
        await fixture.server.stop()
        #expect(result.tally.provisioned == 0)
        #expect(result.tally.failed == 2)
    }

    @Test("a retry-after of 1 s is waited as 1 s, not raised to a floor nor skipped")
    func retryAfterGiven() async throws {
        let fixture = try await FleetFixture.start(transport: .mqtt, retryAfter: 1, assigningPolls: 0)
        let result = try await FleetRunner(settings: fixture.settings(.mqtt, devices: 3, concurrency: 3)).run()
        await fixture.server.stop()
        #expect(result.tally.provisioned == 3)
        #expect(result.tally.retryAfterWaits == ["1": 3])
        #expect(result.tally.requests == ["register": 3, "poll": 3])
    }

    @Test("with a progress line the run still ends when the devices are done, and progress counts them")
    func progress() async throws {
        let fixture = try await FleetFixture.start(transport: .mqtt)
        let seen = ProgressLog()
        let result = try await FleetRunner(settings: fixture.settings(.mqtt, devices: 10, concurrency: 2)).run(onProgress: { seen.note($0.done) })
        await fixture.server.stop()
        #expect(result.tally.provisioned == 10)
        #expect(seen.values.allSatisfy { (0...10).contains($0) })
    }

    @Test("group devices are numbered PREFIX-000001...; individual keys keep their enrollments' IDs")
    func registrationIDs() {
        let group = FleetCredentials.groupKey(FleetFixture.groupKey)
        #expect((0..<3).map { group.registrationID(index: $0, prefix: "dev") } == ["dev-000001", "dev-000002", "dev-000003"])
        #expect(group.registrationID(index: 1_234_566, prefix: "dev") == "dev-1234567")
        let individual = FleetCredentials.individualKeys([("a", "a2V5"), ("b", "a2V5")])
        #expect(individual.registrationID(index: 1, prefix: "dev") == "b")
    }

    @Test("the shards of a fleet provision every device once, and merge into the whole")
    func shards() async throws {
        let fixture = try await FleetFixture.start(transport: .mqtt)
        var parts: [FleetResult] = []
        for index in 1...3 {
            parts.append(try await FleetRunner(settings: fixture.settings(.mqtt, devices: 10, concurrency: 3,
                                                                          shard: try FleetShard(index: index, count: 3))).run())
        }
        await fixture.server.stop()
        #expect(parts.map(\.attempted) == [4, 3, 3])
        let merged = try FleetResult.merge(parts)
        #expect(merged.tally.provisioned == 10)
        #expect(merged.allProvisioned)
        #expect(merged.tally.histograms[.total]?.totalCount == 10)
        var direct = LatencyHistogram()
        for part in parts { direct.merge(part.tally.histograms[.register] ?? LatencyHistogram()) }
        #expect(merged.tally.histograms[.register] == direct)
        #expect(PhaseFigures(direct).p99 == PhaseFigures(merged.tally.histograms[.register] ?? LatencyHistogram()).p99)
    }

    @Test("a wrong group key: every device refused, counted by kind, not thrown")
    func wrongKey() async throws {
        let fixture = try await FleetFixture.start(transport: .https)
        var settings = fixture.settings(.https, devices: 4, concurrency: 2)
        settings.credentials = .groupKey(Data(repeating: 7, count: 32).base64EncodedString())
        let result = try await FleetRunner(settings: settings).run()
        await fixture.server.stop()
        #expect(result.tally.provisioned == 0)
        #expect(result.tally.errors == [.status4xx: 4])
        #expect(!result.allProvisioned)
    }

    @Test("nothing listening: connect refused, counted")
    func refused() async throws {
        let fixture = try await FleetFixture.start(transport: .mqtt)
        var settings = fixture.settings(.mqtt, devices: 3, concurrency: 3)
        await fixture.server.stop()
        // Not the stopped server's port: a test running alongside may have taken it since.
        let refusing = try LoopbackPort.Refusing()
        settings.port = refusing.port
        let result = try await FleetRunner(settings: settings).run()
        withExtendedLifetime(refusing) {}
        #expect(result.tally.errors == [.connectRefused: 3], "\(result.tally.examples)")
    }
}

/// What the progress callback saw.
final class ProgressLog: Sendable {
    private let state = Mutex<[Int]>([])
    func note(_ done: Int) { state.withLock { $0.append(done) } }
    var values: [Int] { state.withLock { $0 } }
}
