/// JSON form (format `dpsconform-fleet/1`, docs/bench.md): run facts, counts, and per phase the
/// percentiles (µs) next to the raw histogram. Reading takes only the histograms: percentiles in a
/// file are for people, and are recomputed.
extension FleetResult: Codable {
    private enum CodingKeys: String, CodingKey {
        case format, transport, target, shards, fleetDevices, concurrency, attempted, provisioned, failed,
             elapsedSeconds, exchangesPerSecond, errors, errorExamples, retryAfterWaits, requests, phases,
             peakResidentBytes, build, date
    }

    private struct Phase: Codable {
        var count: Int64
        var p50: Int64
        var p90: Int64
        var p99: Int64
        var p999: Int64
        var max: Int64
        var histogram: LatencyHistogram
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.format, forKey: .format)
        try container.encode(transport, forKey: .transport)
        try container.encode(target, forKey: .target)
        try container.encode(shards, forKey: .shards)
        try container.encode(fleetDevices, forKey: .fleetDevices)
        try container.encode(concurrency, forKey: .concurrency)
        try container.encode(attempted, forKey: .attempted)
        try container.encode(tally.provisioned, forKey: .provisioned)
        try container.encode(tally.failed, forKey: .failed)
        try container.encode(elapsedSeconds, forKey: .elapsedSeconds)
        try container.encode(exchangesPerSecond, forKey: .exchangesPerSecond)
        try container.encode(Dictionary(uniqueKeysWithValues: tally.errors.map { ($0.key.rawValue, $0.value) }), forKey: .errors)
        try container.encode(Dictionary(uniqueKeysWithValues: tally.examples.map { ($0.key.rawValue, $0.value) }), forKey: .errorExamples)
        try container.encode(tally.retryAfterWaits, forKey: .retryAfterWaits)
        try container.encode(tally.requests, forKey: .requests)
        let phases = tally.histograms.map { phase, histogram in
            let figures = PhaseFigures(histogram)
            return (phase.rawValue, Phase(count: figures.count, p50: figures.p50, p90: figures.p90, p99: figures.p99,
                                          p999: figures.p999, max: figures.max, histogram: histogram))
        }
        try container.encode(Dictionary(uniqueKeysWithValues: phases), forKey: .phases)
        try container.encodeIfPresent(peakResidentBytes, forKey: .peakResidentBytes)
        try container.encodeIfPresent(build, forKey: .build)
        try container.encodeIfPresent(date, forKey: .date)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let format = try container.decode(String.self, forKey: .format)
        guard format == Self.format else {
            throw DecodingError.dataCorruptedError(forKey: .format, in: container, debugDescription: "format '\(format)' is not \(Self.format)")
        }
        transport = try container.decode(FleetTransport.self, forKey: .transport)
        target = try container.decode(String.self, forKey: .target)
        shards = try container.decode([FleetShard].self, forKey: .shards)
        fleetDevices = try container.decode(Int.self, forKey: .fleetDevices)
        concurrency = try container.decode(Int.self, forKey: .concurrency)
        attempted = try container.decode(Int.self, forKey: .attempted)
        elapsedSeconds = try container.decode(Double.self, forKey: .elapsedSeconds)
        var tally = FleetTally()
        tally.provisioned = try container.decode(Int.self, forKey: .provisioned)
        tally.failed = try container.decode(Int.self, forKey: .failed)
        for (name, count) in try container.decode([String: Int].self, forKey: .errors) {
            guard let kind = FleetErrorKind(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .errors, in: container, debugDescription: "unknown error kind '\(name)'")
            }
            tally.errors[kind] = count
        }
        for (name, example) in try container.decode([String: String].self, forKey: .errorExamples) {
            if let kind = FleetErrorKind(rawValue: name) { tally.examples[kind] = example }
        }
        tally.retryAfterWaits = try container.decode([String: Int].self, forKey: .retryAfterWaits)
        tally.requests = try container.decode([String: Int].self, forKey: .requests)
        for (name, phase) in try container.decode([String: Phase].self, forKey: .phases) {
            guard let key = FleetPhase(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .phases, in: container, debugDescription: "unknown phase '\(name)'")
            }
            tally.histograms[key] = phase.histogram
        }
        self.tally = tally
        peakResidentBytes = try container.decodeIfPresent(Int.self, forKey: .peakResidentBytes)
        build = try container.decodeIfPresent(String.self, forKey: .build)
        date = try container.decodeIfPresent(String.self, forKey: .date)
    }
}
