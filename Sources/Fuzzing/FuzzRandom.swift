/// The fuzzers' only source of randomness: SplitMix64 (Steele, Lea and Flood, "Fast splittable
/// pseudorandom number generators", OOPSLA 2014), so the same `--seed` gives the same cases byte
/// for byte on every machine. `SystemRandomNumberGenerator` is never used for a case.
public struct FuzzRandom: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator for case `index` alone: case N is the same whether or not cases before it ran.
    public static func forCase(seed: UInt64, index: Int, stream: UInt64 = 0) -> FuzzRandom {
        var mixer = FuzzRandom(seed: seed ^ (stream &* 0xD6E8_FEB8_6659_FD93))
        for _ in 0..<2 { _ = mixer.next() }
        return FuzzRandom(seed: mixer.next() ^ UInt64(truncatingIfNeeded: index) &* 0xA076_1D64_78BD_642F)
    }

    /// A uniformly chosen element (`items` must not be empty).
    public mutating func pick<T>(_ items: [T]) -> T {
        items[Int(next(upperBound: UInt64(items.count)))]
    }

    /// An integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next(upperBound: UInt64(range.count)))
    }

    /// True with probability `numerator / denominator`.
    public mutating func chance(_ numerator: Int, in denominator: Int) -> Bool {
        Int(next(upperBound: UInt64(denominator))) < numerator
    }

    /// `count` bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}
