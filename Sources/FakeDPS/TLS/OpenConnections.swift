import NIOCore
import Synchronization

/// The accepted connections of a listener that are still open, so a run can await their close
/// (the last event of a case) instead of polling the transcript for it.
final class OpenConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// Tracks `channel` until it closes.
    func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.channels.withLock { _ = $0.removeValue(forKey: key) }
        }
    }

    var count: Int { channels.withLock { $0.count } }

    /// Waits until every connection open now has closed, or `limit` has passed; true when all closed.
    /// `closeFuture` cannot be cancelled, so the two are raced without a task group (which would
    /// wait for a connection that never closes, e.g. a device that lingers, however small `limit`).
    func awaitClosed(within limit: Duration) async -> Bool {
        let open = channels.withLock { Array($0.values) }
        guard let loop = open.first?.eventLoop else { return true }
        let all = EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: loop)
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let pending = Mutex<CheckedContinuation<Bool, Never>?>(continuation)
            let finish: @Sendable (Bool) -> Void = { closed in
                pending.withLock { waiting in
                    defer { waiting = nil }
                    return waiting
                }?.resume(returning: closed)
            }
            let timer = loop.scheduleTask(in: .nanoseconds(Int64(limit.components.seconds) * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000)) {
                finish(false)
            }
            all.whenComplete { _ in
                timer.cancel()
                finish(true)
            }
        }
    }
}
