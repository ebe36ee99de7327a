import DPSCore
@testable import FakeDPS
import Foundation
import Testing

/// The recording proxy's own deadline: a device that finishes TLS and then sends nothing is closed,
/// with the phase recorded, on both front ends; the upstream is never dialled for it.
@Suite("Recording proxy: a silent device is closed at its deadline")
struct ProxyDeadlineTests {
    @Test("a TLS connection with no first packet or request is closed and the close recorded")
    func silentDevice() async throws {
        let limits = Reliability.shortLimits(0.5)
        let transcript = Transcript()
        // An upstream nobody listens on: the silent device must not make the proxy dial it.
        let upstream = ProxyUpstream(host: "127.0.0.1", mqttPort: 9, httpsPort: 9, trust: .system, pacing: .unlimited)
        let proxy = try await RecordingProxy.start(upstream: upstream, idScope: "0ne00000A0A", clock: SystemClock(), transcript: transcript,
                                                   logger: ServiceFixture.quietLogger, limits: limits, eventLoops: .dedicated(threads: 1))
        defer { Task { await proxy.stop() } }
        for port in [proxy.mqttPort, proxy.httpsPort].compactMap({ $0 }) {
            let client = try await RawClient.connectedTLS(port: port)
            #expect(await client.closed(within: .seconds(10)), "port \(port): the silent connection stayed open")
            await client.close()
        }
        #expect(await Reliability.eventually { Reliability.deadlinePhases(transcript).count == 2 })
        #expect(Set(Reliability.deadlinePhases(transcript)) == ["first packet (proxy)", "first request (proxy)"])
        #expect(proxy.failures.all.isEmpty, "the proxy dialled the upstream: \(proxy.failures.all)")
    }
}
