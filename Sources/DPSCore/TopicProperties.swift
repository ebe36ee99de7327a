/// The `key=value&key=value` property list after `?` in DPS topics. Order is kept because some
/// clients depend on `$rid` coming first; lookups are order-independent.
public struct TopicProperties: Sendable, Hashable {
    /// Properties as they appeared, values still percent-encoded.
    public let pairs: [(key: String, value: String)]

    public init(pairs: [(key: String, value: String)]) {
        self.pairs = pairs
    }

    /// Parses `text` (without the leading `?`). Empty pieces, bare keys and duplicate keys are
    /// refused: a strict parser must not guess which duplicate a device meant.
    public init(parsing text: String) throws {
        var pairs: [(key: String, value: String)] = []
        for piece in text.split(separator: "&", omittingEmptySubsequences: false) {
            guard let equals = piece.firstIndex(of: "=") else {
                throw DPSCoreError(.topicMalformedProperty, "topic property '\(piece)' is not key=value")
            }
            let key = String(piece[..<equals])
            guard !key.isEmpty else {
                throw DPSCoreError(.topicMalformedProperty, "topic property '\(piece)' has an empty key")
            }
            guard !pairs.contains(where: { $0.key == key }) else {
                throw DPSCoreError(.topicMalformedProperty, "topic property '\(key)' appears twice")
            }
            pairs.append((key, String(piece[piece.index(after: equals)...])))
        }
        self.pairs = pairs
    }

    /// The raw (still encoded) value of `key`.
    public func raw(_ key: String) -> String? {
        pairs.first(where: { $0.key == key })?.value
    }

    /// The percent-decoded value of `key`.
    public func decoded(_ key: String) throws -> String? {
        try raw(key).map(PercentEncoding.decode)
    }

    public var text: String {
        pairs.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    public static func == (lhs: TopicProperties, rhs: TopicProperties) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for pair in pairs { hasher.combine(pair.key); hasher.combine(pair.value) }
    }
}
