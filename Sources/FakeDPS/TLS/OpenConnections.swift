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

    /// Closes every connection still open and waits for the closes.
    func closeAll() async {
        let open = channels.withLock { Array($0.values) }
        for channel in open { try? await channel.close() }
    }

    /// Waits until every connection open now has closed, or `limit` has passed; true when all
    /// closed. Returns at the limit even when a connection stays open (a device that never
    /// disconnects): waiting on a close future cannot be cancelled, so nothing here awaits one.
    func awaitClosed(within limit: Duration) async -> Bool {
        let open = channels.withLock { Array($0.values) }
        guard let loop = open.first?.eventLoop else { return true }
        let all = EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: loop)
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let resumer = OnceResumer(continuation)
            all.whenComplete { _ in resumer.resume(true) }
            loop.scheduleTask(in: TimeAmount(limit)) { resumer.resume(false) }
        }
    }
}

/// Resumes a continuation once, whichever of several callers comes first.
private final class OnceResumer: Sendable {
    private let continuation: Mutex<CheckedContinuation<Bool, Never>?>

    init(_ continuation: CheckedContinuation<Bool, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ value: Bool) {
        continuation.withLock { pending in
            pending?.resume(returning: value)
            pending = nil
        }
    }
}
