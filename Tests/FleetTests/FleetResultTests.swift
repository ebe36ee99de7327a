import Foundation
@testable import Fleet
import Testing

@Suite("Fleet results: JSON round trip, merge of shards, mismatched runs refused")
struct FleetResultTests {
    static func result(_ transport: FleetTransport, shard: FleetShard, latencies: [Int64], failures: Int = 0) -> FleetResult {
        let settings = FleetSettings(transport: transport, host: "127.0.0.1", port: 8883, trustedCAPEM: nil, idScope: "0ne0000TEST",
                                     credentials: .groupKey("a2V5"), devices: 100, concurrency: 4, shard: shard)
        var tally = FleetTally()
        for latency in latencies {
            for phase in FleetPhase.phases(of: transport) { tally.histograms[phase, default: LatencyHistogram()].record(microseconds: latency) }
            tally.provisioned += 1
            tally.retryAfterWaits["0", default: 0] += 1
            tally.requests["register", default: 0] += 1
        }
        for _ in 0..<failures { tally.count(FleetFailure(.timeout, "no CONNACK before the deadline")) }
        return FleetResult(settings: settings, tally: tally, attempted: latencies.count + failures, elapsed: .milliseconds(1500))
    }

    @Test("a result survives its JSON form, and the file shows the percentiles")
    func roundTrip() throws {
        var result = Self.result(.mqtt, shard: try FleetShard(index: 2, count: 4), latencies: [100, 2_000, 35_000, 1_200_000], failures: 2)
        result.peakResidentBytes = 50_000_000
        result.build = "debug"
        result.date = "2026-12-06T22:00:00Z"
        let data = try JSONEncoder().encode(result)
        #expect(try JSONDecoder().decode(FleetResult.self, from: data) == result)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["format"] as? String == FleetResult.format)
        let phases = try #require(object["phases"] as? [String: [String: Any]])
        #expect(Set(phases.keys) == Set(FleetPhase.phases(of: .mqtt).map(\.rawValue)))
        #expect(phases["total"]?["max"] as? Int == 1_200_000)
        #expect((object["errors"] as? [String: Int]) == ["timeout": 2])
    }

    @Test("merged shards: counts added, percentiles from the merged histogram, elapsed the longest")
    func merge() throws {
        let first = Self.result(.https, shard: try FleetShard(index: 1, count: 2), latencies: Array(repeating: 1_000, count: 99))
        var second = Self.result(.https, shard: try FleetShard(index: 2, count: 2), latencies: [900_000])
        second.elapsedSeconds = 3
        let merged = try FleetResult.merge([first, second])
        #expect(merged.tally.provisioned == 100)
        #expect(merged.elapsedSeconds == 3)
        let total = try #require(merged.tally.histograms[.total])
        // Averaging the shards' p99 would give about 450 ms; the merged samples' p99 is 1 ms.
        let p99 = total.value(atPercentile: 99)
        #expect(p99 >= 1_000 && Double(p99 - 1_000) <= 1_000 * LatencyHistogram.relativeError)
        #expect(total.value(atPercentile: 100) == 900_000)
        #expect(merged.shards.map(\.index) == [1, 2])
    }

    @Test("results of different transports, phase sets, splits or a repeated shard are refused")
    func refused() throws {
        let mqtt = Self.result(.mqtt, shard: try FleetShard(index: 1, count: 2), latencies: [1])
        let https = Self.result(.https, shard: try FleetShard(index: 2, count: 2), latencies: [1])
        var fewerPhases = Self.result(.mqtt, shard: try FleetShard(index: 2, count: 2), latencies: [1])
        fewerPhases.tally.histograms[.subscribe] = nil
        let otherSplit = Self.result(.mqtt, shard: try FleetShard(index: 2, count: 3), latencies: [1])
        for pair in [[mqtt, https], [mqtt, fewerPhases], [mqtt, otherSplit], [mqtt, mqtt], []] {
            #expect(throws: FleetInputError.self) { try FleetResult.merge(pair) }
        }
    }

    @Test("settings out of range are refused before anything runs")
    func badSettings() {
        let good = FleetSettings(transport: .mqtt, host: "127.0.0.1", port: 8883, trustedCAPEM: nil, idScope: "s",
                                 credentials: .groupKey("a2V5"), devices: 10, concurrency: 2)
        var cases: [FleetSettings] = []
        for change in [{ (s: inout FleetSettings) in s.devices = 0 }, { $0.concurrency = 0 }, { $0.requestsPerSecond = 0 },
                       { $0.requestsPerSecond = -1 }, { $0.registrationIDPrefix = "a b" }, { $0.port = 0 },
                       { $0.credentials = .individualKeys([("a", "a2V5")]) }] {
            var settings = good
            change(&settings)
            cases.append(settings)
        }
        #expect(throws: Never.self) { try good.validate() }
        for settings in cases { #expect(throws: FleetInputError.self) { try settings.validate() } }
    }
}
