/// The shape rules for Topic Names and Topic Filters (section 4.7), checked on UTF-8 bytes.
/// '/', '+' and '#' are ASCII, so they never occur inside a multi-byte sequence.
enum TopicValidation {
    private static let separator = UInt8(ascii: "/")
    private static let singleLevel = UInt8(ascii: "+")
    private static let multiLevel = UInt8(ascii: "#")

    /// A Topic Name names one topic: non-empty [MQTT-4.7.3-1] and free of wildcards
    /// (`wildcardRule` is [MQTT-3.3.2-2] for PUBLISH, [MQTT-4.7.1-1] for the Will Topic).
    static func validateName(_ utf8: [UInt8], field: String, wildcardRule: MQTTRule) throws(MQTTWireError) {
        guard !utf8.isEmpty else {
            throw MQTTWireError(.emptyTopic, .topicNotEmpty, "\(field) is empty")
        }
        if let index = utf8.firstIndex(where: { $0 == singleLevel || $0 == multiLevel }) {
            throw MQTTWireError(.wildcardInTopicName, wildcardRule,
                                "\(field) contains the wildcard '\(Character(Unicode.Scalar(utf8[index])))' at string byte \(index)")
        }
    }

    /// A Topic Filter: non-empty [MQTT-4.7.3-1], '#' alone in the last level [MQTT-4.7.1-2],
    /// '+' alone in its level [MQTT-4.7.1-3].
    static func validateFilter(_ utf8: [UInt8], field: String) throws(MQTTWireError) {
        guard !utf8.isEmpty else {
            throw MQTTWireError(.emptyTopic, .topicNotEmpty, "\(field) is empty")
        }
        let last = utf8.count - 1
        for index in utf8.indices {
            let byte = utf8[index]
            let startsLevel = index == 0 || utf8[index - 1] == separator
            let endsLevel = index == last || utf8[index + 1] == separator
            if byte == multiLevel, !(startsLevel && index == last) {
                throw MQTTWireError(.misplacedMultiLevelWildcard, .multiLevelWildcard,
                                    "\(field): '#' at string byte \(index) must stand alone in the last level")
            }
            if byte == singleLevel, !(startsLevel && endsLevel) {
                throw MQTTWireError(.misplacedSingleLevelWildcard, .singleLevelWildcard,
                                    "\(field): '+' at string byte \(index) must occupy a whole level")
            }
        }
    }
}
