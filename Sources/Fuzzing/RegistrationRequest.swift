import DPSCore
import Foundation

/// The bytes of one register request with a case's IDs in their places, written by hand: client
/// libraries (and MQTTWire's own encoder) refuse to send what a fuzz case must send, such as a NUL
/// in the client identifier (MQTT 3.1.1 section 1.5.3).
enum RegistrationRequest {
    static let mqttAPIVersion = APIVersion.deviceDefault
    static let httpsAPIVersion = APIVersion.cSDK

    /// A SAS token whose `sr` names the case's `sr` ID, signed with that ID's key derived from `groupKey`.
    static func sasToken(_ fuzzCase: RegistrationIDCase, idScope: String, groupKey: String, now: Date) -> String? {
        let signedID = fuzzCase.id(at: .sasResource)
        guard let key = try? DerivedDeviceKey.derive(groupKeyBase64: groupKey, registrationID: signedID) else { return nil }
        let resource = SASToken.resourceText(idScope: idScope, registrationID: signedID, encoding: .upperHex)
        let expiry = Int64(now.timeIntervalSince1970) + 3600
        return (try? SASToken.create(resource: resource, keyBase64: key, expiry: expiry, keyName: "registration"))?.text
    }

    static func body(_ fuzzCase: RegistrationIDCase) -> [UInt8] {
        Array(("{\"registrationId\":" + JSONText.quoted(fuzzCase.id(at: .body)) + "}").utf8)
    }

    /// CONNECT (client id, username, password), SUBSCRIBE to the response filter and the register
    /// PUBLISH, written back to back.
    static func mqtt(_ fuzzCase: RegistrationIDCase, idScope: String, token: String?) -> [UInt8] {
        let username = "\(idScope)/registrations/\(fuzzCase.id(at: .username))/api-version=\(mqttAPIVersion)"
        var variable: [UInt8] = string("MQTT") + [4]
        var flags: UInt8 = 0x02 | 0x80
        if token != nil { flags |= 0x40 }
        variable += [flags, 0, 60]
        var payload = string(fuzzCase.id(at: .clientID)) + string(username)
        if let token { payload += string(token) }
        var bytes = packet(0x10, variable + payload)
        bytes += packet(0x82, [0, 1] + string(DPSTopic.responseFilter) + [1])
        let topic = DPSTopic.register(requestID: "1")
        bytes += packet(0x32, string(topic) + [0, 2] + body(fuzzCase))
        return bytes
    }

    /// `PUT /{idScope}/registrations/{id}/register` with the token in `Authorization`; `Connection: close`.
    static func https(_ fuzzCase: RegistrationIDCase, idScope: String, authority: String, token: String?) -> [UInt8] {
        let body = body(fuzzCase)
        let target = "/\(PercentEncoding.encode(idScope))/registrations/\(PercentEncoding.encode(fuzzCase.id(at: .urlPath)))/register?api-version=\(httpsAPIVersion)"
        var head = "PUT \(target) HTTP/1.1\r\nHost: \(authority)\r\nContent-Type: application/json\r\nAccept: application/json\r\n"
        if let token { head += "Authorization: \(token)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + body
    }

    /// An MQTT UTF-8 string: two length bytes, then the bytes as they are.
    static func string(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8.prefix(65_535))
        return [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xff)] + bytes
    }

    /// A packet: type and flags, remaining length (variable-length encoding), contents.
    static func packet(_ first: UInt8, _ contents: [UInt8]) -> [UInt8] {
        var length: [UInt8] = []
        var rest = contents.count
        repeat {
            var byte = UInt8(rest % 128)
            rest /= 128
            if rest > 0 { byte |= 0x80 }
            length.append(byte)
        } while rest > 0
        return [first] + length + contents
    }
}
