import Foundation
import Synchronization

/// The notion of time shared by the fake service and the device side. Everything that depends on
/// time (retry-after, readiness of operations, throttling windows, token expiry) reads it.
/// It lives in DPSCore because both sides need it and they never import each other.
public protocol DPSClock: Sendable {
    /// The current time.
    func now() -> Date
    /// Waits for `duration` of this clock's time.
    func sleep(for duration: Duration) async throws
    /// The real time to wait for network input that is allowed `duration` of this clock's time.
    func realTimeLimit(for duration: Duration) -> Duration
    /// Accounts for a wait on network input that ran out after `realTimeLimit(for: duration)`.
    func accountForTimedOutWait(_ duration: Duration)
    /// Said by a service that shares this clock with the device: it has done all it will do for
    /// the latest request of `registrationID` (answer withheld, or undeliverable, or an
    /// acknowledgement it never sends), so whatever the device still waits for will not come.
    func noteSettled(registrationID: String)
    /// A mark taken by the device before it sends a request; nil when the clock carries no word
    /// from the service (a real clock: the wait runs its course).
    func settledMark(registrationID: String) -> UInt64?
    /// Returns once the service has said `noteSettled` for `registrationID` after `mark`, or when
    /// the calling task is cancelled.
    func settled(registrationID: String, after mark: UInt64) async
}

extension DPSClock {
    /// How long a server must really wait to answer `duration` of this clock's time later. A
    /// virtual clock moves itself forward and answers zero: the delay costs no wall time.
    public func realDelay(forAnswerAfter duration: Duration) -> Duration {
        if let virtual = self as? VirtualClock {
            virtual.advance(by: duration)
            return .zero
        }
        return duration
    }
}

/// Wall-clock time, for real devices and real endpoints.
public struct SystemClock: DPSClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
    public func realTimeLimit(for duration: Duration) -> Duration { duration }
    public func accountForTimedOutWait(_ duration: Duration) {}
    public func noteSettled(registrationID: String) {}
    public func settledMark(registrationID: String) -> UInt64? { nil }
    public func settled(registrationID: String, after mark: UInt64) async {}
}

/// Virtual time: sleeping moves the clock forward at once, so a retry-after of 3 s costs no wall
/// time but is still visible, in virtual time, to the service that checks it. A wait for network
/// input ends when the service says it has settled the request without answering (an event), and
/// otherwise after `ioWaitCap` of real time at most; either way the clock then jumps by the
/// virtual amount the device allowed.
public final class VirtualClock: DPSClock {
    private let current: Mutex<Date>
    private let board = Mutex(SettledBoard())
    /// The longest real wait for network input; on expiry the clock jumps by the virtual amount.
    public let ioWaitCap: Duration

    public init(start: Date = Date(), ioWaitCap: Duration = .seconds(5)) {
        current = Mutex(start)
        self.ioWaitCap = ioWaitCap
    }

    public func now() -> Date { current.withLock { $0 } }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        advance(by: duration)
        await Task.yield()
    }

    public func realTimeLimit(for duration: Duration) -> Duration { min(duration, ioWaitCap) }

    public func accountForTimedOutWait(_ duration: Duration) { advance(by: duration) }

    public func noteSettled(registrationID: String) {
        let woken = board.withLock { $0.settle(registrationID) }
        for continuation in woken { continuation.resume() }
    }

    public func settledMark(registrationID: String) -> UInt64? {
        board.withLock { $0.generation(of: registrationID) }
    }

    public func settled(registrationID: String, after mark: UInt64) async {
        let key = board.withLock { $0.newKey() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = board.withLock { board -> Bool in
                    // Checked under the lock: either the cancellation handler finds this waiter,
                    // or the cancellation is seen here.
                    if board.generation(of: registrationID) > mark || Task.isCancelled { return true }
                    board.waiters[key] = SettledBoard.Waiter(registrationID: registrationID, continuation: continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            board.withLock { $0.waiters.removeValue(forKey: key) }?.continuation.resume()
        }
    }

    /// Moves the clock forward; negative durations are ignored (time never runs backwards).
    public func advance(by duration: Duration) {
        guard duration > .zero else { return }
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// Per device, how many requests the service settled without answering, and who waits for it.
private struct SettledBoard {
    struct Waiter {
        let registrationID: String
        let continuation: CheckedContinuation<Void, Never>
    }

    private var generations: [String: UInt64] = [:]
    private var nextKey: UInt64 = 0
    var waiters: [UInt64: Waiter] = [:]

    func generation(of registrationID: String) -> UInt64 { generations[registrationID, default: 0] }

    mutating func newKey() -> UInt64 {
        nextKey += 1
        return nextKey
    }

    /// Counts one more settled request and hands back the continuations to resume (outside the lock).
    mutating func settle(_ registrationID: String) -> [CheckedContinuation<Void, Never>] {
        generations[registrationID, default: 0] += 1
        let keys = waiters.filter { $0.value.registrationID == registrationID }.map(\.key)
        return keys.compactMap { waiters.removeValue(forKey: $0)?.continuation }
    }
}

extension Duration {
    /// The duration in seconds as a floating-point value.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
