import DICE
import DPSCore
import Device
import FakeDPS
import Foundation
import Inputs

/// One scripted exchange: the service's setup, the device, and what must come out.
public struct Scenario: Sendable {
    /// Stable, runnable ID, e.g. `mqtt/symmetric-key/assigned-after-polls`.
    public var id: String
    public var title: String
    public var suite: String
    /// Words to select the case by (`tags:`, `run --tag`), e.g. `smoke`.
    public var tags: Set<String> = []
    public var transport: ScenarioTransport
    public var service: ServiceConfiguration
    public var device: ScenarioDevice
    public var expect: ScenarioExpectation
    /// Requirement IDs checked in this case.
    public var checks: [RequirementID]
    /// Requirements this case is expected to break (a known fault, a mutant): a failure is `xfail`,
    /// a pass is reported as a failure of the expectation.
    public var expectedFailures: Set<RequirementID> = []
    /// A recorded exchange the fake replays, and the device's behaviour is compared with (`replay:`).
    public var reference: ReferenceRecording?
    /// Steps the harness performs as the device instead of running a device (`script:`); its
    /// expectations give the case's verdicts.
    public var script: DeviceScript?
    /// Where it was defined, for messages.
    public var source: String
    /// Where the scenario and each of its `checks:` entries were written, for errors found after
    /// loading (a requirement the catalogue lacks); checks not listed there point at the scenario.
    var site: SourceSite?
    var checkSites: [RequirementID: SourceSite] = [:]
}

extension Scenario {
    /// The requirements the case judges: its checks, then those its script's expectations name.
    public var judgedRequirements: [RequirementID] {
        checks + (script?.requirements ?? []).subtracting(checks).sorted()
    }
}

/// The spelling of a scenario tag.
public enum ScenarioTag {
    /// Letters, digits, '-' and '_' (ASCII), at least one.
    public static func isValid(_ tag: String) -> Bool {
        !tag.isEmpty && tag.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
    }
}

public enum ScenarioTransport: String, Sendable, Hashable, CaseIterable {
    case mqtt
    case https
}

/// The device side of a scenario.
public struct ScenarioDevice: Sendable {
    public enum Key: Sendable, Hashable {
        case primary
        case secondary
        /// A key that is valid base64 but not the enrollment's.
        case wrong
        case literal(String)
        /// An enrollment group's key; the device derives its own key from it.
        case groupKey(String)
    }

    public var registrationID: String
    /// The reference client or a named mutant.
    public var profile: DeviceProfile = .reference
    public var key: Key
    public var deadline: Duration
    public var payloadJSON: String?
    /// Lifetime of the SAS tokens the device makes (`device.tokenLifetimeSeconds`; default one hour).
    public var tokenLifetime: Duration = .seconds(3600)
    /// An X.509 identity instead of a key: the leaf, the chain it presents above it, and their PEMs.
    var x509: ScenarioX509Identity?
    /// A DevKit DICE identity: the device derives its Alias certificate and key itself.
    var dice: DiceRelease?
}

/// The device's X.509 identity in a scenario, from the scenario's certificates.
struct ScenarioX509Identity: Sendable {
    /// Leaf first, then the intermediates the device presents.
    let chainPEM: String
    let keyPEM: String
}

/// What the device must end with.
public struct ScenarioExpectation: Sendable {
    /// Outcomes any one of which passes.
    public var outcomes: [ProvisioningOutcome.Status]
    public var assignedHub: String?
    public var deviceID: String?
    public var errorCode: Int?
    /// The firmware release the device should run, to compare its DICE certificate with.
    var diceRelease: (release: DiceRelease, inputs: DiceInputs)?
}
