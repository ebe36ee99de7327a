/// Requests per second over the whole run, shared by every worker: each request takes the next
/// slot 1/R after the previous one.
actor RequestPacer {
    private let interval: Duration
    private var nextSlot = ContinuousClock.now

    init(requestsPerSecond: Double) {
        interval = .nanoseconds(Int64(1e9 / requestsPerSecond))
    }

    func take() -> ContinuousClock.Instant {
        let now = ContinuousClock.now
        let slot = max(now, nextSlot)
        nextSlot = slot + interval
        return slot
    }
}

extension Optional where Wrapped == RequestPacer {
    /// Waits for a request slot; at once without a pacer.
    func wait() async {
        guard let pacer = self else { return }
        let slot = await pacer.take()
        if slot > .now { try? await Task.sleep(until: slot, clock: .continuous) }
    }
}
