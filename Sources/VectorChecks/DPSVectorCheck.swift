import DPSCore
import Foundation

/// What the implementation produced for one vector: one observation per field its kind
/// defines, plus additional checks (round trips, recomputed inputs).
struct VectorObservations: Sendable {
    var fields: [String: FieldObservation] = [:]
    var checks: [AdditionalCheck] = []

    mutating func set(_ name: String, _ value: ObservedValue, _ requirement: RequirementID, secret: Bool = false) {
        fields[name] = FieldObservation(value, requirement, secret: secret)
    }
}

/// DPS vectors through DPSCore: what a device writes, the service must read back.
enum DPSVectorCheck {
    /// Runs the implementation on `input`. `expected` is consulted only for what the inputs
    /// leave open: the token field order, and the topic or body to read back.
    static func observe(_ input: DPSCase, expected: [ExpectedField]) -> VectorObservations {
        var out = VectorObservations()
        func expectedText(_ name: String) -> String? {
            guard case .string(let text)? = expected.first(where: { $0.name == name })?.value.value else { return nil }
            return text
        }
        switch input {
        case .clientID(let id):
            // The client identifier is the username's registration ID verbatim (what the device transport sends).
            out.set("client_id", .text(MQTTUsername(idScope: "", registrationID: id).registrationID), .dpsMqttConn001)
        case .username(let scope, let id, let version, let agent):
            let username = MQTTUsername(idScope: scope, registrationID: id, apiVersion: version, clientVersion: agent)
            out.set("username", .text(username.text), .dpsMqttConn002)
            let parsed = try? MQTTUsername(parsing: expectedText("username") ?? username.text)
            out.checks.append(AdditionalCheck(
                requirement: .dpsMqttConn002,
                passed: parsed?.idScope == scope && parsed?.registrationID == id && parsed?.apiVersion == version,
                expected: "the username reads back as scope \(scope), registration \(id), api-version \(version)",
                observed: parsed.map { "scope \($0.idScope), registration \($0.registrationID), api-version \($0.apiVersion)" } ?? "refused"))
        case .topicFilter:
            out.set("topic_filter", .text(DPSTopic.responseFilter), .dpsMqttSub001)
        case .publishTopic(let rid, let operation):
            observePublishTopic(rid: rid, operation: operation, expectedTopic: expectedText("topic"), into: &out)
        case .responseTopic(let topic):
            observeResponseTopic(topic, into: &out)
        case .responsePayload(let topic, let payload):
            DPSResponseCheck.observe(topic: topic, payload: payload, into: &out)
        case .registerPayload(let id, let custom, let csr):
            let body = DeviceRegistration.wireText(registrationId: id, customPayloadJSON: custom, csr: csr)
            out.set("body", .text(body), .dpsFlowReg001)
            let decoded = try? JSONText.decode(DeviceRegistration.self, from: Array((expectedText("body") ?? body).utf8), what: "register body")
            out.checks.append(AdditionalCheck(
                requirement: .dpsFlowReg001, passed: decoded?.registrationId == id && decoded?.csr == csr,
                expected: "the service reads registrationId \(id)" + (csr.map { " and csr \($0)" } ?? ""),
                observed: decoded.map { "registrationId \($0.registrationId ?? "absent"), csr \($0.csr ?? "absent")" } ?? "refused"))
        case .stringToSign(let scope, let id, let expiry):
            let resource = SASToken.resourceText(idScope: scope, registrationID: id, encoding: .lowerHex)
            out.set("string_to_sign", .text(SASToken.stringToSign(resource: resource, expiry: expiry)), .dpsAuthSas004)
        case .sasToken(let inputs):
            DPSSASCheck.observe(inputs, expectedToken: expectedText("token"), into: &out)
        case .hmac(let key, let message):
            out.set("signature_b64", refusalOr { .text(try SASToken.sign(message: message, keyBase64: key)) }, .dpsAuthSas004, secret: true)
        case .derivedKey(let group, let id):
            out.set("derived_key_b64", refusalOr { .text(try DerivedDeviceKey.derive(groupKeyBase64: group, registrationID: id)) },
                    .dpsAuthDerive001, secret: true)
        case .retryDelay(let operation, let attempt, let minimum, let maximum, let jitter):
            let delay = ExponentialBackoff.delayMilliseconds(operationMilliseconds: operation, attempt: attempt,
                                                             minimumMilliseconds: minimum, maximumMilliseconds: maximum,
                                                             jitterMilliseconds: jitter)
            out.set("delay_ms", .integer(Int64(delay)), .dpsFlowRetry002)
        case .cSDKRetryAfter(let text):
            out.set("retry_after_seconds", .integer(Int64(RetryAfter.cSDKInterpretation(text))), .dpsFlowRetry003)
        case .etagObservation(let etag):
            // The etag is opaque to devices; the observation is only that it decodes this way.
            let decoded = Data(base64Encoded: etag).map { String(decoding: $0, as: UTF8.self) }
            out.set("decoded_etag", decoded.map(ObservedValue.text) ?? .notProduced("not base64"), .dpsFlowEtag001)
        case .sasTokenObservation(let uri, let scope, let id, let key, let expiry):
            DPSSASCheck.observeUnreproducible(resourceURI: uri, idScope: scope, registrationID: id, keyBase64: key,
                                              expiry: expiry, token: expectedText("token"), into: &out)
        }
        return out
    }

    /// The register topic pins DPS-MQTT-REG-002; the poll topic its operationId (DPS-MQTT-POLL-003).
    static func observePublishTopic(rid: String, operation: String?, expectedTopic: String?, into out: inout VectorObservations) {
        let topic: String
        let requirement: RequirementID
        if let operation {
            topic = DPSTopic.poll(requestID: rid, operationID: operation)
            requirement = .dpsMqttPoll003
        } else {
            topic = DPSTopic.register(requestID: rid)
            requirement = .dpsMqttReg002
        }
        out.set("topic", .text(topic), requirement)
        // The service side: the topic a device sends reads back to the same request.
        let parsed = try? DeviceRequestTopic(parsing: expectedTopic ?? topic)
        let observed: String
        let passed: Bool
        switch parsed {
        case .register(let raw, _)?:
            let decoded = try? PercentEncoding.decode(raw)
            passed = operation == nil && decoded == rid
            observed = "register, $rid \(decoded ?? "undecodable")"
        case .poll(let raw, let parsedOperation, _)?:
            let decoded = try? PercentEncoding.decode(raw)
            passed = operation == parsedOperation && decoded == rid
            observed = "poll, $rid \(decoded ?? "undecodable"), operationId \(parsedOperation)"
        case nil:
            passed = false
            observed = "refused"
        }
        out.checks.append(AdditionalCheck(
            requirement: requirement, passed: passed,
            expected: (operation.map { "poll, $rid \(rid), operationId \($0)" } ?? "register, $rid \(rid)") + " read back by the service",
            observed: observed))
    }

    /// Status, request ID and retry-after of a response topic; a topic outside the response
    /// namespace is refused (DPS-FLOW-RESULT-001). A missing retry-after reads as 0, as in the
    /// Embedded C SDK's parser.
    static func observeResponseTopic(_ topic: String, into out: inout VectorObservations) {
        let parsed: ResponseTopic
        do {
            parsed = try ResponseTopic(parsing: topic)
        } catch {
            let names = (error as? DPSCoreError).map { DPSVectorKind.refusalNames($0.code) } ?? ["\(error)"]
            out.set("error", .refusal(names), .dpsFlowResult001)
            for name in ["status", "rid"] { out.set(name, .notProduced("topic refused"), .dpsFlowResult001) }
            for name in ["retry_after_seconds", "retry-after"] { out.set(name, .notProduced("topic refused"), .dpsFlowRetry001) }
            return
        }
        out.set("error", .accepted, .dpsFlowResult001)
        out.set("status", .integer(Int64(parsed.status)), .dpsFlowResult001)
        out.set("rid", .text(parsed.rawRequestID), .dpsFlowResult001)
        out.set("retry_after_seconds", .integer(Int64(parsed.retryAfterText.flatMap(RetryAfter.seconds) ?? 0)), .dpsFlowRetry001)
        out.set("retry-after", parsed.retryAfterText.map(ObservedValue.text) ?? .notProduced("no retry-after property"), .dpsFlowRetry001)
    }

    /// The value `body` computes, or the refusal it throws.
    static func refusalOr(_ body: () throws -> ObservedValue) -> ObservedValue {
        do {
            return try body()
        } catch let error as DPSCoreError {
            return .refusal(DPSVectorKind.refusalNames(error.code))
        } catch {
            return .refusal(["\(error)"])
        }
    }
}
