import DPSCore

/// Holds MQTT responses until the request they answer asks for them. Responses whose `$rid`
/// nobody waits for are kept (late answers to earlier requests) and counted as stale.
actor ResponseMailbox {
    private var buffered: [(rid: String, response: ServiceResponse)] = []
    private var waiter: (rid: String, continuation: CheckedContinuation<ServiceResponse?, Never>)?
    private var ended: TransportError?
    private(set) var staleCount = 0
    /// The `$rid`s whose exchange got as far as waiting for the answer.
    private var waitedFor: Set<String> = []
    private var takenInWaiters: [UInt64: (rid: String, continuation: CheckedContinuation<Void, Never>)] = [:]
    private var nextKey: UInt64 = 0

    func deliver(rid: String, response: ServiceResponse) {
        defer { wakeTakenIn(rid) }
        if let waiter, waiter.rid == rid {
            self.waiter = nil
            waiter.continuation.resume(returning: response)
        } else {
            buffered.append((rid, response))
            staleCount += 1
        }
    }

    func end(_ error: TransportError) {
        ended = error
        waiter?.continuation.resume(returning: nil)
        waiter = nil
        for (_, entry) in takenInWaiters { entry.continuation.resume() }
        takenInWaiters.removeAll()
    }

    /// Returns once the exchange for `rid` waits for its answer, or the answer has come, or the
    /// connection ended, or the task is cancelled.
    func takenIn(rid: String) async {
        if isTakenIn(rid) || Task.isCancelled { return }
        nextKey += 1
        let key = nextKey
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                takenInWaiters[key] = (rid, continuation)
            }
        } onCancel: {
            Task { await self.cancelTakenIn(key) }
        }
    }

    private func isTakenIn(_ rid: String) -> Bool {
        ended != nil || waitedFor.contains(rid) || buffered.contains { $0.rid == rid }
    }

    private func wakeTakenIn(_ rid: String) {
        let keys = takenInWaiters.filter { $0.value.rid == rid }.map(\.key)
        for key in keys { takenInWaiters.removeValue(forKey: key)?.continuation.resume() }
    }

    private func cancelTakenIn(_ key: UInt64) {
        takenInWaiters.removeValue(forKey: key)?.continuation.resume()
    }

    /// The response for `rid`, or nil when the connection ended or the wait was cancelled.
    func response(for rid: String) async -> ServiceResponse? {
        waitedFor.insert(rid)
        wakeTakenIn(rid)
        if let index = buffered.firstIndex(where: { $0.rid == rid }) {
            staleCount -= 1
            return buffered.remove(at: index).response
        }
        if ended != nil || Task.isCancelled { return nil }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiter = (rid, continuation)
            }
        } onCancel: {
            Task { await self.cancelWaiter() }
        }
    }

    var endError: TransportError? { ended }

    private func cancelWaiter() {
        waiter?.continuation.resume(returning: nil)
        waiter = nil
    }
}
