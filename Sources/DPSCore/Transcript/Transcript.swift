import Foundation
import Synchronization

/// An append-only, thread-safe record of the wire events of one run, from every connection.
///
/// A scenario run keeps everything (`.complete`); a long-running `serve` keeps a bounded window
/// (`.bounded`): the newest events up to a count, with raw bytes above a size dropped and
/// payloads above that size kept as digest and length (`payloadTextLimit`, applied by the
/// recorders that make the records), so memory stays bounded however long the service runs.
public final class Transcript: Sendable {
    public enum Retention: Sendable, Hashable {
        /// Every event, with its raw bytes.
        case complete
        /// The newest `events` events; raw bytes of an event kept only up to `rawBytes`.
        case bounded(events: Int, rawBytes: Int)
    }

    private struct State {
        var events: [WireEvent] = []
        /// Index of the oldest event in `events` once the ring has wrapped.
        var start = 0
        var appended = 0
    }

    public let retention: Retention
    private let state = Mutex(State())

    public init(retention: Retention = .complete) {
        self.retention = retention
    }

    /// The largest payload or body a record made for this transcript keeps as text; larger ones
    /// are kept as digest and length. nil (complete retention): up to `PayloadText.limit` of text.
    public var payloadTextLimit: Int? {
        if case .bounded(_, let rawBytes) = retention { return rawBytes }
        return nil
    }

    /// Appends `event`, giving it the next sequence number; returns that number.
    @discardableResult
    public func append(_ event: WireEvent) -> Int {
        state.withLock { state in
            var numbered = event
            numbered.sequence = state.appended
            state.appended += 1
            switch retention {
            case .complete:
                state.events.append(numbered)
            case .bounded(let limit, let rawBytes):
                if numbered.raw.count > rawBytes { numbered.raw = Data() }
                if state.events.count < max(limit, 1) {
                    state.events.append(numbered)
                } else {
                    state.events[state.start] = numbered
                    state.start = (state.start + 1) % state.events.count
                }
            }
            return numbered.sequence
        }
    }

    /// A snapshot of the events kept, in order.
    public var snapshot: [WireEvent] {
        state.withLock { state in
            guard state.start > 0 else { return state.events }
            return Array(state.events[state.start...] + state.events[..<state.start])
        }
    }

    /// How many events were ever appended (more than `snapshot.count` once a bounded window wrapped).
    public var appendedCount: Int { state.withLock { $0.appended } }
}
