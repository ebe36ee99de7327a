import DPSCore
import Foundation

/// The reference client's timing rules (retry handling of the Azure IoT device SDKs, Microsoft Learn concepts-deploy-at-scale, Microsoft Learn how-to-troubleshoot-dps, Microsoft Learn DPS quotas and limits).
///
/// - With retry-after N: wait N seconds, raised to `minimumWait` and never lowered; a wait that
///   would pass the overall deadline ends the attempt instead of being shortened (a known client bug:
///   the C SDK turns 600 into 1). DPS-FLOW-RETRY-001.
/// - retry-after that is not a decimal integer: a decimal fraction is rounded up, an HTTP-date
///   (RFC 9110 §10.2.3) counts until that time; anything else counts as absent.
/// - 202 without retry-after: `defaultPollInterval` (2 s, the the Python SDK/the Node SDK/the C# SDK default).
/// - 429 or 5xx without retry-after: exponential back-off with jitter, the Embedded C SDK's
///   `az_iot_calculate_retry_delay` (1 s doubling to 100 s, jitter up to 5 s), never below
///   `minimumWait`. DPS-FLOW-RETRY-002, Microsoft Learn how-to-troubleshoot-dps ("exponential backoff with a random jitter").
public struct RetryPolicy: Sendable, Hashable {
    /// Poll interval when a 202 carries no usable retry-after (the Python SDK/the Node SDK default, retry handling of the Azure IoT device SDKs).
    public var defaultPollInterval: Duration
    /// Shortest wait before the next request, whatever retry-after says: per-device polling is
    /// throttled at 5 per 10 s (Microsoft Learn DPS quotas and limits), so never faster than every 2 s (the C# SDK raises smaller
    /// values to 2 s).
    public var minimumWait: Duration
    /// Exponential back-off for 429/5xx without retry-after (the Embedded C SDK `az_iot_calculate_retry_delay`).
    public var backoffMinimum: Duration
    public var backoffMaximum: Duration
    /// Largest random jitter added to a back-off.
    public var backoffJitter: Duration
    /// Seed of the jitter, so runs are reproducible. A fleet should not share one seed.
    public var jitterSeed: UInt64

    public init(defaultPollInterval: Duration = .seconds(2), minimumWait: Duration = .seconds(2),
                backoffMinimum: Duration = .seconds(1), backoffMaximum: Duration = .seconds(100),
                backoffJitter: Duration = .seconds(5), jitterSeed: UInt64 = 0x5eed) {
        self.defaultPollInterval = defaultPollInterval
        self.minimumWait = minimumWait
        self.backoffMinimum = backoffMinimum
        self.backoffMaximum = backoffMaximum
        self.backoffJitter = backoffJitter
        self.jitterSeed = jitterSeed
    }

    /// The wait the service asked for, raised to `minimumWait` and never lowered (a large
    /// retry-after stays large). Nil when the text means nothing usable.
    public func honouredWait(retryAfter text: String?, now: Date) -> Duration? {
        guard let text, let requested = Self.requestedWait(text, now: now) else { return nil }
        return max(requested, minimumWait)
    }

    /// What a retry-after text asks for: whole seconds; a decimal fraction rounded up; an
    /// HTTP-date as the time until then (zero when past). Nil for anything else.
    public static func requestedWait(_ text: String, now: Date) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = RetryAfter.seconds(trimmed) { return .seconds(seconds) }
        if let fraction = decimalSeconds(trimmed) { return .seconds(Int(fraction.rounded(.up))) }
        if let date = httpDate(trimmed) { return .seconds(Int(max(date.timeIntervalSince(now), 0).rounded(.up))) }
        return nil
    }

    /// Back-off before retry number `attempt` (from 1), jitter from `random`.
    func backoff(attempt: Int, random: inout SplitMix64) -> Duration {
        let jitter = Int(random.next() % UInt64(max(backoffJitter.milliseconds, 1)))
        let delay = ExponentialBackoff.delayMilliseconds(operationMilliseconds: 0, attempt: attempt,
                                                         minimumMilliseconds: backoffMinimum.milliseconds,
                                                         maximumMilliseconds: backoffMaximum.milliseconds,
                                                         jitterMilliseconds: jitter)
        return max(.milliseconds(delay), minimumWait)
    }

    /// `1.5`, `0.25`: digits, one dot, digits; at most a day, so no overflow.
    private static func decimalSeconds(_ text: String) -> Double? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0].count <= 6, parts[1].count <= 9,
              parts.allSatisfy({ $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
              let value = Double(text) else { return nil }
        return value
    }

    /// IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7).
    private static func httpDate(_ text: String) -> Date? {
        guard text.hasSuffix(" GMT"), text.count == 29 else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text)
    }
}

/// A small deterministic generator for jitter (SplitMix64), so a seed reproduces a run.
struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Duration {
    var milliseconds: Int {
        Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000)
    }
}
