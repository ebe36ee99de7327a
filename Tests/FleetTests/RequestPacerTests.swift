@testable import Fleet
import Testing

@Suite("Rate limit: request slots 1/R apart; only loopback goes unlimited by default")
struct RequestPacerTests {
    @Test("requests asked for at once get slots exactly 1/R apart")
    func spacing() async {
        // 1000 s apart: however slow the machine, the three calls come well within one interval.
        let pacer = RequestPacer(requestsPerSecond: 0.001)
        let first = await pacer.take()
        let second = await pacer.take()
        let third = await pacer.take()
        #expect(second - first == .seconds(1000))
        #expect(third - second == .seconds(1000))
    }

    @Test("loopback names and addresses", arguments: [("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("::1", true),
                                                       ("LOCALHOST", true), ("10.0.0.1", false), ("dps.example.com", false),
                                                       ("global.azure-devices-provisioning.net", false), ("1270.0.0.1", false), ("127.evil.example", false), ("127.0.0.256", false)])
    func loopback(host: String, expected: Bool) {
        #expect(FleetSettings.isLoopback(host) == expected)
    }
}
