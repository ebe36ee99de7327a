import DPSCore
import Foundation

/// The result of one scenario instance (one case): its verdicts, the wire transcript and timing.
public struct CaseResult: Sendable, Hashable, Codable {
    /// Stable, runnable ID, e.g. `mqtt/symmetric-key/assign-after-polls`.
    public var id: String
    /// Readable title.
    public var title: String
    /// Group the case belongs to (the scenario file's suite), used as the JUnit `classname`.
    public var suite: String
    public var verdicts: [Verdict]
    public var transcript: [WireEvent]
    /// What the device reported at the end (status, assignedHub, deviceId, errorCode...), secrets removed.
    public var deviceOutcome: [String: String]
    /// Wall time of the case in seconds.
    public var wallSeconds: Double
    /// Time that passed on the case's clock (virtual for the fake), in seconds.
    public var clockSeconds: Double
    /// Harness notes and log lines (redacted).
    public var log: [String]
    /// What ran as the device, and how an external device program ended.
    public var device: DeviceRunRecord?
    /// The scenario file the case comes from (relative to the directory the run started in when
    /// it lies inside it) and the line its scenario starts on; nil when not known (a hand-built
    /// case, a vector). Absent from reports written before these fields existed.
    public var file: String?
    public var line: Int?

    public init(id: String, title: String, suite: String, verdicts: [Verdict], transcript: [WireEvent] = [],
                deviceOutcome: [String: String] = [:], wallSeconds: Double = 0, clockSeconds: Double = 0, log: [String] = [],
                device: DeviceRunRecord? = nil, file: String? = nil, line: Int? = nil) {
        self.id = id
        self.title = title
        self.suite = suite
        self.verdicts = verdicts
        self.transcript = transcript
        self.deviceOutcome = deviceOutcome
        self.wallSeconds = wallSeconds
        self.clockSeconds = clockSeconds
        self.log = log
        self.device = device
        self.file = file
        self.line = line
    }

    /// The case outcome: the most severe verdict; a case without verdicts is an error (nothing was checked).
    public var outcome: VerdictOutcome {
        verdicts.map(\.outcome).max() ?? .error
    }
}

/// All cases of one run, with what the report needs to say where they ran.
public struct RunResult: Sendable, Hashable, Codable {
    public var name: String
    public var startedAt: Date
    public var wallSeconds: Double
    public var cases: [CaseResult]
    /// Free-form facts about the run (tool version, target endpoint, seed).
    public var properties: [String: String]

    public init(name: String, startedAt: Date, wallSeconds: Double, cases: [CaseResult], properties: [String: String] = [:]) {
        self.name = name
        self.startedAt = startedAt
        self.wallSeconds = wallSeconds
        self.cases = cases
        self.properties = properties
    }

    /// Cases per outcome.
    public var counts: [VerdictOutcome: Int] {
        Dictionary(grouping: cases, by: \.outcome).mapValues(\.count)
    }

    /// Whether any case fails the CI gate.
    public var failed: Bool { cases.contains { $0.outcome.failsRun } }
}
