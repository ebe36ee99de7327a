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
    public static let requirements: [RequirementID] = [
        .dpsMqttConn001,          // client id = registration ID
        .dpsMqttConn002,          // username {idScope}/registrations/{id}/api-version=...
        .dpsMqttConn003,          // '/' before api-version in the username
        .dpsMqttSub001,           // subscribe before the first publish (MQTTDeviceTransport.open)
        .dpsMqttReg002,           // the register topic
        .dpsMqttPoll002,          // $rid on the poll topic
        .dpsMqttPoll003,          // operationId on the poll topic
        .dpsMqttTopic001,         // publish only to the DPS request topics
        .dpsMqttPkt001,           // QoS 0 or 1
        .dpsMqttSize001,          // messages of at most 96 KB
        .dpsMqttTls001,           // verify the server certificate, host name included
        .dpsMqttDisc001,          // DISCONNECT at the end
        .dpsHttpRoute001,         // each operation with its method and route
        .dpsHttpApi001,           // api-version on every request
        .dpsHttpBody001,          // JSON DeviceRegistration bodies
        .dpsHttpBody002,          // bodies of at most 96 KB
        .dpsHttpLookup001,        // no csr in a status lookup
        .dpsHttpMsg001,           // well-formed HTTP/1.1 messages
        .dpsAuthSas001,           // sr, sig and se in the token
        .dpsAuthSas002,           // sr names this device
        .dpsAuthSas003,           // an unexpired token
        .dpsAuthSas004,           // sign the sr exactly as sent
        .dpsAuthSas005,           // renew the SAS token before it expires
        .dpsAuthDerive001,        // sign with the key derived from a group key
        .dpsFlowReg001,           // the register body names the device
        .dpsFlowResult001,        // report what the service said
        .dpsFlowRid001,           // a fresh $rid per request
        .dpsFlowPoll001,          // poll the operation from the register response
        .dpsFlowRetry001,         // honour retry-after, never shortened
        .dpsFlowRetry002,         // exponential back-off with jitter without retry-after
        .dpsFlowRetry003,         // a retry-after above 300 s read as sent
        .dpsFlowTransient001,     // 429 and 5xx are retried
        .dpsFlowErr001,           // other 4xx are final
        .dpsFlowOpid001,          // keep the cached operation ID across retriable errors
        .dpsFlowTerm001,          // failed, disabled, unassigned end the run with errorCode and message
        .dpsFlowDeadline001,      // an overall deadline
        .dpsFlowReconnect001,     // reconnect and resend after a drop or an unanswered request
        .dpsFlowEtag001,          // the etag is opaque
        .diceCertBytes001,        // a DICE identity presents the DevKit's certificate byte for byte
        .diceNonce002,            // and signs with no nonce shared but the DevKit's own fixed one
    ]

    /// Provisions once and reports how it ended. Never throws: every failure is an outcome.
    public func provision() async -> ProvisioningOutcome {
        var run = ProvisioningRun(settings: settings, clock: clock, behaviour: DeviceBehaviour(profile: profile),
                                  makeTransport: makeTransport)
        return await run.execute()
    }
}
