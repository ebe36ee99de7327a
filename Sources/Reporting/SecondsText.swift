/// Durations written with a fixed number of decimals and `.` as separator whatever the locale,
/// because CI parsers (JUnit `time`) read them as numbers.
enum SecondsText {
    /// `seconds` with `decimals` digits after the point; negative, NaN and infinite values are
    /// written as zero (a duration cannot be negative and the JUnit schema has no sign).
    static func fixed(_ seconds: Double, decimals: Int = 3) -> String {
        let places = decimals.clamped(to: 0...6)
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        guard seconds.isFinite, seconds > 0 else {
            return places == 0 ? "0" : "0." + String(repeating: "0", count: places)
        }
        // 1e12 s is about 31,000 years; anything longer is a bug upstream, not a time.
        let units = Int64((seconds.clamped(to: 0...1e12) * Double(scale)).rounded())
        let whole = units / scale
        guard places > 0 else { return String(whole) }
        let part = String(units % scale)
        return "\(whole)." + String(repeating: "0", count: places - part.count) + part
    }
}
