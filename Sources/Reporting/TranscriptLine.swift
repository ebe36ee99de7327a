import DPSCore
import Foundation

/// One wire event as one readable line: `#3  12:00:03.250  +3.250 s  mqtt#1  ->  PUBLISH  summary`.
enum TranscriptLine {
    /// Explains the direction arrows used in ``line(_:start:)``.
    static let legend = "-> device to service, <- service to device, -- noted locally"

    /// The arrow for a direction.
    static func arrow(_ direction: WireEvent.Direction) -> String {
        switch direction {
        case .toService: "->"
        case .toDevice: "<-"
        case .local: "--"
        }
    }

    /// Words for a direction, for tables.
    static func words(_ direction: WireEvent.Direction) -> String {
        switch direction {
        case .toService: "device → service"
        case .toDevice: "service → device"
        case .local: "local"
        }
    }

    /// Seconds since `start` (the case's first event), e.g. `+3.250 s`.
    static func offset(_ event: WireEvent, start: Date?) -> String {
        guard let start else { return "+0.000 s" }
        let seconds = event.time.timeIntervalSince(start)
        let sign = seconds < 0 ? "-" : "+"
        return sign + SecondsText.fixed(abs(seconds)) + " s"
    }

    static func line(_ event: WireEvent, start: Date?) -> String {
        var parts = [
            "#\(event.sequence)",
            ReportTimestamp.timeOfDay(event.time),
            offset(event, start: start),
            VerdictText.flatten(event.connection),
            arrow(event.direction),
            VerdictText.flatten(event.label),
            VerdictText.flatten(event.summary),
        ]
        if let topic = event.target { parts.append("[\(VerdictText.flatten(topic))]") }
        if let status = event.status { parts.append("[status \(status)]") }
        return parts.joined(separator: "  ")
    }
}
