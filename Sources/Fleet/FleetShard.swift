/// Part K of N of a fleet (`--shard K/N`): the devices whose zero-based index i has
/// i % N == K - 1, so N pods that each run one part cover every device exactly once.
public struct FleetShard: Sendable, Hashable, Codable, CustomStringConvertible {
    /// 1...count.
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws(FleetInputError) {
        guard count >= 1, count <= 1_000_000 else { throw FleetInputError("--shard: N must be 1...1000000, got \(count)") }
        guard (1...count).contains(index) else { throw FleetInputError("--shard: K must be 1...\(count), got \(index)") }
        self.index = index
        self.count = count
    }

    /// Parses `K/N`.
    public init(parsing text: String) throws(FleetInputError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw FleetInputError("--shard must be K/N (e.g. 2/4), got '\(text)'")
        }
        try self.init(index: index, count: count)
    }

    /// The zero-based device indices of this part among `devices`.
    public func deviceIndices(of devices: Int) -> StrideTo<Int> {
        stride(from: index - 1, to: devices, by: count)
    }

    public var description: String { "\(index)/\(count)" }

    private enum CodingKeys: String, CodingKey { case index, count }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(index: container.decode(Int.self, forKey: .index), count: container.decode(Int.self, forKey: .count))
        } catch let error as FleetInputError {
            throw DecodingError.dataCorruptedError(forKey: .index, in: container, debugDescription: error.message)
        }
    }

    /// The whole fleet.
    public static let whole = FleetShard(uncheckedIndex: 1, count: 1)

    private init(uncheckedIndex: Int, count: Int) {
        self.index = uncheckedIndex
        self.count = count
    }
}

/// A flag or file that cannot be used (exit 2), with a message that names it.
public struct FleetInputError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
