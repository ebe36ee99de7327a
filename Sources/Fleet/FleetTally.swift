/// What a set of devices measured: latencies per phase, failures by kind, the retry-after waits
/// taken. Each worker keeps its own and they are merged at the end, so nothing is shared while
/// devices run.
public struct FleetTally: Sendable, Hashable {
    public var histograms: [FleetPhase: LatencyHistogram] = [:]
    public var errors: [FleetErrorKind: Int] = [:]
    /// The first failure of each kind, for the reader; never holds a key.
    public var examples: [FleetErrorKind: String] = [:]
    public var provisioned = 0
    public var failed = 0
    /// Waits taken before polls, keyed by the seconds the service said ("absent" without a retry-after).
    public var retryAfterWaits: [String: Int] = [:]
    /// Requests sent, by kind: "register", "poll".
    public var requests: [String: Int] = [:]

    public init() {}

    mutating func record(_ phase: FleetPhase, since start: ContinuousClock.Instant) {
        histograms[phase, default: LatencyHistogram()].record(ContinuousClock.now - start)
    }

    mutating func count(_ failure: FleetFailure) {
        failed += 1
        errors[failure.kind, default: 0] += 1
        if examples[failure.kind] == nil { examples[failure.kind] = failure.detail }
    }

    public mutating func merge(_ other: FleetTally) {
        for (phase, histogram) in other.histograms { histograms[phase, default: LatencyHistogram()].merge(histogram) }
        for (kind, count) in other.errors { errors[kind, default: 0] += count }
        for (kind, example) in other.examples where examples[kind] == nil { examples[kind] = example }
        provisioned += other.provisioned
        failed += other.failed
        for (key, count) in other.retryAfterWaits { retryAfterWaits[key, default: 0] += count }
        for (key, count) in other.requests { requests[key, default: 0] += count }
    }
}
