import DPSCore

/// The computations a DPS vector can pin, with the inputs and expected fields each defines
/// (docs/vectors.md, "DPS kinds").
enum DPSVectorKind: String, Sendable, CaseIterable {
    case mqttClientID = "mqtt_client_id"
    case mqttUsername = "mqtt_username"
    case mqttTopicFilter = "mqtt_topic_filter"
    case mqttPublishTopic = "mqtt_publish_topic"
    case mqttResponseTopicParse = "mqtt_response_topic_parse"
    case responsePayloadParse = "response_payload_parse"
    case registerPayload = "register_payload"
    case sasStringToSign = "sas_string_to_sign"
    case sasToken = "sas_token"
    case hmacSHA256 = "hmac_sha256_b64"
    case derivedKey = "derived_key"
    case retryDelay = "retry_delay_ms"
    case retryAfterParse = "retry_after_parse"
    case observation

    /// The expected fields the kind produces, with their JSON types.
    var fields: [String: ExpectedFieldType] {
        switch self {
        case .mqttClientID: ["client_id": .text]
        case .mqttUsername: ["username": .text]
        case .mqttTopicFilter: ["topic_filter": .text]
        case .mqttPublishTopic: ["topic": .text]
        case .mqttResponseTopicParse:
            ["status": .integer, "rid": .text, "retry_after_seconds": .integer, "retry-after": .text, "error": .text]
        case .responsePayloadParse:
            ["status": .integer, "operation_id": .text, "operation_status": .text, "complete": .bool,
             "retry_after_seconds": .integer, "extended_error_code": .integer, "error_code": .integer,
             "error_message": .text, "tracking_id": .text, "timestamp": .text, "assigned_hub": .text,
             "device_id": .text, "issued_certificate_chain_count": .integer, "issued_certificate_chain": .strings,
             "error": .text]
        case .registerPayload: ["body": .text]
        case .sasStringToSign: ["string_to_sign": .text]
        case .sasToken: ["token": .text, "signature_b64": .text]
        case .hmacSHA256: ["signature_b64": .text]
        case .derivedKey: ["derived_key_b64": .text]
        case .retryDelay: ["delay_ms": .integer]
        case .retryAfterParse: ["retry_after_seconds": .integer]
        case .observation: ["decoded_etag": .text, "token": .text]
        }
    }

    /// The requirement a vector of this kind pins first (used when a field has no observation).
    var primaryRequirement: RequirementID {
        switch self {
        case .mqttClientID: .dpsMqttConn001
        case .mqttUsername: .dpsMqttConn002
        case .mqttTopicFilter: .dpsMqttSub001
        case .mqttPublishTopic: .dpsMqttReg002
        case .mqttResponseTopicParse, .responsePayloadParse: .dpsFlowResult001
        case .registerPayload: .dpsFlowReg001
        case .sasStringToSign, .sasToken, .hmacSHA256: .dpsAuthSas004
        case .derivedKey: .dpsAuthDerive001
        case .retryDelay: .dpsFlowRetry002
        case .retryAfterParse: .dpsFlowRetry003
        case .observation: .dpsFlowEtag001
        }
    }

    /// Error names other implementations use for a refusal, mapped to DPSCore's codes, so a
    /// vector can keep the name its source gives (`AZ_ERROR_IOT_TOPIC_NO_MATCH`).
    static let refusalAliases: [String: DPSCoreError.Code] = [
        "AZ_ERROR_IOT_TOPIC_NO_MATCH": .topicNotMatched,
    ]

    /// Whether `name` is a refusal this build can observe: a DPSCore code or a known alias.
    static func isKnownRefusal(_ name: String) -> Bool {
        DPSCoreError.Code(rawValue: name) != nil || refusalAliases[name] != nil
    }

    /// The names a DPSCore refusal is known by: its code, then every alias of it.
    static func refusalNames(_ code: DPSCoreError.Code) -> [String] {
        [code.rawValue] + refusalAliases.filter { $0.value == code }.map(\.key).sorted()
    }
}

/// A DPS vector's inputs, typed.
enum DPSCase: Sendable {
    case clientID(registrationID: String)
    case username(idScope: String, registrationID: String, apiVersion: String, userAgent: String?)
    case topicFilter
    case publishTopic(requestID: String, operationID: String?)
    case responseTopic(topic: String)
    case responsePayload(topic: String, payload: String)
    case registerPayload(registrationID: String, customPayload: String?, csr: String?)
    case stringToSign(idScope: String, registrationID: String, expiry: Int64)
    case sasToken(SASTokenInputs)
    case hmac(keyBase64: String, message: String)
    case derivedKey(groupKeyBase64: String, registrationID: String)
    case retryDelay(operation: Int, attempt: Int, minimum: Int, maximum: Int, jitter: Int)
    case cSDKRetryAfter(text: String?)
    case etagObservation(etag: String)
    /// A published SAS token that must not verify (result `invalid`).
    case sasTokenObservation(resourceURI: String, idScope: String, registrationID: String, keyBase64: String, expiry: Int64)
}

/// Inputs of a `sas_token` vector: how `sr` is written, what signs, and what else to confirm.
struct SASTokenInputs: Sendable {
    enum Signing: Sendable {
        case key(base64: String)
        /// The signature is given (Embedded C tests), only the token assembly is checked.
        case givenSignature(String)
    }

    let resource: String
    let signing: Signing
    let expiry: Int64
    let keyName: String?
    /// Group key and registration ID whose derived key must equal the signing key.
    let groupDerivation: (groupKeyBase64: String, registrationID: String, derivedKeyBase64: String)?
}

extension DPSVectorKind {
    /// Largest millisecond figure a retry vector may hold; keeps the back-off arithmetic exact.
    static let maximumMilliseconds: ClosedRange<Int64> = 0...1_000_000_000

    /// Decodes and validates `inputs` for this kind.
    func decode(_ inputs: VectorNode) throws(VectorFileError) -> DPSCase {
        switch self {
        case .mqttClientID:
            try inputs.refuseUnknownMembers(allowed: ["registration_id"])
            return .clientID(registrationID: try inputs.string("registration_id"))
        case .mqttUsername:
            try inputs.refuseUnknownMembers(allowed: ["id_scope", "registration_id", "api_version", "user_agent"])
            return .username(idScope: try inputs.string("id_scope"), registrationID: try inputs.string("registration_id"),
                             apiVersion: try inputs.string("api_version"), userAgent: try inputs.optionalString("user_agent"))
        case .mqttTopicFilter:
            try inputs.refuseUnknownMembers(allowed: [])
            return .topicFilter
        case .mqttPublishTopic:
            try inputs.refuseUnknownMembers(allowed: ["rid", "operation_id"])
            return .publishTopic(requestID: try inputs.string("rid"), operationID: try inputs.optionalString("operation_id"))
        case .mqttResponseTopicParse:
            try inputs.refuseUnknownMembers(allowed: ["topic"])
            return .responseTopic(topic: try inputs.string("topic"))
        case .responsePayloadParse:
            // payload_note describes the body in words; payload holds it literally.
            try inputs.refuseUnknownMembers(allowed: ["topic", "payload", "payload_note"])
            _ = try inputs.optionalString("payload_note")
            return .responsePayload(topic: try inputs.string("topic"), payload: try inputs.string("payload"))
        case .registerPayload:
            try inputs.refuseUnknownMembers(allowed: ["registration_id", "custom_payload", "csr"])
            return .registerPayload(registrationID: try inputs.string("registration_id"),
                                    customPayload: try inputs.optionalString("custom_payload"), csr: try inputs.optionalString("csr"))
        case .sasStringToSign:
            try inputs.refuseUnknownMembers(allowed: ["id_scope", "registration_id", "expiry"])
            return .stringToSign(idScope: try inputs.string("id_scope"), registrationID: try inputs.string("registration_id"),
                                 expiry: try inputs.integer("expiry", in: 0...Int64.max))
        case .sasToken:
            return .sasToken(try Self.sasTokenInputs(inputs))
        case .hmacSHA256:
            try inputs.refuseUnknownMembers(allowed: ["key_b64", "message"])
            return .hmac(keyBase64: try inputs.string("key_b64"), message: try inputs.string("message"))
        case .derivedKey:
            try inputs.refuseUnknownMembers(allowed: ["group_key_b64", "registration_id"])
            return .derivedKey(groupKeyBase64: try inputs.string("group_key_b64"), registrationID: try inputs.string("registration_id"))
        case .retryDelay:
            // formula states the computation for readers; it is not evaluated.
            try inputs.refuseUnknownMembers(allowed: ["operation_msec", "attempt", "min_retry_delay_msec", "max_retry_delay_msec",
                                                      "random_jitter_msec", "formula"])
            _ = try inputs.optionalString("formula")
            let range = Self.maximumMilliseconds
            return .retryDelay(operation: Int(try inputs.integer("operation_msec", in: range)),
                               attempt: Int(try inputs.integer("attempt", in: 0...64)),
                               minimum: Int(try inputs.integer("min_retry_delay_msec", in: range)),
                               maximum: Int(try inputs.integer("max_retry_delay_msec", in: range)),
                               jitter: Int(try inputs.integer("random_jitter_msec", in: range)))
        case .retryAfterParse:
            try inputs.refuseUnknownMembers(allowed: ["retry_after"])
            return .cSDKRetryAfter(text: try inputs.require("retry_after").optionalString())
        case .observation:
            return try Self.observationInputs(inputs)
        }
    }

    /// `sr` from `sr_text` (literal), else from `id_scope` + `registration_id` (lower-case hex as
    /// the Embedded C SDK writes it), else `resource_uri` (raw; percent-encoded when
    /// `sr_encoding` is given). The signing key is `key_b64` or `derived_key_b64`; without one,
    /// `signature_b64` is the given signature.
    static func sasTokenInputs(_ inputs: VectorNode) throws(VectorFileError) -> SASTokenInputs {
        try inputs.refuseUnknownMembers(allowed: ["expiry", "key_name", "sr_text", "id_scope", "registration_id", "resource_uri",
                                                  "sr_encoding", "key_b64", "derived_key_b64", "signature_b64", "group_key_b64"])
        let resource: String
        if let literal = try inputs.optionalString("sr_text") {
            resource = literal
        } else if let scope = try inputs.optionalString("id_scope"), let id = try inputs.optionalString("registration_id") {
            resource = SASToken.resourceText(idScope: scope, registrationID: id, encoding: .lowerHex)
        } else if let uri = try inputs.optionalString("resource_uri") {
            resource = try inputs.optionalString("sr_encoding") == nil ? uri : PercentEncoding.encode(uri)
        } else {
            throw inputs.error(.missingMember, "a sas_token vector needs sr_text, id_scope with registration_id, or resource_uri")
        }
        let signing: SASTokenInputs.Signing
        let key = try inputs.optionalString("key_b64")
        let derivedKey = try inputs.optionalString("derived_key_b64")
        if let key = key ?? derivedKey {
            signing = .key(base64: key)
        } else if let signature = try inputs.optionalString("signature_b64") {
            signing = .givenSignature(signature)
        } else {
            throw inputs.error(.missingMember, "a sas_token vector needs key_b64, derived_key_b64 or signature_b64")
        }
        var group: (String, String, String)?
        if let groupKey = try inputs.optionalString("group_key_b64") {
            guard let id = try inputs.optionalString("registration_id"), let derived = try inputs.optionalString("derived_key_b64") else {
                throw inputs.error(.missingMember, "group_key_b64 needs registration_id and derived_key_b64 beside it")
            }
            group = (groupKey, id, derived)
        }
        return SASTokenInputs(resource: resource, signing: signing, expiry: try inputs.integer("expiry", in: 0...Int64.max),
                              keyName: try inputs.optionalString("key_name"), groupDerivation: group)
    }

    /// An observation is either an etag (`etag`) or a published token that must not verify
    /// (`resource_uri` = `{idScope}/registrations/{registrationId}`, `key_b64`, `expiry`).
    static func observationInputs(_ inputs: VectorNode) throws(VectorFileError) -> DPSCase {
        if inputs.member("etag") != nil {
            try inputs.refuseUnknownMembers(allowed: ["etag"])
            return .etagObservation(etag: try inputs.string("etag"))
        }
        try inputs.refuseUnknownMembers(allowed: ["resource_uri", "key_b64", "expiry"])
        let uri = try inputs.string("resource_uri")
        guard let marker = uri.range(of: "/registrations/"), marker.lowerBound > uri.startIndex, marker.upperBound < uri.endIndex else {
            throw try inputs.require("resource_uri").error(.invalidValue, "resource_uri must be {idScope}/registrations/{registrationId}")
        }
        return .sasTokenObservation(resourceURI: uri, idScope: String(uri[..<marker.lowerBound]),
                                    registrationID: String(uri[marker.upperBound...]), keyBase64: try inputs.string("key_b64"),
                                    expiry: try inputs.integer("expiry", in: 60...Int64.max))
    }
}
