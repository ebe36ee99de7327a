import DPSCore

/// Holds MQTT responses until the request they answer asks for them. Responses whose `$rid`
/// nobody waits for are kept (late answers to earlier requests) and counted as stale.
actor ResponseMailbox {
    private var buffered: [(rid: String, response: ServiceResponse)] = []
    private var waiter: (rid: String, continuation: CheckedContinuation<ServiceResponse?, Never>)?
    private var ended: TransportError?
    private(set) var staleCount = 0

    func deliver(rid: String, response: ServiceResponse) {
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
    }

    /// The response for `rid`, or nil when the connection ended or the wait was cancelled.
    func response(for rid: String) async -> ServiceResponse? {
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
