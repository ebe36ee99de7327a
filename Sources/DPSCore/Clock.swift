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
}

/// Virtual time: sleeping moves the clock forward at once, so a retry-after of 3 s costs no wall
/// time but is still visible, in virtual time, to the service that checks it.
public final class VirtualClock: DPSClock {
    private let current: Mutex<Date>
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

    /// Moves the clock forward; negative durations are ignored (time never runs backwards).
    public func advance(by duration: Duration) {
        guard duration > .zero else { return }
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

extension Duration {
    /// The duration in seconds as a floating-point value.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
