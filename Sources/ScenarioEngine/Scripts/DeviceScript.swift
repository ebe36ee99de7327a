import DPSCore
import Device
import Inputs

/// A device script: the steps the harness itself performs as the device, over MQTT or HTTPS,
/// against whatever endpoint the case gives it, each step with what it expects of the answer
/// (docs/scenarios.md, "Device scripts"). Texts may hold placeholders (`{registrationId}`,
/// `{idScope}`, `{rid}`, `{operationId}`, any bound name), filled in when the step runs.
public struct DeviceScript: Sendable {
    public var steps: [ScriptStep]

    /// Every requirement an expectation of the script names.
    public var requirements: Set<RequirementID> {
        Set(steps.flatMap { $0.expectations.map(\.requirement) })
    }
}

public struct ScriptStep: Sendable {
    public var action: ScriptAction
    public var expectations: [StepExpectation] = []
    public var bindings: [ScriptBinding] = []
    /// How long the step's answer may take (`within:`; every wait has a deadline).
    public var within: Duration = .seconds(10)
    /// `file:line` of the step, for verdicts.
    public var location: String
    /// 1-based position in the script.
    public var number: Int

    /// `step 3 (publish, service-tolerance.yaml:42)`.
    var label: String { "step \(number) (\(action.name), \(location))" }
}

/// What a step does.
public enum ScriptAction: Sendable {
    /// Opens the MQTT connection (TLS) and sends CONNECT.
    case connect(ConnectAction)
    /// SUBSCRIBE to one filter.
    case subscribe(filter: String, qos: UInt8)
    /// PUBLISH to any topic.
    case publish(topic: String, qos: UInt8, payload: String)
    /// A register request over the case's transport; `body` nil sends `{"registrationId":"..."}`.
    case register(body: String?, requestID: String?)
    /// An operation-status poll over the case's transport; `payload` is the MQTT payload (default empty).
    case poll(operationID: String, payload: String, requestID: String?)
    /// A device registration status lookup (HTTPS); `body` nil sends `{"registrationId":"..."}`.
    case statusLookup(body: String?)
    /// Any HTTPS request.
    case request(HTTPRequestAction)
    case wait(WaitAction)
    /// DISCONNECT and close the MQTT connection.
    case disconnect
    /// These bytes on the MQTT connection, as they are.
    case raw([UInt8])

    var name: String {
        switch self {
        case .connect: "connect"
        case .subscribe: "subscribe"
        case .publish: "publish"
        case .register: "register"
        case .poll: "poll"
        case .statusLookup: "statusLookup"
        case .request: "request"
        case .wait: "wait"
        case .disconnect: "disconnect"
        case .raw: "raw"
        }
    }
}

public struct ConnectAction: Sendable {
    public var clientID = "{registrationId}"
    public var username = "{idScope}/registrations/{registrationId}/api-version=\(APIVersion.deviceDefault)"
    public var password: ScriptPassword = .sas(SASForm())
    public var keepAliveSeconds: UInt16 = 60
    public var cleanSession = true
    /// Present the case's X.509 identity in the TLS handshake.
    public var useCertificate = false
}

public enum ScriptPassword: Sendable {
    /// No password (X.509 attestation).
    case omitted
    case text(String)
    case sas(SASForm)
}

/// How a script writes a SAS token (Microsoft Learn concepts-symmetric-key-attestation; the forms
/// the SDKs use, docs/scenarios.md).
public struct SASForm: Sendable, Hashable {
    public var encoding: SASToken.ResourceEncoding = .upperHex
    /// nil leaves `skn` out.
    public var keyName: String? = "registration"
    public var fieldOrder = ["sr", "sig", "se", "skn"]
    /// Sign with a key that is not the device's.
    public var wrongKey = false
    public var lifetimeSeconds = 3600
    /// sr names this registration ID instead of the device's (placeholders allowed).
    public var registrationID: String?
}

public struct HTTPRequestAction: Sendable {
    public var method: String
    public var path: String
    /// In order; `Host` and `Content-Length` are added when not given.
    public var headers: [(name: String, value: String)] = []
    public var body: String?
    /// Adds `Authorization: SharedAccessSignature ...` in this form.
    public var sas: SASForm?
}

public enum WaitAction: Sendable, Hashable {
    /// The next response on the MQTT connection.
    case response
    case seconds(Double)
    /// As long as the bound `retryAfter` (or the last answer's retry-after) says.
    case retryAfter
}

/// A value a step's answer gives to later steps, as `{name}`.
public struct ScriptBinding: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        case body(JSONPath)
        case requestID
        case retryAfter
        case status
    }

    public var name: String
    public var source: Source
}

/// One expectation of a step's answer, for one requirement: every condition of one of the
/// alternatives must hold (a single alternative unless `oneOf:` lists several).
public struct StepExpectation: Sendable {
    public var requirement: RequirementID
    public var alternatives: [[AnswerCondition]]
    /// `file:line` of the expectation.
    public var location: String
    /// Where the expectation's requirement was written, for errors found after loading.
    var site: SourceSite?
}

/// A condition on a step's answer.
public enum AnswerCondition: Sendable, Hashable {
    /// The response status (MQTT topic status or HTTP status) is one of these.
    case status([Int])
    /// CONNACK with this return code.
    case connAck(returnCode: UInt8)
    case sessionPresent(Bool)
    /// SUBACK with these return codes.
    case granted([UInt8])
    /// The response topic's `$rid` is the request's, verbatim.
    case requestIDEchoed
    /// The response topic's `$rid` is this text, verbatim (an answer to an earlier request).
    case requestID(String)
    /// `$rid` is the response topic's first property.
    case requestIDFirst
    case retryAfter(present: Bool)
    /// Whether a PUBACK came for the PUBLISH.
    case pubAck(Bool)
    /// Whether the service closed the connection instead of answering.
    case closed(Bool)
    case body(JSONPath, BodyMatch)
    /// An HTTP response header is present (or absent).
    case header(String, present: Bool)
}

public enum BodyMatch: Sendable, Hashable {
    case equals(JSONValue)
    case present
    case absent
}
