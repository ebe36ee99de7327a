// libFuzzer entry for the DPS MQTT grammar the fake parses from devices (DPSCore: response and
// request topics, topic properties, usernames, percent-encoding, registration-ID rules). Built by
// ci/libfuzzer.sh into a module of those DPSCore files alone (they need no other package).
// Property: any text parses or is refused with an error, never a trap; a username that parses
// prints back to text that parses to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func dpsTopicsFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? ResponseTopic(parsing: text)
    _ = try? DeviceRequestTopic(parsing: text)
    _ = try? PercentEncoding.decode(text)
    _ = PercentEncoding.encode(text)
    for policy in RegistrationIDPolicy.allCases { _ = try? policy.validate(text) }
    if let username = try? MQTTUsername(parsing: text) {
        guard let again = try? MQTTUsername(parsing: username.text), again == username else {
            fatalError("username round trip failed for \(text.debugDescription)")
        }
    }
    return 0
}
