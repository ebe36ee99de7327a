import DPSCore
import Foundation

/// The fuzz targets.
public enum FuzzTargetName: String, Sendable, Hashable, CaseIterable, Codable {
    case registrationIDs = "registration-ids"
    case certificates
    case responses
    case mqtt
    case http
}

/// How many cases a target runs: a count, or as many as fit in a duration.
public enum FuzzBudget: Sendable, Hashable {
    case cases(Int)
    case duration(Duration)

    func allows(next index: Int, started: ContinuousClock.Instant) -> Bool {
        switch self {
        case .cases(let count): index < count
        case .duration(let limit): ContinuousClock.now - started < limit
        }
    }
}

/// One oracle violation: which case, which rule, what was legal and what happened, and the
/// reproducer that replays it.
public struct FuzzViolation: Sendable, Hashable {
    public var target: FuzzTargetName
    /// `registration-ids/17`, `certificates/der/truncated/mqtt`.
    public var caseName: String
    public var requirement: RequirementID
    public var expected: [String]
    public var observed: String
    /// A scenario file (YAML) that `dpsconform run` replays; nil when the case cannot be replayed
    /// by a device (said in `reproducerNote`).
    public var reproducer: String?
    public var reproducerNote: String?
    /// The case itself, as JSON (secrets left out).
    public var caseJSON: String

    public init(target: FuzzTargetName, caseName: String, requirement: RequirementID, expected: [String], observed: String,
                reproducer: String?, reproducerNote: String? = nil, caseJSON: String) {
        self.target = target
        self.caseName = caseName
        self.requirement = requirement
        self.expected = expected
        self.observed = observed
        self.reproducer = reproducer
        self.reproducerNote = reproducerNote
        self.caseJSON = caseJSON
    }
}

/// What one target's run came to.
public struct FuzzTargetOutcome: Sendable {
    public var target: FuzzTargetName
    public var seed: UInt64
    public var casesRun: Int
    public var wallSeconds: Double
    /// Cases per transport, and how many of them reached the service only without TLS.
    public var casesByTransport: [FuzzTransport: Int]
    public var presentedWithoutTLS: Int
    public var violations: [FuzzViolation]
    /// Cases the harness could not run (a connection that could not be made): nothing is known of them.
    public var harnessErrors: [String]
    /// Registrations a well-behaved device made while the cases ran (mqtt and http targets).
    public var wellBehavedRegistrations = 0
    /// Cases not sent because the destination cannot judge them (X.509 cases against an endpoint
    /// that does not trust the run's CA), with why.
    public var casesSkipped = 0
    public var skipReason: String?
    /// Resident memory of the service's process after the warm-up cases and at the end (mqtt and
    /// http targets, in process only).
    public var residentBytesAfterWarmUp: Int?
    public var residentBytesAtEnd: Int?

    public var casesPerSecond: Double { wallSeconds > 0 ? Double(casesRun) / wallSeconds : 0 }
}

/// What a fuzz run is told.
public struct FuzzSettings: Sendable {
    public var seed: UInt64
    public var budget: FuzzBudget
    public var transports: [FuzzTransport]
    public var profile: RegistrationIDProfile
    /// The device reproducers name (`reference` or `mutant:NAME`).
    public var device: String
    /// Every exchange ends by this deadline: nothing hangs.
    public var deadline: Duration

    public init(seed: UInt64, budget: FuzzBudget, transports: [FuzzTransport] = FuzzTransport.allCases,
                profile: RegistrationIDProfile = .documented, device: String = "reference", deadline: Duration = .seconds(5)) {
        self.seed = seed
        self.budget = budget
        self.transports = transports
        self.profile = profile
        self.device = device
        self.deadline = deadline
    }
}

/// One thing an oracle found wrong with a case, typed: what kind of wrong, the rule, what was legal
/// and what happened.
public struct OracleFinding: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Neither an answer nor a close within the deadline.
        case hang
        /// An operation was created under an ID other than the attested one.
        case registeredUnderOtherID
        /// A valid case was refused.
        case validRefused
        /// An invalid case was accepted.
        case invalidAccepted
        /// A refusal without the documented status and error code.
        case undocumentedRefusal
        /// The device reported a result the service did not give it (responses target).
        case deviceMisreported
        /// The device ran past its deadline, hung or crashed (responses target).
        case deviceOverran
        /// A malformed packet was not refused with a recorded reason (mqtt target).
        case notRefused
        /// The well-behaved device could not provision between the malformed sessions (mqtt target).
        case wellBehavedStarved
        /// Connections stayed open after the run (mqtt target).
        case connectionsLeftOpen
        /// The service's memory grew past the bound over the run (mqtt and http targets).
        case memoryGrowth
    }

    public var kind: Kind
    public var requirement: RequirementID
    public var expected: [String]
    public var observed: String
}
