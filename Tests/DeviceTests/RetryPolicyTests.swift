import Device
import Foundation
import Testing

/// How retry-after texts are read (DPS-FLOW-RETRY-001; RFC 9110 §10.2.3 for HTTP-dates).
@Suite("Retry-after interpretation")
struct RetryPolicyTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000) // Tue, 14 Nov 2023 22:13:20 GMT

    @Test("what a retry-after asks for", arguments: [
        ("3", 3), ("0", 0), ("600", 600), (" 7 ", 7), ("1.5", 2), ("0.1", 1), ("2.0", 2),
        ("Tue, 14 Nov 2023 22:14:00 GMT", 40), ("Tue, 14 Nov 2023 22:00:00 GMT", 0),
    ])
    func requested(text: String, seconds: Int) {
        #expect(RetryPolicy.requestedWait(text, now: now) == .seconds(seconds))
    }

    @Test("texts that ask for nothing", arguments: ["", "-1", "1e3", "soon", "1.", ".5", "3s", "Tue, 14 Nov 2023 22:14:00 CET", "99999999999"])
    func meaningless(text: String) {
        #expect(RetryPolicy.requestedWait(text, now: now) == nil)
    }

    @Test("the honoured wait is never below the minimum and never lowered")
    func honoured() {
        let policy = RetryPolicy()
        #expect(policy.honouredWait(retryAfter: "0", now: now) == .seconds(2))
        #expect(policy.honouredWait(retryAfter: "1", now: now) == .seconds(2))
        #expect(policy.honouredWait(retryAfter: "86400", now: now) == .seconds(86_400))
        #expect(policy.honouredWait(retryAfter: nil, now: now) == nil)
        #expect(policy.honouredWait(retryAfter: "x", now: now) == nil)
    }
}
