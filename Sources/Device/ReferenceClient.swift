import DPSCore
import Foundation

/// The golden DPS device: register, poll, get assigned, exactly as the rules say. Every rule it
/// follows has a requirement ID, so a device under test can be compared with it rule by rule.
///
/// With a mutant `profile` the same logic deliberately breaks one rule (`MutantProfile`), so
/// the conformance checks can be shown to catch it.
public struct ReferenceClient: Sendable {
    public let settings: ProvisioningSettings
    public let clock: any DPSClock
    public let profile: DeviceProfile
    private let makeTransport: @Sendable () -> any ProvisioningTransport

    /// A client that opens each connection with `transport()` (one transport per connection: a
    /// reconnect asks for a new one).
    public init(settings: ProvisioningSettings, clock: any DPSClock, profile: DeviceProfile = .reference,
                transport: @escaping @Sendable () -> any ProvisioningTransport) {
        self.settings = settings
        self.clock = clock
        self.profile = profile
        self.makeTransport = transport
    }

    /// The requirements the reference client keeps (Scenarios/requirements.yaml), each enforced
    /// at the switch point of `DeviceBehaviour` that the mutant breaking it flips.
    public static let requirements: [String] = [
        "DPS-MQTT-SUB-001",        // subscribe before the first publish (MQTTDeviceTransport.open)
        "DPS-MQTT-CONN-003",       // '/' before api-version in the username
        "DPS-AUTH-SAS-004",        // sign the sr exactly as sent
        "DPS-AUTH-SAS-005",        // renew the SAS token before it expires
        "DPS-FLOW-RID-001",        // a fresh $rid per request
        "DPS-FLOW-POLL-001",       // poll the operation from the register response
        "DPS-FLOW-RETRY-001",      // honour retry-after, never shortened
        "DPS-FLOW-RETRY-002",      // exponential back-off with jitter without retry-after
        "DPS-FLOW-TRANSIENT-001",  // 429 and 5xx are retried
        "DPS-FLOW-ERR-001",        // other 4xx are final
        "DPS-FLOW-OPID-001",       // keep the cached operation ID across retriable errors
        "DPS-FLOW-TERM-001",       // failed, disabled, unassigned end the run with errorCode and message
        "DPS-FLOW-DEADLINE-001",   // an overall deadline
        "DPS-FLOW-RECONNECT-001",  // reconnect and resend after a drop or an unanswered request
        "DPS-MQTT-DISC-001",       // DISCONNECT at the end
    ]

    /// Provisions once and reports how it ended. Never throws: every failure is an outcome.
    public func provision() async -> ProvisioningOutcome {
        var run = ProvisioningRun(settings: settings, clock: clock, behaviour: DeviceBehaviour(profile: profile),
                                  makeTransport: makeTransport)
        return await run.execute()
    }
}
