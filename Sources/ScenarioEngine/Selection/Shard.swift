/// One part of a run split for parallel CI jobs: `--shard K/N` runs part `index` of `count`.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 1-based part number.
    public let index: Int
    /// Number of parts.
    public let count: Int

    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        case notKOverN(String)
        case outOfRange(String)

        public var description: String {
            switch self {
            case .notKOverN(let text): "'\(text)' is not K/N (two whole numbers, e.g. 2/4)"
            case .outOfRange(let text): "'\(text)': need 1 <= K <= N <= 1000"
            }
        }
    }

    public init(index: Int, count: Int) throws(ParseError) {
        guard (1...1000).contains(count), (1...count).contains(index) else { throw .outOfRange("\(index)/\(count)") }
        self.index = index
        self.count = count
    }

    /// `K/N`, e.g. `2/3`.
    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let index = Int(parts[0]), let count = Int(parts[1]) else { throw .notKOverN(text) }
        guard (1...1000).contains(count), (1...count).contains(index) else { throw .outOfRange(text) }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }
}

/// How the cases of a selection are split into shards. Deterministic: the same case IDs (and
/// durations) give the same split on every machine, whatever order they were loaded in.
public enum ShardPlan {
    /// The IDs of every shard, `count` of them, each in sorted order.
    ///
    /// Without `durations`, round-robin over the sorted IDs: the i-th ID (from 0) goes to shard
    /// `i mod count`. With `durations` (case ID to seconds, from a previous report), greedy
    /// longest-first: cases sorted by duration descending, ties by ID, each into the shard with
    /// the least total so far (ties: the lowest shard number). A case without a recorded
    /// duration counts as the median of the recorded ones (0 when there are none).
    public static func split(_ ids: [String], count: Int, durations: [String: Double]? = nil) -> [[String]] {
        precondition(count >= 1)
        let sorted = Array(Set(ids)).sorted()
        var bins = Array(repeating: [String](), count: count)
        guard let durations else {
            for (position, id) in sorted.enumerated() { bins[position % count].append(id) }
            return bins
        }
        let median = self.median(of: sorted.compactMap { durations[$0] })
        var weighted: [(id: String, seconds: Double)] = []
        for id in sorted {
            var seconds = median
            if let recorded = durations[id], recorded.isFinite, recorded >= 0 { seconds = recorded }
            weighted.append((id, seconds))
        }
        weighted.sort { lhs, rhs in lhs.seconds != rhs.seconds ? lhs.seconds > rhs.seconds : lhs.id < rhs.id }
        var totals = Array(repeating: 0.0, count: count)
        for item in weighted {
            var lightest = 0
            for bin in 1..<count where totals[bin] < totals[lightest] { lightest = bin }
            bins[lightest].append(item.id)
            totals[lightest] += item.seconds
        }
        return bins.map { $0.sorted() }
    }

    /// The cases of `shard`, in the order they were given.
    public static func select<Item>(_ items: [Item], id: (Item) -> String, shard: Shard, durations: [String: Double]? = nil) -> [Item] {
        let mine = Set(split(items.map(id), count: shard.count, durations: durations)[shard.index - 1])
        return items.filter { mine.contains(id($0)) }
    }

    /// The median of `values` (mean of the middle two for an even count); 0 for none.
    static func median(of values: [Double]) -> Double {
        let finite = values.filter { $0.isFinite && $0 >= 0 }.sorted()
        guard !finite.isEmpty else { return 0 }
        let middle = finite.count / 2
        return finite.count % 2 == 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2
    }
}
