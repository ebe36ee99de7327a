import CMosquitto
import Synchronization

/// A reply the loop thread hands to a waiting task.
enum SessionReply: Sendable {
    case connack(ConnackReturnCode)
    case suback(grantedQoS: [UInt8])
    case published
    case disconnected
}

/// What a waiting task is waiting for; packet identifiers keep concurrent requests apart.
enum SessionWaitKey: Hashable, Sendable {
    case connack
    case suback(messageID: Int32)
    case publication(messageID: Int32)
    case disconnect
}

/// Whether libmosquitto's loop thread (mosquitto_loop_start) exists and how it will end.
enum LoopThreadState: Sendable {
    case notStarted
    /// `exitsOnItsOwn`: the socket is closed and libmosquitto's state pinned, so
    /// mosquitto_loop_forever returns by itself and a plain join suffices.
    case running(exitsOnItsOwn: Bool)
    case stopped
}

/// All mutable state of one session, only ever touched under `SessionBridge`'s mutex.
struct SessionRecord: Sendable {
    struct Waiter: Sendable {
        let continuation: CheckedContinuation<SessionReply, any Error>
        let awaited: MosquittoAwaited
    }

    var state: MosquittoConnectionState = .idle
    var waiters: [SessionWaitKey: Waiter] = [:]
    /// Replies that arrived before their waiter registered (libmosquitto hands out the packet
    /// identifier only when the request is already queued, so the reply can win the race).
    var earlyReplies: [SessionWaitKey: SessionReply] = [:]
    /// Requests sent whose waiter has not registered yet; early replies are kept only while > 0.
    var unclaimedRequests = 0
    /// The last error-level lines libmosquitto logged (OpenSSL reasons are only available there).
    var libraryLog: [String] = []
    var loop: LoopThreadState = .notStarted
}

/// The box libmosquitto's callbacks reach through their userdata pointer: it turns loop-thread
/// events into resumed continuations and stream elements.
///
/// Each continuation is removed from `waiters` under the mutex before it is resumed, so exactly one
/// party (reply, close, timeout or cancellation) resumes it.
final class SessionBridge: Sendable {
    /// Mutex: libmosquitto calls in from its own loop thread while tasks call in from anywhere.
    private let record = Mutex(SessionRecord())
    let messages: AsyncThrowingStream<MosquittoMessage, any Error>
    private let messageSink: AsyncThrowingStream<MosquittoMessage, any Error>.Continuation
    /// "host:port", for error reasons.
    let endpoint: String

    init(endpoint: String) {
        self.endpoint = endpoint
        (messages, messageSink) = AsyncThrowingStream.makeStream(bufferingPolicy: .unbounded)
    }

    var state: MosquittoConnectionState {
        record.withLock { $0.state }
    }

    var libraryLog: [String] {
        record.withLock { $0.libraryLog }
    }

    // MARK: Lifecycle transitions (caller side)

    func beginConnecting() throws(MosquittoError) {
        let refusal: MosquittoError? = record.withLock { record in
            guard case .idle = record.state else {
                return MosquittoError(.invalidState, "connect called on a connection in state \(record.state); create a new MosquittoConnection to reconnect")
            }
            record.state = .connecting
            return nil
        }
        if let refusal { throw refusal }
    }

    func requireConnected(for operation: String) throws(MosquittoError) {
        let refusal: MosquittoError? = record.withLock { record in
            switch record.state {
            case .connected:
                return nil
            case .closed(let cause?):
                return MosquittoError(.notConnected, "\(operation): connection to \(endpoint) is closed: \(cause.reason)", libraryCode: cause.libraryCode)
            default:
                return MosquittoError(.notConnected, "\(operation): connection to \(endpoint) is \(record.state)")
            }
        }
        if let refusal { throw refusal }
    }

    enum DisconnectStart {
        /// The session was live: send DISCONNECT and wait for the socket to close.
        case sendDisconnect
        /// Nothing to send; the session is (now) closed or already closing.
        case nothingToSend
    }

    /// Moves a live session to `.disconnecting`; a session still connecting is abandoned.
    func beginDisconnecting() -> DisconnectStart {
        let previous: MosquittoConnectionState = record.withLock { record in
            let previous = record.state
            if case .connected = previous { record.state = .disconnecting }
            return previous
        }
        switch previous {
        case .connected:
            return .sendDisconnect
        case .connecting:
            close(MosquittoError(.notConnected, "disconnect called while connecting to \(endpoint)"))
        case .idle:
            close(nil)
        case .disconnecting, .closed:
            break
        }
        return .nothingToSend
    }

    /// Ends the session once: fails every waiter, finishes the message stream (normally when
    /// `cause` is nil, i.e. after the caller's `disconnect`). Later calls do nothing.
    ///
    /// `finalReply` is handed to its waiter in the same step, so that waiter already sees the
    /// session closed when it resumes (a refusing CONNACK).
    func close(_ cause: MosquittoError?, finalReply: (key: SessionWaitKey, reply: SessionReply)? = nil) {
        let orphans: [SessionWaitKey: SessionRecord.Waiter]? = record.withLock { record in
            if case .closed = record.state { return nil }
            record.state = .closed(cause)
            if let finalReply, record.waiters[finalReply.key] == nil, record.unclaimedRequests > 0 {
                record.earlyReplies[finalReply.key] = finalReply.reply
            }
            let orphans = record.waiters
            record.waiters.removeAll()
            return orphans
        }
        guard let orphans else { return }
        for (key, waiter) in orphans {
            if let finalReply, finalReply.key == key {
                waiter.continuation.resume(returning: finalReply.reply)
            } else {
                waiter.continuation.resume(with: Self.outcomeAfterClose(key, cause: cause, awaited: waiter.awaited, endpoint: endpoint))
            }
        }
        if let cause {
            messageSink.finish(throwing: cause)
        } else {
            messageSink.finish()
        }
    }

    private static func outcomeAfterClose(
        _ key: SessionWaitKey, cause: MosquittoError?, awaited: MosquittoAwaited, endpoint: String
    ) -> Result<SessionReply, any Error> {
        if let cause {
            return .failure(MosquittoError(cause.code, cause.reason, libraryCode: cause.libraryCode,
                                           connackCode: cause.connackCode, awaited: cause.awaited ?? awaited))
        }
        if key == .disconnect { return .success(.disconnected) }
        return .failure(MosquittoError(.notConnected, "connection to \(endpoint) was closed by disconnect() before \(awaited.rawValue)", awaited: awaited))
    }

    // MARK: Waiting for replies

    /// Counts a request about to be handed to libmosquitto, so its reply is kept if it beats the waiter.
    func requestWillBeSent() {
        record.withLock { $0.unclaimedRequests += 1 }
    }

    /// Undoes `requestWillBeSent` when libmosquitto refused the request.
    func requestNotSent() {
        record.withLock { Self.releaseClaim(&$0) }
    }

    private static func releaseClaim(_ record: inout SessionRecord) {
        record.unclaimedRequests -= 1
        if record.unclaimedRequests == 0 { record.earlyReplies.removeAll() }
    }

    /// Waits until the reply for `key` arrives, the session closes, the deadline passes or the task is
    /// cancelled. `claimsRequest` balances one earlier `requestWillBeSent`.
    func reply(
        for key: SessionWaitKey, awaited: MosquittoAwaited, within timeout: Duration, claimsRequest: Bool
    ) async throws(MosquittoError) -> SessionReply {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        do {
            return try await withThrowingTaskGroup(of: SessionReply.self) { group in
                group.addTask {
                    try await self.suspend(for: key, awaited: awaited, claimsRequest: claimsRequest)
                }
                group.addTask {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    throw MosquittoError(.timeout, "no \(awaited.rawValue) from \(self.endpoint) within \(timeout)", awaited: awaited)
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw CancellationError() }
                return first
            }
        } catch let error as MosquittoError {
            throw error
        } catch {
            throw MosquittoError(.cancelled, "task cancelled while waiting for \(awaited.rawValue) from \(endpoint)", awaited: awaited)
        }
    }

    private func suspend(for key: SessionWaitKey, awaited: MosquittoAwaited, claimsRequest: Bool) async throws -> SessionReply {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<SessionReply, any Error>) in
                let immediate: Result<SessionReply, any Error>? = record.withLock { record in
                    defer { if claimsRequest { Self.releaseClaim(&record) } }
                    if let early = record.earlyReplies.removeValue(forKey: key) { return .success(early) }
                    if case .closed(let cause) = record.state {
                        return Self.outcomeAfterClose(key, cause: cause, awaited: awaited, endpoint: endpoint)
                    }
                    // Checked under the mutex: either the cancellation handler below finds this
                    // waiter, or the flag it sets first is seen here.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    record.waiters[key] = SessionRecord.Waiter(continuation: continuation, awaited: awaited)
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = record.withLock { $0.waiters.removeValue(forKey: key) }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Hands `reply` to its waiter, or parks it if the waiter has not registered yet.
    private func deliver(_ reply: SessionReply, for key: SessionWaitKey) {
        let waiter = record.withLock { record -> SessionRecord.Waiter? in
            if let waiter = record.waiters.removeValue(forKey: key) { return waiter }
            if record.unclaimedRequests > 0 { record.earlyReplies[key] = reply }
            return nil
        }
        waiter?.continuation.resume(returning: reply)
    }

    // MARK: Events from libmosquitto's loop thread

    /// on_connect: `code` is the CONNACK return code (MQTT 3.1.1 DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices).
    func connackArrived(_ code: Int32) {
        let connack = ConnackReturnCode(rawValue: UInt8(clamping: code))
        guard connack.isAccepted else {
            close(MosquittoError(.connectionRefused, "\(endpoint) refused CONNECT with CONNACK \(connack)",
                                 libraryCode: Int32(MOSQ_ERR_CONN_REFUSED.rawValue), connackCode: connack),
                  finalReply: (.connack, .connack(connack)))
            return
        }
        record.withLock { record in
            guard case .connecting = record.state else { return }
            record.state = .connected
            // Lines from the handshake must not colour how a later loss is reported.
            record.libraryLog.removeAll()
        }
        deliver(.connack(connack), for: .connack)
    }

    /// on_subscribe: one granted QoS per filter, 0x80 for a refused filter (MQTT 3.1.1 DPS REST API, Azure/azure-rest-api-specs deviceprovisioningservices).
    func subackArrived(messageID: Int32, grantedQoS: [UInt8]) {
        deliver(.suback(grantedQoS: grantedQoS), for: .suback(messageID: messageID))
    }

    /// on_publish: QoS 0 written to the socket, QoS 1 PUBACK or QoS 2 PUBCOMP received.
    func publicationCompleted(messageID: Int32) {
        deliver(.published, for: .publication(messageID: messageID))
    }

    func messageArrived(_ message: MosquittoMessage) {
        messageSink.yield(message)
    }

    /// on_disconnect: the socket is closed. `rc` 0 means the DISCONNECT the caller asked for was sent.
    func connectionEnded(rc: Int32, systemError: Int32) {
        let (log, wasEstablished): ([String], Bool) = record.withLock { record in
            // The C callback pins libmosquitto's state to "disconnected" right after this, so the
            // loop thread returns instead of reconnecting.
            if case .running = record.loop { record.loop = .running(exitsOnItsOwn: true) }
            let established: Bool
            switch record.state {
            case .connected, .disconnecting: established = true
            default: established = false
            }
            return (record.libraryLog, established)
        }
        if rc == Int32(MOSQ_ERR_SUCCESS.rawValue) {
            // A `.disconnect` waiter, registered or not, reads success from the closed(nil) state.
            close(nil)
            return
        }
        var cause = MosquittoError.library(rc, systemError: systemError, context: "connection to \(endpoint) ended", libraryLog: log)
        // Once the session is up, a dropped socket is a loss however it surfaced (OpenSSL 3 reports a
        // peer vanishing without close_notify as an SSL error); before CONNACK the cause stays precise.
        let lossCodes: Set<MosquittoError.Code> = [.network, .notConnected, .tls, .library]
        if cause.code == .network || cause.code == .notConnected || (wasEstablished && lossCodes.contains(cause.code)) {
            cause = MosquittoError(.connectionLost, cause.reason, libraryCode: rc)
        }
        close(cause)
    }

    /// on_log: keeps error-level lines; a fatal OpenSSL error while connecting ends the session,
    /// because libmosquitto 2.0's loop thread then returns MOSQ_ERR_TLS without calling on_disconnect.
    func libraryLogged(level: Int32, line: String) {
        guard level == MOSQ_LOG_ERR else { return }
        let failedHandshake: [String]? = record.withLock { record in
            record.libraryLog.append(line)
            if record.libraryLog.count > LibraryLog.retainedLines { record.libraryLog.removeFirst() }
            guard LibraryLog.isTLSFailure(line), case .connecting = record.state else { return nil }
            if case .running = record.loop { record.loop = .running(exitsOnItsOwn: true) }
            return record.libraryLog
        }
        if let failedHandshake {
            close(MosquittoError.library(Int32(MOSQ_ERR_TLS.rawValue), systemError: 0,
                                         context: "TLS with \(endpoint) failed", libraryLog: failedHandshake))
        }
    }

    // MARK: Loop thread bookkeeping (control queue only)

    /// Marks the loop thread as started if the connect attempt is still wanted.
    func loopWillStart() -> Bool {
        record.withLock { record in
            guard case .connecting = record.state, case .notStarted = record.loop else { return false }
            record.loop = .running(exitsOnItsOwn: false)
            return true
        }
    }

    func loopFailedToStart() {
        record.withLock { $0.loop = .notStarted }
    }

    /// Whether the loop thread will return without being cancelled (nil: no thread to stop).
    var loopExitsOnItsOwn: Bool? {
        record.withLock { record in
            if case .running(let exits) = record.loop { return exits }
            return nil
        }
    }

    func loopStopped() {
        record.withLock { $0.loop = .stopped }
    }
}
