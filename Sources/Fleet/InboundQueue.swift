import NIOCore

/// What arrived on one connection, handed from its event loop to the device's task. Every wait has
/// a deadline, enforced by a timer on the same loop; the first failure (a TLS error, the peer's
/// close, a decoding error) ends the queue and every later wait.
///
/// All mutable state is touched only on `eventLoop` (asserted), hence `@unchecked Sendable`.
final class InboundQueue<Message: Sendable>: @unchecked Sendable {
    let eventLoop: any EventLoop
    private var messages = CircularBuffer<Message>()
    private var ended: FleetFailure?
    private var waiter: EventLoopPromise<Message>?
    private var waiterTimer: Scheduled<Void>?
    private var handshakeDone = false
    private var handshakeWaiter: EventLoopPromise<Void>?

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    // MARK: - Called on the event loop by the pipeline

    func deliver(_ message: Message) {
        eventLoop.assertInEventLoop()
        if let waiter {
            self.waiter = nil
            waiterTimer?.cancel()
            waiter.succeed(message)
        } else {
            messages.append(message)
        }
    }

    func handshakeCompleted() {
        eventLoop.assertInEventLoop()
        handshakeDone = true
        handshakeWaiter?.succeed(())
        handshakeWaiter = nil
    }

    /// Ends the queue; the first failure is the one reported.
    func finish(_ failure: FleetFailure) {
        eventLoop.assertInEventLoop()
        guard ended == nil else { return }
        ended = failure
        if let waiter {
            self.waiter = nil
            waiterTimer?.cancel()
            waiter.fail(failure)
        }
        handshakeWaiter?.fail(failure)
        handshakeWaiter = nil
    }

    // MARK: - Called by the device's task

    /// The next message, or the failure that ended the connection, or `.timeout` at `deadline`.
    func next(deadline: NIODeadline, awaiting what: String) async throws(FleetFailure) -> Message {
        let future = eventLoop.flatSubmit { () -> EventLoopFuture<Message> in
            if let message = self.messages.popFirst() { return self.eventLoop.makeSucceededFuture(message) }
            if let ended = self.ended { return self.eventLoop.makeFailedFuture(ended) }
            let promise = self.eventLoop.makePromise(of: Message.self)
            self.waiter = promise
            self.waiterTimer = self.eventLoop.scheduleTask(deadline: deadline) {
                guard let waiter = self.waiter else { return }
                self.waiter = nil
                waiter.fail(FleetFailure(.timeout, "no \(what) before the deadline"))
            }
            return promise.futureResult
        }
        return try await Self.value(of: future)
    }

    /// Returns when the TLS handshake has ended, or fails.
    func handshake(deadline: NIODeadline) async throws(FleetFailure) {
        let future = eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            if self.handshakeDone { return self.eventLoop.makeSucceededVoidFuture() }
            if let ended = self.ended { return self.eventLoop.makeFailedFuture(ended) }
            let promise = self.eventLoop.makePromise(of: Void.self)
            self.handshakeWaiter = promise
            let timer = self.eventLoop.scheduleTask(deadline: deadline) {
                self.finish(FleetFailure(.timeout, "the TLS handshake did not end before the deadline"))
            }
            promise.futureResult.whenComplete { _ in timer.cancel() }
            return promise.futureResult
        }
        try await Self.value(of: future)
    }

    private static func value<T: Sendable>(of future: EventLoopFuture<T>) async throws(FleetFailure) -> T {
        do {
            return try await future.get()
        } catch let failure as FleetFailure {
            throw failure
        } catch {
            throw FleetFailure(.protocolError, "\(error)")
        }
    }
}
