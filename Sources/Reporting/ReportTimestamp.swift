import Foundation

/// How reports write times. Everything is UTC so a report reads the same on every machine.
enum ReportTimestamp {
    /// Seconds between 1970-01-01 and 2001-01-01 (Foundation's reference date).
    private static let referenceToUnix: Int64 = 978_307_200
    /// Years the civil arithmetic below is used for; outside them a date is clamped.
    private static let years: ClosedRange<Int64> = 1...9999

    // MARK: - Writing

    /// ISO 8601 with `Z` and as many fractional digits as it takes to read back the identical
    /// `Date` (none for whole seconds), e.g. `2026-01-01T00:00:00.25Z`. Used in the JSON report.
    static func exact(_ date: Date) -> String {
        let value = date.timeIntervalSinceReferenceDate
        guard let decimal = ExactDecimal(value), let magnitude = Int64(decimal.integer) else {
            return clamped(value)
        }
        var whole = decimal.negative ? -magnitude : magnitude
        var fraction = decimal.fraction
        if decimal.negative && !fraction.isEmpty {
            // -123.25 is -124 plus 0.75.
            whole -= 1
            fraction = ExactDecimal.complement(ofFraction: fraction)
        }
        guard let civil = civil(unixSeconds: whole + referenceToUnix) else { return clamped(value) }
        return civil + (fraction.isEmpty ? "" : "." + fraction) + "Z"
    }

    /// `yyyy-MM-ddTHH:mm:ss` in UTC, no zone, no fraction: the one `timestamp` form that the Ant
    /// JUnit schema's pattern allows and that Jenkins, GitLab, Azure and the GitHub actions read.
    static func junit(_ date: Date) -> String {
        let whole = wholeUnixSeconds(date)
        return civil(unixSeconds: whole) ?? "1970-01-01T00:00:00"
    }

    /// `yyyy-MM-dd HH:mm:ss UTC`, for people.
    static func readable(_ date: Date) -> String {
        junit(date).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    /// `HH:mm:ss.SSS` in UTC, for transcript lines.
    static func timeOfDay(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite else { return "--:--:--.---" }
        let millis = Int64((seconds.clamped(to: -1e14...1e14) * 1000).rounded())
        let dayMillis = ((millis % 86_400_000) + 86_400_000) % 86_400_000
        let hour = dayMillis / 3_600_000
        let minute = dayMillis / 60_000 % 60
        let second = dayMillis / 1000 % 60
        return "\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(dayMillis % 1000, 3))"
    }

    private static func wholeUnixSeconds(_ date: Date) -> Int64 {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite else { return 0 }
        return Int64(seconds.clamped(to: -1e14...1e14).rounded(.down))
    }

    /// Dates no calendar digit string can hold (infinite, beyond year 9999) become the nearest end.
    private static func clamped(_ referenceSeconds: Double) -> String {
        referenceSeconds < 0 ? "0001-01-01T00:00:00Z" : "9999-12-31T23:59:59Z"
    }

    // MARK: - Reading

    /// Reads what ``exact(_:)`` writes (also accepts `±HH:MM` instead of `Z`); `nil` if malformed.
    static func parseExact(_ text: String) -> Date? {
        let chars = Array(text)
        guard chars.count >= 20,
              let year = number(chars, 0, 4), chars[4] == "-",
              let month = number(chars, 5, 2), chars[7] == "-",
              let day = number(chars, 8, 2), chars[10] == "T" || chars[10] == "t",
              let hour = number(chars, 11, 2), chars[13] == ":",
              let minute = number(chars, 14, 2), chars[16] == ":",
              let second = number(chars, 17, 2),
              (1...12).contains(month), (1...31).contains(day),
              hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = ""
        if chars[index] == "." {
            index += 1
            while index < chars.count, chars[index].isASCII, chars[index].isNumber {
                fraction.append(chars[index])
                index += 1
            }
            guard !fraction.isEmpty else { return nil }
        }
        guard let offset = zoneOffset(chars[index...]) else { return nil }
        var whole = daysFromCivil(year: year, month: month, day: day) * 86_400
            + hour * 3600 + minute * 60 + second - offset - referenceToUnix
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let decimal: String
        if whole < 0 && !fraction.isEmpty {
            // whole + 0.F = -((|whole| - 1) + (1 - 0.F))
            whole = -whole - 1
            decimal = "-\(whole).\(ExactDecimal.complement(ofFraction: fraction))"
        } else {
            decimal = fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
        }
        guard let value = Double(decimal), value.isFinite else { return nil }
        return Date(timeIntervalSinceReferenceDate: value)
    }

    private static func number(_ chars: [Character], _ start: Int, _ length: Int) -> Int64? {
        guard start + length <= chars.count else { return nil }
        let slice = chars[start..<(start + length)]
        guard slice.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(String(slice))
    }

    /// Seconds east of UTC for `Z` or `±HH:MM`, `nil` when anything else (or trailing text) follows.
    private static func zoneOffset(_ rest: ArraySlice<Character>) -> Int64? {
        let chars = Array(rest)
        if chars == ["Z"] || chars == ["z"] { return 0 }
        guard chars.count == 6, chars[0] == "+" || chars[0] == "-", chars[3] == ":",
              let hours = number(chars, 1, 2), let minutes = number(chars, 4, 2),
              hours < 24, minutes < 60 else { return nil }
        let offset = hours * 3600 + minutes * 60
        return chars[0] == "-" ? -offset : offset
    }

    // MARK: - Civil calendar (proleptic Gregorian, days since 1970-01-01)

    private static func civil(unixSeconds: Int64) -> String? {
        let days = floorDivide(unixSeconds, 86_400)
        let secondOfDay = unixSeconds - days * 86_400
        let (year, month, day) = civilFromDays(days)
        guard years.contains(year) else { return nil }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor < 0) ? quotient - 1 : quotient
    }

    // Days <-> civil date: the era-based algorithm (400-year cycles of 146,097 days).
    private static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let marchYear = month <= 2 ? year - 1 : year
        let era = floorDivide(marchYear, 400)
        let yearOfEra = marchYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self {
        min(max(self, range.lowerBound), range.upperBound)
    }
}
