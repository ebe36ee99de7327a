import Foundation
@testable import Fleet
import Testing

@Suite("Latency histogram: bounded relative error, merge by adding counts, JSON round trip")
struct HistogramTests {
    /// The sample of rank ceil(p/100 * n), the definition the histogram follows.
    static func exactPercentile(_ sorted: [Int64], _ percentile: Double) -> Int64 {
        let rank = max(1, Int((percentile / 100 * Double(sorted.count)).rounded(.up)))
        return sorted[rank - 1]
    }

    /// Deterministic samples spread over six decades (SplitMix64 driving a log-uniform draw).
    static func samples(_ count: Int, seed: UInt64) -> [Int64] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            mixed ^= mixed >> 31
            let unit = Double(mixed >> 11) / Double(1 << 53)
            return Int64(pow(10, unit * 7))
        }
    }

    static let percentiles = [1.0, 10, 50, 90, 99, 99.9, 100]

    static func expectWithinError(_ histogram: LatencyHistogram, _ samples: [Int64]) {
        let sorted = samples.sorted()
        for percentile in percentiles {
            let exact = exactPercentile(sorted, percentile)
            let reported = histogram.value(atPercentile: percentile)
            #expect(reported >= exact, "p\(percentile): \(reported) below the exact \(exact)")
            #expect(Double(reported - exact) <= Double(exact) * LatencyHistogram.relativeError,
                    "p\(percentile): \(reported) is more than 1/128 above the exact \(exact)")
        }
        #expect(histogram.maximum == sorted.last)
        #expect(histogram.minimum == sorted.first)
        #expect(histogram.totalCount == Int64(samples.count))
    }

    @Test("values below 256 µs are exact; every bucket's bounds contain the values mapped to it")
    func buckets() {
        for value in Int64(0)..<256 { #expect(LatencyHistogram.bucketIndex(value) == Int(value)) }
        for value: Int64 in [256, 257, 511, 512, 1023, 1024, 99_999, 1_000_000, 123_456_789, LatencyHistogram.highestTrackable] {
            let index = LatencyHistogram.bucketIndex(value)
            #expect(LatencyHistogram.lowestEquivalentValue(index) <= value)
            #expect(LatencyHistogram.highestEquivalentValue(index) >= value)
            #expect(LatencyHistogram.bucketIndex(LatencyHistogram.highestEquivalentValue(index) + 1) == index + 1)
        }
    }

    @Test("percentiles of 20,000 samples over six decades are within 1/128 of the exact ones")
    func accuracy() {
        let samples = Self.samples(20_000, seed: 1)
        var histogram = LatencyHistogram()
        for sample in samples { histogram.record(microseconds: sample) }
        Self.expectWithinError(histogram, samples)
    }

    @Test("merged histograms give the percentiles of the combined samples")
    func merge() {
        let parts = (1...4).map { Self.samples(3_000 * $0, seed: UInt64($0) * 77) }
        var merged = LatencyHistogram()
        var direct = LatencyHistogram()
        for part in parts {
            var histogram = LatencyHistogram()
            for sample in part {
                histogram.record(microseconds: sample)
                direct.record(microseconds: sample)
            }
            merged.merge(histogram)
        }
        #expect(merged == direct)
        Self.expectWithinError(merged, parts.flatMap { $0 })
    }

    @Test("an empty histogram reports 0; merging it changes nothing")
    func empty() {
        var histogram = LatencyHistogram()
        #expect(histogram.value(atPercentile: 99) == 0)
        histogram.record(microseconds: 5)
        histogram.merge(LatencyHistogram())
        #expect(histogram.totalCount == 1 && histogram.minimum == 5)
    }

    @Test("JSON round trip keeps every count; a foreign precision or a wrong count is refused")
    func json() throws {
        var histogram = LatencyHistogram()
        for sample in Self.samples(5_000, seed: 9) { histogram.record(microseconds: sample) }
        let data = try JSONEncoder().encode(histogram)
        #expect(try JSONDecoder().decode(LatencyHistogram.self, from: data) == histogram)
        let text = String(decoding: data, as: UTF8.self)
        for broken in [text.replacingOccurrences(of: "\"subBucketBits\":7", with: "\"subBucketBits\":5"),
                       text.replacingOccurrences(of: "\"count\":5000", with: "\"count\":5001")] {
            #expect(broken != text)
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(LatencyHistogram.self, from: Data(broken.utf8)) }
        }
    }
}
