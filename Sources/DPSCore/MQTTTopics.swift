/// DPS MQTT topic names (Microsoft Learn iot-dps-mqtt-support; Microsoft Learn iot-dps-mqtt-support).
public enum DPSTopic {
    /// The only filter a device subscribes to: `$dps/registrations/res/#`.
    public static let responseFilter = "$dps/registrations/res/#"
    static let registerPrefix = "$dps/registrations/PUT/iotdps-register/?"
    static let pollPrefix = "$dps/registrations/GET/iotdps-get-operationstatus/?"
    static let responsePrefix = "$dps/registrations/res/"

    /// Register topic with `$rid` percent-encoded (vectors `mqtt_register_topic_*`).
    public static func register(requestID: String) -> String {
        registerPrefix + "$rid=" + PercentEncoding.encode(requestID)
    }

    /// Poll topic with `$rid` and `operationId` percent-encoded (vectors `mqtt_poll_topic*`).
    public static func poll(requestID: String, operationID: String) -> String {
        pollPrefix + "$rid=" + PercentEncoding.encode(requestID) + "&operationId=" + PercentEncoding.encode(operationID)
    }

    /// Response topic as DPS sends it: `$rid` first, then `retry-after` when given.
    /// `requestID` is echoed exactly as the device sent it (still encoded), never re-encoded.
    /// `requestIDFirst: false` puts `$rid` last, a fault some client parsers cannot handle.
    public static func response(status: Int, rawRequestID: String, retryAfter: String? = nil, requestIDFirst: Bool = true) -> String {
        var properties = ["$rid=" + rawRequestID]
        if let retryAfter { properties.append("retry-after=" + retryAfter) }
        if !requestIDFirst { properties.reverse() }
        return responsePrefix + String(status) + "/?" + properties.joined(separator: "&")
    }
}

/// A device-to-service publish topic, parsed (the service side of Microsoft Learn iot-dps-mqtt-support).
public enum DeviceRequestTopic: Sendable, Hashable {
    /// `$dps/registrations/PUT/iotdps-register/?$rid=...`; `rawRequestID` as sent.
    case register(rawRequestID: String, properties: TopicProperties)
    /// `$dps/registrations/GET/iotdps-get-operationstatus/?$rid=...&operationId=...`.
    case poll(rawRequestID: String, operationID: String, properties: TopicProperties)

    public init(parsing topic: String) throws {
        if topic.hasPrefix(DPSTopic.registerPrefix) {
            let properties = try TopicProperties(parsing: String(topic.dropFirst(DPSTopic.registerPrefix.count)))
            guard let rid = properties.raw("$rid") else {
                throw DPSCoreError(.topicMissingProperty, "register topic has no $rid", requirement: .dpsMqttReg002)
            }
            self = .register(rawRequestID: rid, properties: properties)
        } else if topic.hasPrefix(DPSTopic.pollPrefix) {
            let properties = try TopicProperties(parsing: String(topic.dropFirst(DPSTopic.pollPrefix.count)))
            guard let rid = properties.raw("$rid") else {
                throw DPSCoreError(.topicMissingProperty, "poll topic has no $rid", requirement: .dpsMqttPoll002)
            }
            guard let operation = try properties.decoded("operationId"), !operation.isEmpty else {
                throw DPSCoreError(.topicMissingProperty, "poll topic has no operationId", requirement: .dpsMqttPoll003)
            }
            self = .poll(rawRequestID: rid, operationID: operation, properties: properties)
        } else {
            throw DPSCoreError(.topicNotMatched, "'\(topic)' is not a DPS register or poll topic", requirement: .dpsMqttTopic001)
        }
    }

    public var rawRequestID: String {
        switch self {
        case .register(let rid, _), .poll(let rid, _, _): rid
        }
    }
}

/// A service-to-device response topic, parsed (the device side of Microsoft Learn iot-dps-mqtt-support). Accepts properties in
/// any order, as the Embedded C SDK does (vector `response_topic_202_reversed_order`).
public struct ResponseTopic: Sendable, Hashable {
    public let status: Int
    public let properties: TopicProperties

    public init(parsing topic: String) throws {
        guard topic.hasPrefix(DPSTopic.responsePrefix) else {
            throw DPSCoreError(.topicNotMatched, "'\(topic)' is not a DPS response topic")
        }
        let rest = topic.dropFirst(DPSTopic.responsePrefix.count)
        guard let slash = rest.firstIndex(of: "/") else {
            throw DPSCoreError(.topicNotMatched, "response topic '\(topic)' has no '/?' after the status")
        }
        let statusText = rest[..<slash]
        guard statusText.count == 3, let status = Int(statusText), (100...599).contains(status) else {
            throw DPSCoreError(.invalidStatusCode, "response topic status '\(statusText)' is not a 3-digit status code")
        }
        let afterSlash = rest[rest.index(after: slash)...]
        guard afterSlash.first == "?" else {
            throw DPSCoreError(.topicNotMatched, "response topic '\(topic)' lacks '?' before its properties")
        }
        self.status = status
        self.properties = try TopicProperties(parsing: String(afterSlash.dropFirst()))
        guard properties.raw("$rid") != nil else {
            throw DPSCoreError(.topicMissingProperty, "response topic '\(topic)' has no $rid")
        }
    }

    /// `$rid` as sent (still encoded), to compare with the request's topic text.
    public var rawRequestID: String { properties.raw("$rid") ?? "" }

    /// The `retry-after` text, if any; see `RetryAfter` for its interpretation.
    public var retryAfterText: String? { properties.raw("retry-after") }

    /// Whether `$rid` is the first property (what the Python SDK and the C# SDK parsers require).
    public var requestIDFirst: Bool { properties.pairs.first?.key == "$rid" }
}
