@testable import Fleet
import Testing

@Suite("Shards: every device in exactly one part; bad shard text refused")
struct ShardTests {
    @Test("N parts of a fleet cover every device once", arguments: [(1, 1), (10, 3), (20, 4), (7, 7), (5, 8), (1000, 13)])
    func cover(devices: Int, parts: Int) throws {
        var seen = [Int](repeating: 0, count: devices)
        for index in 1...parts {
            for device in try FleetShard(index: index, count: parts).deviceIndices(of: devices) { seen[device] += 1 }
        }
        #expect(seen.allSatisfy { $0 == 1 })
    }

    @Test("part K holds the devices i with i % N == K - 1")
    func rule() throws {
        #expect(Array(try FleetShard(parsing: "2/3").deviceIndices(of: 10)) == [1, 4, 7])
    }

    @Test("K/N text outside 1 <= K <= N is refused", arguments: ["0/3", "4/3", "1/0", "a/b", "1", "1/2/3", "-1/2", "", "2/"])
    func refused(text: String) {
        #expect(throws: FleetInputError.self) { try FleetShard(parsing: text) }
    }
}
