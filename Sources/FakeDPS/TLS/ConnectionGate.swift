import Synchronization

/// Counts the open connections of both front ends against `ConnectionLimits.maximumConnections`,
/// so a flood of connections is refused at once instead of exhausting file descriptors.
final class ConnectionGate: Sendable {
    let limit: Int
    private let open = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a slot; false when all `limit` are taken (the caller refuses the connection).
    func enter() -> Bool {
        while true {
            let current = open.load(ordering: .relaxed)
            guard current < limit else { return false }
            if open.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing).exchanged { return true }
        }
    }

    /// Frees a slot taken by `enter`.
    func leave() {
        open.subtract(1, ordering: .acquiringAndReleasing)
    }

    var count: Int { open.load(ordering: .relaxed) }
}
