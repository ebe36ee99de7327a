import DPSCore

/// How the device's packets and requests look on the wire. `reference` is DPS's form (Microsoft
/// Learn, iot-dps-mqtt-support and the DPS REST API); each wire-form mutant bends exactly one
/// detail, so that the check for that detail is shown failing on real bytes.
public struct WireForm: Sendable, Hashable {
    /// Appended to the registration ID to make the MQTT client id (DPS-MQTT-CONN-001).
    public var clientIDSuffix = ""
    /// The device the MQTT username names, when not this one (DPS-MQTT-CONN-002).
    public var usernameDevice: String?
    /// The '/' between `iotdps-register` and `?$rid=` (DPS-MQTT-REG-002).
    public var registerTopicSlash = true
    /// Whether the poll topic carries `$rid` (DPS-MQTT-POLL-002) and `operationId` (DPS-MQTT-POLL-003).
    public var pollTopicRequestID = true
    public var pollTopicOperationID = true
    /// Whether one telemetry message goes to the DPS connection before the register request (DPS-MQTT-TOPIC-001).
    public var publishesTelemetry = false
    /// The QoS of request PUBLISHes (DPS-MQTT-PKT-001 allows 0 or 1).
    public var requestQoS = 1
    /// Whether the server certificate must name the host connected to (DPS-MQTT-TLS-001).
    public var verifiesServerHostname = true
    /// The HTTP method of the register request (DPS-HTTP-ROUTE-001: PUT).
    public var registerMethod = "PUT"
    /// Whether HTTPS requests carry `?api-version=` (DPS-HTTP-API-001).
    public var sendsAPIVersion = true
    /// Whether the register request carries a header line without a colon (DPS-HTTP-MSG-001: RFC 9112 section 5).
    public var malformedHeader = false

    /// The header line without a colon the malformed-message mutant writes.
    static let malformedHeaderLine = "X-Dpsconform-Malformed header line without a colon"

    public static let reference = WireForm()

    /// The register topic for `requestID`.
    func registerTopic(requestID: String) -> String {
        let topic = DPSTopic.register(requestID: requestID)
        return registerTopicSlash ? topic : topic.replacingOccurrences(of: "iotdps-register/?", with: "iotdps-register?")
    }

    /// The poll topic for `requestID` and `operationID`.
    func pollTopic(requestID: String, operationID: String) -> String {
        let topic = DPSTopic.poll(requestID: requestID, operationID: operationID)
        guard pollTopicRequestID, pollTopicOperationID else {
            let property = pollTopicRequestID ? "operationId" : "$rid"
            let query = topic.split(separator: "?", maxSplits: 1).last.map(String.init) ?? ""
            let kept = query.split(separator: "&").filter { !$0.hasPrefix(property + "=") }.joined(separator: "&")
            return topic.split(separator: "?", maxSplits: 1).first.map(String.init).map { $0 + "?" + kept } ?? topic
        }
        return topic
    }

    /// The HTTP method and request target for `route`.
    func http(_ route: DPSRoute) -> (method: String, target: String) {
        let method = route.operation == .register ? registerMethod : route.method
        let target = sendsAPIVersion ? route.target : String(route.target.split(separator: "?", maxSplits: 1).first ?? "")
        return (method, target)
    }
}
