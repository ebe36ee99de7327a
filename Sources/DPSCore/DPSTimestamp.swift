import Foundation

/// DPS time stamps: ISO 8601 UTC with seven fractional digits and `Z`
/// (e.g. `2020-04-10T03:11:13.0276997Z`, identifiers as DPS issues them).
public enum DPSTimestamp {
    public static func string(from date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let ticks = Int(((date.timeIntervalSince1970 - seconds) * 10_000_000).rounded(.down))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%07dZ",
                      parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1,
                      parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0, min(max(ticks, 0), 9_999_999))
    }
}
