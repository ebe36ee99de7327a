import Foundation
import Testing
@testable import Reporting

@Suite("Times and numbers in reports")
struct ReportTimestampTests {
    @Test(arguments: [
        (1_767_225_600.0, "2026-01-01T00:00:00Z"),
        (1_767_225_600.125, "2026-01-01T00:00:00.125Z"),
        (1_709_210_096.0, "2024-02-29T12:34:56Z"),
        (0.0, "1970-01-01T00:00:00Z"),
        (978_307_199.75, "2000-12-31T23:59:59.75Z"),
        (-86_400.0, "1969-12-31T00:00:00Z"),
    ])
    func exactTimesHaveKnownText(unixSeconds: Double, text: String) {
        #expect(ReportTimestamp.exact(Date(timeIntervalSince1970: unixSeconds)) == text)
    }

    @Test func exactTimeKeepsEveryDigitItNeeds() {
        #expect(ReportTimestamp.exact(Date(timeIntervalSinceReferenceDate: 789_012_345.678_901_2)) == "2026-01-02T02:05:45.6789012Z")
        #expect(ReportTimestamp.exact(Date(timeIntervalSinceReferenceDate: -0.25)) == "2000-12-31T23:59:59.75Z")
    }

    @Test func farDatesAreClampedNotCrashed() {
        #expect(ReportTimestamp.exact(Date(timeIntervalSinceReferenceDate: 1e300)) == "9999-12-31T23:59:59Z")
        #expect(ReportTimestamp.exact(Date(timeIntervalSinceReferenceDate: -.infinity)) == "0001-01-01T00:00:00Z")
        #expect(ReportTimestamp.junit(Date(timeIntervalSinceReferenceDate: .nan)) == "1970-01-01T00:00:00")
    }

    @Test func junitTimestampHasNoZoneAndNoFraction() {
        #expect(ReportTimestamp.junit(Date(timeIntervalSince1970: 1_767_225_600.999)) == "2026-01-01T00:00:00")
        #expect(ReportTimestamp.junit(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59")
        #expect(ReportTimestamp.readable(Date(timeIntervalSince1970: 1_709_210_096)) == "2024-02-29 12:34:56 UTC")
    }

    @Test func timeOfDayHasMilliseconds() {
        #expect(ReportTimestamp.timeOfDay(Date(timeIntervalSince1970: 1_767_225_600 + 3723.25)) == "01:02:03.250")
        #expect(ReportTimestamp.timeOfDay(Date(timeIntervalSince1970: -0.001)) == "23:59:59.999")
    }

    @Test(arguments: ["", "2026-01-01", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00.Z",
                      "2026-01-01T00:00:00", "2026-01-01T00:00:00+0200", "２０２６-01-01T00:00:00Z"])
    func malformedTimesAreRefused(text: String) {
        #expect(ReportTimestamp.parseExact(text) == nil)
    }

    @Test(arguments: [
        (0.41, 3, "0.410"), (12.3456, 3, "12.346"), (1_234_567.5, 3, "1234567.500"), (0.41, 2, "0.41"),
        (2, 0, "2"), (-1, 3, "0.000"), (.nan, 3, "0.000"), (.infinity, 3, "0.000"), (0.0004, 3, "0.000"), (0.0006, 3, "0.001"),
    ])
    func secondsHaveFixedDecimalsAndAPoint(seconds: Double, decimals: Int, text: String) {
        #expect(SecondsText.fixed(seconds, decimals: decimals) == text)
    }

    @Test func decimalDigitsAreMovedNotRounded() throws {
        let small = try #require(ExactDecimal(1e-5))
        #expect(small == ExactDecimal(negative: false, integer: "0", fraction: "00001"))
        let large = try #require(ExactDecimal(-1e16))
        #expect(large == ExactDecimal(negative: true, integer: "10000000000000000", fraction: ""))
        #expect(ExactDecimal(-0.0) == ExactDecimal(negative: false, integer: "0", fraction: ""))
        #expect(ExactDecimal(.nan) == nil)
        #expect(ExactDecimal.complement(ofFraction: "25") == "75")
        #expect(ExactDecimal.complement(ofFraction: "001") == "999")
        #expect(ExactDecimal.complement(ofFraction: "5") == "5")
    }
}
