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

    /// Waits until every connection open now has closed, or `limit` has passed; true when all closed.
    func awaitClosed(within limit: Duration) async -> Bool {
        let open = channels.withLock { Array($0.values) }
        guard !open.isEmpty else { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for channel in open { try? await channel.closeFuture.get() }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
