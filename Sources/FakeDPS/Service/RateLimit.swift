import Foundation

/// At most `count` operations per `window` (Microsoft Learn DPS quotas and limits).
public struct RateLimit: Sendable, Hashable {
    public var count: Int
    public var window: Duration

    public init(count: Int, window: Duration) {
        self.count = count
        self.window = window
    }

    /// Device polling: 5 per 10 s per device, not adjustable on the real service.
    public static let devicePolling = RateLimit(count: 5, window: .seconds(10))
    /// Operations of one service unit: 1,000 per minute.
    public static let serviceOperations = RateLimit(count: 1000, window: .seconds(60))
}

/// Sliding-window counters, keyed by whatever is limited (a device and request kind, or the service).
struct RateLimiter: Sendable {
    private var history: [String: [Date]] = [:]

    /// Records an operation at `now` unless it would exceed `limit`; when it would, returns the
    /// seconds until a slot frees (at least 1, rounded up) for `retry-after`.
    mutating func admit(_ key: String, limit: RateLimit, now: Date) -> Int? {
        let window = Double(limit.window.components.seconds) + Double(limit.window.components.attoseconds) / 1e18
        var recent = (history[key] ?? []).filter { now.timeIntervalSince($0) < window }
        defer { history[key] = recent }
        guard recent.count >= limit.count, let oldest = recent.first else {
            recent.append(now)
            return nil
        }
        return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
    }

    /// Forgets every key with no operation in the last `window` seconds (they admit as if new),
    /// so counters of devices that went quiet do not accumulate.
    mutating func prune(now: Date, window: TimeInterval) {
        history = history.filter { _, times in times.last.map { now.timeIntervalSince($0) < window } ?? false }
    }

    /// Keys with recent operations.
    var keyCount: Int { history.count }
}
