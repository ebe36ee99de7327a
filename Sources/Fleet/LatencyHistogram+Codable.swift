/// JSON form: `{"unit": "us", "subBucketBits": 7, "count": N, "min": .., "max": .., "sum": ..,
/// "buckets": [[index, count], ...]}` with only the buckets that hold samples, so a shard's file
/// stays small and `bench merge` can add the counts exactly.
extension LatencyHistogram: Codable {
    private enum CodingKeys: String, CodingKey {
        case unit, subBucketBits, count, min, max, sum, buckets
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("us", forKey: .unit)
        try container.encode(Self.subBucketBits, forKey: .subBucketBits)
        try container.encode(totalCount, forKey: .count)
        try container.encode(minimum, forKey: .min)
        try container.encode(maximum, forKey: .max)
        try container.encode(sum, forKey: .sum)
        let pairs = counts.enumerated().filter { $0.element > 0 }.map { [Int64($0.offset), $0.element] }
        try container.encode(pairs, forKey: .buckets)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard try container.decode(String.self, forKey: .unit) == "us" else {
            throw DecodingError.dataCorruptedError(forKey: .unit, in: container, debugDescription: "unit must be \"us\"")
        }
        guard try container.decode(Int.self, forKey: .subBucketBits) == Self.subBucketBits else {
            throw DecodingError.dataCorruptedError(forKey: .subBucketBits, in: container,
                                                   debugDescription: "subBucketBits must be \(Self.subBucketBits): histograms of another precision cannot be merged")
        }
        self.init()
        let highestIndex = Self.bucketIndex(Self.highestTrackable)
        var counts: [Int64] = []
        for pair in try container.decode([[Int64]].self, forKey: .buckets) {
            guard pair.count == 2, (0...Int64(highestIndex)).contains(pair[0]), pair[1] > 0 else {
                throw DecodingError.dataCorruptedError(forKey: .buckets, in: container, debugDescription: "a bucket is [index, count] with 0 <= index <= \(highestIndex) and count > 0")
            }
            let index = Int(pair[0])
            if index >= counts.count { counts.append(contentsOf: repeatElement(0, count: index - counts.count + 1)) }
            counts[index] += pair[1]
        }
        let total = counts.reduce(0, +)
        guard total == (try container.decode(Int64.self, forKey: .count)) else {
            throw DecodingError.dataCorruptedError(forKey: .count, in: container, debugDescription: "count is not the sum of the buckets' counts")
        }
        self.counts = counts
        self.totalCount = total
        self.minimum = try container.decode(Int64.self, forKey: .min)
        self.maximum = try container.decode(Int64.self, forKey: .max)
        self.sum = try container.decode(Int64.self, forKey: .sum)
    }
}
