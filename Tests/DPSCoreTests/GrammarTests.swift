import DPSCore
import Foundation
import Testing

@Suite("Usernames, topics and identifiers")
struct GrammarTests {
    @Test("a username with ClientVersion parses; '?api-version' is the known device mistake")
    func usernames() throws {
        let parsed = try MQTTUsername(parsing: "0ne1/registrations/dev-1/api-version=2019-03-31&ClientVersion=azure-iot-device-provisioning-py%2F2.14.0")
        #expect(parsed.clientVersion == "azure-iot-device-provisioning-py%2F2.14.0")
        #expect(parsed.registrationID == "dev-1")
        expectCode(.usernameWrongSeparator, requirement: .dpsMqttConn003) {
            _ = try MQTTUsername(parsing: "0ne1/registrations/dev-1?api-version=2019-03-31")
        }
        for bad in ["", "0ne1", "0ne1/registrations/", "/registrations/dev/api-version=1", "0ne1/registrations/dev-1/api-version=",
                    "0ne1/registrations/dev-1/api-version=1&Other=2"] {
            expectCode(.usernameMalformed) { _ = try MQTTUsername(parsing: bad) }
        }
    }

    @Test("request topics: properties in any order, percent-decoding, refusals")
    func requestTopics() throws {
        let poll = try DeviceRequestTopic(parsing: "$dps/registrations/GET/iotdps-get-operationstatus/?operationId=op%2F1&$rid=7")
        #expect(poll == .poll(rawRequestID: "7", operationID: "op/1",
                              properties: TopicProperties(pairs: [("operationId", "op%2F1"), ("$rid", "7")])))
        expectCode(.topicNotMatched) { _ = try DeviceRequestTopic(parsing: "$dps/registrations/PUT/other/?$rid=1") }
        expectCode(.topicMissingProperty) { _ = try DeviceRequestTopic(parsing: "$dps/registrations/PUT/iotdps-register/?x=1") }
        expectCode(.topicMissingProperty) { _ = try DeviceRequestTopic(parsing: "$dps/registrations/GET/iotdps-get-operationstatus/?$rid=1") }
        expectCode(.topicMalformedProperty) { _ = try DeviceRequestTopic(parsing: "$dps/registrations/PUT/iotdps-register/?$rid=1&$rid=2") }
        expectCode(.topicMalformedProperty) { _ = try DeviceRequestTopic(parsing: "$dps/registrations/PUT/iotdps-register/?$rid") }
        expectCode(.invalidPercentEncoding) {
            _ = try DeviceRequestTopic(parsing: "$dps/registrations/GET/iotdps-get-operationstatus/?$rid=1&operationId=%G1")
        }
    }

    @Test("response topics are built with $rid first and parse back")
    func responseTopics() throws {
        let topic = DPSTopic.response(status: 202, rawRequestID: "a%20b", retryAfter: "3")
        #expect(topic == "$dps/registrations/res/202/?$rid=a%20b&retry-after=3")
        let parsed = try ResponseTopic(parsing: topic)
        #expect(parsed.requestIDFirst)
        #expect(parsed.retryAfterText == "3")
        #expect(try !ResponseTopic(parsing: "$dps/registrations/res/202/?retry-after=1&$rid=1").requestIDFirst)
        for bad in ["$dps/registrations/res/20/?$rid=1", "$dps/registrations/res/abc/?$rid=1", "$dps/registrations/res/202?$rid=1",
                    "$dps/registrations/res/202/$rid=1", "$dps/registrations/res/202/?retry-after=1"] {
            #expect(throws: DPSCoreError.self) { _ = try ResponseTopic(parsing: bad) }
        }
    }

    @Test("retry-after: only decimal integers are valid")
    func retryAfter() {
        #expect(RetryAfter.seconds("3") == 3)
        #expect(RetryAfter.seconds("0") == 0)
        for bad in ["", "1.5", "-1", "+1", " 1", "Fri, 31 Dec 1999 23:59:59 GMT", "99999999999"] {
            #expect(RetryAfter.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test("registration IDs under each policy")
    func registrationIDs() throws {
        try RegistrationIDPolicy.documented.validate("ABC_def.1:x-")
        try RegistrationIDPolicy.documented.validate(String(repeating: "a", count: 128))
        expectCode(.registrationIDInvalid, requirement: .dpsId001) { try RegistrationIDPolicy.documented.validate(String(repeating: "a", count: 129)) }
        expectCode(.registrationIDInvalid, requirement: .dpsId001) { try RegistrationIDPolicy.documented.validate("") }
        expectCode(.registrationIDInvalid, requirement: .dpsId003) { try RegistrationIDPolicy.documented.validate("a.") }
        expectCode(.registrationIDInvalid, requirement: .dpsId002) { try RegistrationIDPolicy.documented.validate("a b") }
        expectCode(.registrationIDInvalid, requirement: .dpsId002) { try RegistrationIDPolicy.documented.validate("dev/1") }
        expectCode(.registrationIDInvalid, requirement: .dpsId004) { try RegistrationIDPolicy.spec.validate("-abc") }
        try RegistrationIDPolicy.documented.validate("-abc")
        expectCode(.registrationIDInvalid, requirement: .dpsId002) { try RegistrationIDPolicy.legacyLowercase.validate("ABC") }
    }

    @Test("percent-encoding round trip over every byte")
    func percentEncoding() throws {
        let text = String(decoding: (1...127).map { UInt8($0) }, as: UTF8.self) + "é€"
        #expect(try PercentEncoding.decode(PercentEncoding.encode(text)) == text)
        #expect(try PercentEncoding.decode(PercentEncoding.encode(text, hexCase: .lower)) == text)
        #expect(PercentEncoding.encode("a/b", hexCase: .lower) == "a%2fb")
        expectCode(.invalidPercentEncoding) { _ = try PercentEncoding.decode("%") }
        expectCode(.invalidPercentEncoding) { _ = try PercentEncoding.decode("%ff") }
    }

    @Test("time stamps have seven fractional digits and Z")
    func timestamps() {
        #expect(DPSTimestamp.string(from: Date(timeIntervalSince1970: 1_586_488_273.5)) == "2020-04-10T03:11:13.5000000Z")
    }

    @Test("a virtual clock advances on sleep without waiting")
    func virtualClock() async throws {
        let clock = VirtualClock(start: Date(timeIntervalSince1970: 0))
        let wall = ContinuousClock.now
        try await clock.sleep(for: .seconds(600))
        #expect(clock.now() == Date(timeIntervalSince1970: 600))
        #expect(ContinuousClock.now - wall < .seconds(60), "a real 600 s sleep would take 600 s")
        clock.advance(by: .seconds(-5))
        #expect(clock.now() == Date(timeIntervalSince1970: 600))
        #expect(clock.realTimeLimit(for: .seconds(30)) == .seconds(5))
    }

    @Test("models decode real service bodies, tolerate unknown fields and treat null payload as absent")
    func models() throws {
        let body = #"{"payload": null, "registrationId": "x509-device-01", "extra": 1}"#
        let registration = try JSONText.decode(DeviceRegistration.self, from: Array(body.utf8), what: "body")
        #expect(registration.payload == nil)
        #expect(registration.registrationId == "x509-device-01")
        expectCode(.invalidJSON) { _ = try JSONText.decode(DeviceRegistration.self, from: Array("{\"registrationId\":5}".utf8), what: "body") }
        expectCode(.invalidJSON) { _ = try JSONText.decode(DeviceRegistration.self, from: Array("not json".utf8), what: "body") }
        let status = RegistrationOperationStatus(operationId: "op", status: .assigning)
        let round = try JSONText.decode(RegistrationOperationStatus.self, from: JSONText.encode(status), what: "status")
        #expect(round == status)
        #expect(try JSONText.decode(RegistrationOperationStatus.self, from: Array(#"{"status":"weird"}"#.utf8), what: "s").status == .other("weird"))
    }
}
