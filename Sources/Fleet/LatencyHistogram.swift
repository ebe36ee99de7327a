/// Latencies in microseconds, bucketed the way HdrHistogram does: exact below 256 µs, then 128
/// linear sub-buckets per power of two, so a recorded value and the value reported for it differ
/// by less than 1/128 (0.8 %: better than two significant digits). Two histograms merge by adding
/// counts, so percentiles of shards run on different machines are computed from the merged counts,
/// never averaged.
public struct LatencyHistogram: Sendable, Hashable {
    /// Sub-buckets per power of two, as a power of two: 2^7 = 128.
    public static let subBucketBits = 7
    /// The largest relative difference between a recorded value and the value reported for it.
    public static let relativeError = 1.0 / Double(1 << subBucketBits)
    static let subBucketCount = 1 << subBucketBits
    /// Values below this are counted exactly, one bucket each.
    static let exactLimit: Int64 = Int64(subBucketCount) * 2
    /// Latencies above an hour are clamped: a wait never legitimately lasts that long.
    public static let highestTrackable: Int64 = 3_600_000_000

    /// Count per bucket index; trailing empty buckets are not stored.
    public internal(set) var counts: [Int64] = []
    public internal(set) var totalCount: Int64 = 0
    /// Exact extremes and sum of what was recorded.
    public internal(set) var minimum: Int64 = 0
    public internal(set) var maximum: Int64 = 0
    public internal(set) var sum: Int64 = 0

    public init() {}

    /// Records one latency of `microseconds` (negative counts as 0, above an hour as an hour).
    public mutating func record(microseconds: Int64) {
        let value = min(max(microseconds, 0), Self.highestTrackable)
        let index = Self.bucketIndex(value)
        if index >= counts.count { counts.append(contentsOf: repeatElement(0, count: index - counts.count + 1)) }
        counts[index] += 1
        minimum = totalCount == 0 ? value : min(minimum, value)
        maximum = max(maximum, value)
        totalCount += 1
        sum += value
    }

    /// Records a `Duration` (rounded down to whole microseconds).
    public mutating func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        record(microseconds: seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
    }

    /// Adds every count of `other`: the histogram of both sets of samples together.
    public mutating func merge(_ other: LatencyHistogram) {
        guard other.totalCount > 0 else { return }
        if other.counts.count > counts.count { counts.append(contentsOf: repeatElement(0, count: other.counts.count - counts.count)) }
        for (index, count) in other.counts.enumerated() { counts[index] += count }
        minimum = totalCount == 0 ? other.minimum : min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
        totalCount += other.totalCount
        sum += other.sum
    }

    /// The value at `percentile` (0...100): the highest value equivalent to the bucket holding the
    /// sample of rank ceil(p/100 * count), as HdrHistogram reports it; capped at the exact maximum.
    /// 0 for an empty histogram.
    public func value(atPercentile percentile: Double) -> Int64 {
        guard totalCount > 0 else { return 0 }
        let rank = max(1, Int64((min(max(percentile, 0), 100) / 100 * Double(totalCount)).rounded(.up)))
        var seen: Int64 = 0
        for (index, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= rank { return min(Self.highestEquivalentValue(index), maximum) }
        }
        return maximum
    }

    /// Mean of the recorded values, exact.
    public var mean: Double { totalCount == 0 ? 0 : Double(sum) / Double(totalCount) }

    /// The bucket a value falls in.
    static func bucketIndex(_ value: Int64) -> Int {
        if value < exactLimit { return Int(value) }
        // value >> shift lies in 128...255: the top eight significant bits.
        let shift = (Int64.bitWidth - value.leadingZeroBitCount) - (subBucketBits + 1)
        let top = Int(value >> Int64(shift))
        return Int(exactLimit) + (shift - 1) * subBucketCount + (top - subBucketCount)
    }

    /// The smallest value of bucket `index`.
    static func lowestEquivalentValue(_ index: Int) -> Int64 {
        if index < Int(exactLimit) { return Int64(index) }
        let offset = index - Int(exactLimit)
        let shift = offset / subBucketCount + 1
        let top = Int64(offset % subBucketCount + subBucketCount)
        return top << Int64(shift)
    }

    /// The largest value of bucket `index`.
    static func highestEquivalentValue(_ index: Int) -> Int64 {
        if index < Int(exactLimit) { return Int64(index) }
        let shift = (index - Int(exactLimit)) / subBucketCount + 1
        return lowestEquivalentValue(index) + (Int64(1) << Int64(shift)) - 1
    }
}
