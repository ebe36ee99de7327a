import Foundation

/// The outcome of one `bench fleet` run, or of several shards merged: what `--json` writes and
/// `bench merge` reads. Percentiles are always computed from the histograms it holds.
public struct FleetResult: Sendable, Hashable {
    /// The JSON format's name and version.
    public static let format = "dpsconform-fleet/1"

    public var transport: FleetTransport
    /// `host:port` of the endpoint, or `in-process`.
    public var target: String
    /// The parts of the fleet this result covers.
    public var shards: [FleetShard]
    /// Devices in the whole fleet, all shards together.
    public var fleetDevices: Int
    public var concurrency: Int
    /// Devices of these shards that were run.
    public var attempted: Int
    /// Wall time; for merged shards, the longest shard's (they run side by side).
    public var elapsedSeconds: Double
    public var tally: FleetTally
    /// Peak resident memory of the process, when the fake ran in it (`VmHWM`).
    public var peakResidentBytes: Int?
    /// `debug` or `release`, when known.
    public var build: String?
    public var date: String?

    public init(settings: FleetSettings, tally: FleetTally, attempted: Int, elapsed: Duration) {
        transport = settings.transport
        target = "\(settings.host):\(settings.port)"
        shards = [settings.shard]
        fleetDevices = settings.devices
        concurrency = settings.concurrency
        self.attempted = attempted
        elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        self.tally = tally
        for phase in FleetPhase.phases(of: settings.transport) where self.tally.histograms[phase] == nil {
            self.tally.histograms[phase] = LatencyHistogram()
        }
    }

    /// Whole exchanges (devices assigned) per second of wall time.
    public var exchangesPerSecond: Double {
        elapsedSeconds > 0 ? Double(tally.provisioned) / elapsedSeconds : 0
    }

    /// Whether every device run was assigned.
    public var allProvisioned: Bool { tally.failed == 0 && tally.provisioned == attempted }

    /// Joins shard results of one fleet: counts and histograms added, percentiles recomputed from
    /// the merged histograms. Refuses results of different runs.
    public static func merge(_ results: [FleetResult]) throws(FleetInputError) -> FleetResult {
        guard var merged = results.first else { throw FleetInputError("bench merge needs at least one result file") }
        let phases = Set(merged.tally.histograms.keys)
        var seen = Set(merged.shards)
        for result in results.dropFirst() {
            guard result.transport == merged.transport else {
                throw FleetInputError("results of different transports (\(merged.transport.rawValue), \(result.transport.rawValue)) cannot be merged")
            }
            guard Set(result.tally.histograms.keys) == phases else {
                throw FleetInputError("results with different phase sets cannot be merged")
            }
            guard result.fleetDevices == merged.fleetDevices else {
                throw FleetInputError("results of fleets of different sizes (\(merged.fleetDevices), \(result.fleetDevices)) cannot be merged")
            }
            guard result.target == merged.target else {
                throw FleetInputError("results against different targets (\(merged.target), \(result.target)) cannot be merged")
            }
            for shard in result.shards {
                guard shard.count == merged.shards[0].count else {
                    throw FleetInputError("shard \(shard) does not split the fleet like \(merged.shards[0])")
                }
                guard seen.insert(shard).inserted else { throw FleetInputError("shard \(shard) appears twice") }
            }
            merged.shards += result.shards
            merged.attempted += result.attempted
            merged.concurrency += result.concurrency
            merged.elapsedSeconds = max(merged.elapsedSeconds, result.elapsedSeconds)
            merged.tally.merge(result.tally)
            merged.peakResidentBytes = [merged.peakResidentBytes, result.peakResidentBytes].compactMap { $0 }.max()
            if merged.build != result.build { merged.build = nil }
        }
        merged.shards.sort { $0.index < $1.index }
        return merged
    }
}

/// Percentiles of one phase, in microseconds, computed from its histogram.
public struct PhaseFigures: Sendable, Hashable {
    public let count: Int64
    public let p50: Int64
    public let p90: Int64
    public let p99: Int64
    public let p999: Int64
    public let max: Int64

    public init(_ histogram: LatencyHistogram) {
        count = histogram.totalCount
        p50 = histogram.value(atPercentile: 50)
        p90 = histogram.value(atPercentile: 90)
        p99 = histogram.value(atPercentile: 99)
        p999 = histogram.value(atPercentile: 99.9)
        max = histogram.maximum
    }
}
