import DPSCore
import Foundation
import Testing

@Suite("Known-answer vectors (Vectors/dps)")
struct VectorTests {
    @Test("the vector file loads and holds every kind the core covers")
    func fileLoads() {
        let kinds = Set(DPSVector.all.map(\.kind))
        #expect(DPSVector.all.count == 54)
        for kind in ["mqtt_client_id", "mqtt_username", "mqtt_topic_filter", "mqtt_publish_topic", "mqtt_response_topic_parse",
                     "response_payload_parse", "register_payload", "sas_string_to_sign", "sas_token", "hmac_sha256_b64",
                     "derived_key", "retry_delay_ms", "retry_after_parse", "observation"] {
            #expect(kinds.contains(kind), "missing kind \(kind)")
        }
    }

    @Test(arguments: DPSVector.of(kind: "mqtt_client_id"))
    func clientID(vector: DPSVector) throws {
        // The MQTT client id is the registration ID verbatim (Microsoft Learn iot-dps-mqtt-support).
        let username = MQTTUsername(idScope: "0neFEEDC0DE", registrationID: try vector.string("registration_id"))
        #expect(username.registrationID == vector.expected?.stringValue)
    }

    @Test(arguments: DPSVector.of(kind: "mqtt_username"))
    func username(vector: DPSVector) throws {
        let username = MQTTUsername(idScope: try vector.string("id_scope"),
                                    registrationID: try vector.string("registration_id"),
                                    apiVersion: try vector.string("api_version"),
                                    clientVersion: vector.input("user_agent"))
        #expect(username.text == vector.expected?.stringValue)
        let parsed = try MQTTUsername(parsing: username.text)
        #expect(parsed.idScope == vector.input("id_scope"))
        #expect(parsed.registrationID == vector.input("registration_id"))
        #expect(parsed.apiVersion == vector.input("api_version"))
    }

    @Test(arguments: DPSVector.of(kind: "mqtt_topic_filter"))
    func subscribeFilter(vector: DPSVector) {
        #expect(DPSTopic.responseFilter == vector.expected?.stringValue)
    }

    @Test(arguments: DPSVector.of(kind: "mqtt_publish_topic"))
    func publishTopic(vector: DPSVector) throws {
        let rid = try vector.string("rid")
        let expected = try #require(vector.expected?.stringValue)
        if let operation = vector.input("operation_id") {
            #expect(DPSTopic.poll(requestID: rid, operationID: operation) == expected)
            guard case .poll(let rawRID, let parsedOperation, _) = try DeviceRequestTopic(parsing: expected) else {
                Issue.record("\(expected) did not parse as a poll topic")
                return
            }
            #expect(try PercentEncoding.decode(rawRID) == rid)
            #expect(parsedOperation == operation)
        } else {
            #expect(DPSTopic.register(requestID: rid) == expected)
            guard case .register(let rawRID, _) = try DeviceRequestTopic(parsing: expected) else {
                Issue.record("\(expected) did not parse as a register topic")
                return
            }
            #expect(try PercentEncoding.decode(rawRID) == rid)
        }
    }

    @Test(arguments: DPSVector.of(kind: "mqtt_response_topic_parse"))
    func responseTopic(vector: DPSVector) throws {
        let topic = try vector.string("topic")
        let expected = try #require(vector.expected)
        if expected["error"] != nil {
            #expect(throws: DPSCoreError.self) { try ResponseTopic(parsing: topic) }
            return
        }
        let parsed = try ResponseTopic(parsing: topic)
        if case .integer(let status)? = expected["status"] { #expect(parsed.status == Int(status)) }
        if let rid = expected["rid"]?.stringValue { #expect(parsed.rawRequestID == rid) }
        if case .integer(let seconds)? = expected["retry_after_seconds"] {
            // A missing retry-after reads as 0 in the Embedded C SDK's parser.
            #expect((parsed.retryAfterText.flatMap(RetryAfter.seconds) ?? 0) == Int(seconds))
        }
        if let text = expected["retry-after"]?.stringValue { #expect(parsed.retryAfterText == text) }
    }

    @Test(arguments: DPSVector.of(kind: "response_payload_parse"))
    func responsePayload(vector: DPSVector) throws {
        let topic = try ResponseTopic(parsing: try vector.string("topic"))
        var payload = vector.input("payload")
        if payload == nil, vector.name == "response_payload_assigned_with_issued_chain" {
            // The vector describes its payload in words: the assigned payload plus a chain.
            let assigned = try #require(DPSVector.all.first { $0.name == "response_payload_assigned" }?.input("payload"))
            payload = assigned.replacingOccurrences(of: "\"etag\":", with: "\"issuedCertificateChain\":[\"ROOT CERT\", \"INTERMEDIATE CERT\", \"LEAF CERT\"],\"etag\":")
        }
        let response = try ProvisioningResponse(status: topic.status, retryAfterText: topic.retryAfterText,
                                                body: Array(try #require(payload).utf8))
        let expected = try #require(vector.expected)
        if case .integer(let status)? = expected["status"] { #expect(response.status == Int(status)) }
        if let operationID = expected["operation_id"]?.stringValue { #expect((response.operationID ?? "") == operationID) }
        if let status = expected["operation_status"]?.stringValue { #expect(response.operationStatus.rawValue == status) }
        if case .bool(let complete)? = expected["complete"] { #expect(response.isComplete == complete) }
        if case .integer(let seconds)? = expected["retry_after_seconds"] { #expect(response.retryAfterSeconds == Int(seconds)) }
        if case .integer(let code)? = expected["extended_error_code"] { #expect(response.extendedErrorCode == Int(code)) }
        if case .integer(let code)? = expected["error_code"] {
            #expect(response.extendedErrorCode.map(DPSErrorCode.status) == Int(code))
        }
        if let message = expected["error_message"]?.stringValue { #expect(response.errorMessage == message) }
        if case .error(let details) = response.body {
            if let tracking = expected["tracking_id"]?.stringValue { #expect(details.trackingId == tracking) }
            if let timestamp = expected["timestamp"]?.stringValue { #expect(details.timestampUtc == timestamp) }
        }
        if case .operation(let operation) = response.body {
            if let hub = expected["assigned_hub"]?.stringValue { #expect(operation.registrationState?.assignedHub == hub) }
            if let device = expected["device_id"]?.stringValue { #expect(operation.registrationState?.deviceId == device) }
            if case .array(let chain)? = expected["issued_certificate_chain"] {
                #expect(operation.registrationState?.issuedCertificateChain == chain.compactMap(\.stringValue))
            }
        }
    }

    @Test(arguments: DPSVector.of(kind: "register_payload"))
    func registerPayload(vector: DPSVector) throws {
        let text = DeviceRegistration.wireText(registrationId: try vector.string("registration_id"),
                                               customPayloadJSON: vector.input("custom_payload"), csr: vector.input("csr"))
        #expect(text == vector.expected?.stringValue)
        // What the device writes, the service must read back.
        let decoded = try JSONText.decode(DeviceRegistration.self, from: Array(text.utf8), what: "register body")
        #expect(decoded.registrationId == vector.input("registration_id"))
        #expect(decoded.csr == vector.input("csr"))
    }

    @Test(arguments: DPSVector.of(kind: "sas_string_to_sign"))
    func stringToSign(vector: DPSVector) throws {
        let resource = SASToken.resourceText(idScope: try vector.string("id_scope"),
                                             registrationID: try vector.string("registration_id"), encoding: .lowerHex)
        #expect(SASToken.stringToSign(resource: resource, expiry: try vector.int("expiry")) == vector.expected?.stringValue)
    }

    @Test(arguments: DPSVector.of(kind: "hmac_sha256_b64"))
    func hmac(vector: DPSVector) throws {
        let signature = try SASToken.sign(message: try vector.string("message"), keyBase64: try vector.string("key_b64"))
        #expect(signature == vector.expected?.stringValue)
    }

    @Test(arguments: DPSVector.of(kind: "derived_key"))
    func derivedKey(vector: DPSVector) throws {
        let key = try DerivedDeviceKey.derive(groupKeyBase64: try vector.string("group_key_b64"),
                                              registrationID: try vector.string("registration_id"))
        #expect(key == vector.expected?.stringValue)
    }

    @Test(arguments: DPSVector.of(kind: "retry_delay_ms"))
    func retryDelay(vector: DPSVector) throws {
        let delay = ExponentialBackoff.delayMilliseconds(
            operationMilliseconds: Int(try vector.int("operation_msec")),
            attempt: Int(try vector.int("attempt")),
            minimumMilliseconds: Int(try vector.int("min_retry_delay_msec")),
            maximumMilliseconds: Int(try vector.int("max_retry_delay_msec")),
            jitterMilliseconds: Int(try vector.int("random_jitter_msec")))
        #expect(.integer(Int64(delay)) == vector.expected)
    }

    @Test(arguments: DPSVector.of(kind: "retry_after_parse"))
    func cSDKRetryAfter(vector: DPSVector) {
        #expect(.integer(Int64(RetryAfter.cSDKInterpretation(vector.input("retry_after")))) == vector.expected)
    }

    @Test("etag observation decodes to the quoted GUID")
    func etag() throws {
        let vector = try #require(DPSVector.all.first { $0.name == "etag_decoding" })
        let data = try #require(Data(base64Encoded: try vector.string("etag")))
        #expect(String(decoding: data, as: UTF8.self) == vector.expected?.stringValue)
    }
}
