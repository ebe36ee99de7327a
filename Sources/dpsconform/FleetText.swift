import Fleet
import Foundation

/// What `bench fleet` and `bench merge` print, and the JSON file they write.
enum FleetText {
    static func summary(_ result: FleetResult, fakeThreads: Int?) -> String {
        var lines: [String] = []
        let shards = result.shards == [.whole] ? "" : ", shard" + (result.shards.count > 1 ? "s " : " ") + result.shards.map(\.description).joined(separator: ",")
        let target = result.target == "in-process" ? "the fake in process" + (fakeThreads.map { " (\($0) event-loop threads)" } ?? "") : result.target
        lines.append("fleet: \(result.attempted) of \(result.fleetDevices) devices over \(result.transport.rawValue), concurrency \(result.concurrency)\(shards), "
                     + "against \(target); build \(result.build ?? "mixed")")
        let done = result.transport == .mqttBroker ? "completed" : "assigned"
        lines.append("\(done) \(result.tally.provisioned) of \(result.attempted) in \(fixed(result.elapsedSeconds, 3)) s: "
                     + "\(fixed(result.exchangesPerSecond, 1)) exchanges/s")
        lines.append(pad("phase (ms)", 12) + ["count", "p50", "p90", "p99", "p99.9", "max"].map { pad($0, 10, right: true) }.joined())
        for phase in FleetPhase.allCases {
            guard let histogram = result.tally.histograms[phase] else { continue }
            let figures = PhaseFigures(histogram)
            let values = [figures.p50, figures.p90, figures.p99, figures.p999, figures.max].map { pad(fixed(Double($0) / 1000, 2), 10, right: true) }
            lines.append(pad(phase.rawValue, 12) + pad(String(figures.count), 10, right: true) + values.joined())
        }
        if result.tally.errors.isEmpty {
            lines.append("errors: none")
        } else {
            lines.append("errors: " + result.tally.errors.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))
            for (kind, example) in result.tally.examples.sorted(by: { $0.key < $1.key }) {
                lines.append("  first \(kind.rawValue): \(example.prefix(300))")
            }
        }
        let waits = result.tally.retryAfterWaits.sorted { (Int($0.key) ?? Int.max) < (Int($1.key) ?? Int.max) }
            .map { "\($0.key) s x\($0.value)" }.joined(separator: ", ")
        lines.append("requests: " + result.tally.requests.sorted { $0.key > $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                     + "; retry-after waits: " + (waits.isEmpty ? "none" : waits))
        if let peak = result.peakResidentBytes {
            lines.append("peak resident memory: \(peak / 1_048_576) MiB (VmHWM of the process: the fake and the load client together)")
        }
        return lines.joined(separator: "\n")
    }

    static func write(_ result: FleetResult, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(result).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw Failure(status: ExitStatus.harnessFailed, message: "cannot write \(path): \(error)")
        }
    }

    static func read(_ path: String) throws -> FleetResult {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Failure(status: ExitStatus.badInput, message: "bench merge: cannot read \(path)")
        }
        do {
            return try JSONDecoder().decode(FleetResult.self, from: data)
        } catch {
            throw Failure(status: ExitStatus.badInput, message: "bench merge: \(path) is not a bench fleet result: \(error)")
        }
    }

    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}
