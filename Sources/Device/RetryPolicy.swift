import DPSCore

/// The reference client's timing rules (dps-protocol.md §2.9, DOC-SCALE, DOC-TSHOOT).
public struct RetryPolicy: Sendable, Hashable {
    /// Poll interval when a 202 carries no usable retry-after (PY/NODE default, §2.9).
    public var defaultPollInterval: Duration
    /// Shortest wait before the next request, whatever retry-after says: per-device polling is
    /// throttled at 5 per 10 s (DOC-LIMITS), so never faster than every 2 s (DPS-FLOW-RETRY-001).
    public var minimumWait: Duration
    /// Exponential back-off for 429/5xx without retry-after (EMB `az_iot_calculate_retry_delay`).
    public var backoffMinimum: Duration
    public var backoffMaximum: Duration
    /// Largest random jitter added to a back-off.
    public var backoffJitter: Duration
    /// Seed of the jitter, so runs are reproducible.
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
    /// retry-after stays large; pitfall B). Nil when the text is not a decimal integer.
    func honouredWait(retryAfter text: String?) -> Duration? {
        guard let text, let seconds = RetryAfter.seconds(text) else { return nil }
        return max(.seconds(seconds), minimumWait)
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
