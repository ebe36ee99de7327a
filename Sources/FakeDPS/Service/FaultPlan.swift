import DPSCore

/// Scripted misbehaviour: ordered rules, each matching a kind of exchange (and optionally one
/// device and which occurrence of it), each with an action the front ends carry out. The first
/// matching rule wins; occurrences are counted per device and kind from 1.
public struct FaultPlan: Sendable, Hashable {
    public var rules: [FaultRule]

    public init(rules: [FaultRule] = []) {
        self.rules = rules
    }
}

public struct FaultRule: Sendable, Hashable {
    public var on: FaultTarget
    public var occurrences: OccurrenceSelector
    /// Only this device (registration ID, case-insensitive); nil for every device.
    public var registrationID: String?
    public var action: FaultAction

    public init(on: FaultTarget, occurrences: OccurrenceSelector = .every, registrationID: String? = nil, action: FaultAction) {
        self.on = on
        self.occurrences = occurrences
        self.registrationID = registrationID
        self.action = action
    }
}

/// The exchange a rule applies to.
public enum FaultTarget: String, Sendable, Hashable, CaseIterable {
    case connect
    case subscribe
    case register
    case poll
    case statusLookup
}

/// Which occurrences of the exchange a rule applies to (counted from 1).
public enum OccurrenceSelector: Sendable, Hashable {
    case every
    case nth(Int)
    /// This one and every later one.
    case from(Int)
    /// From the first to the last, inclusive.
    case range(Int, Int)

    func contains(_ occurrence: Int) -> Bool {
        switch self {
        case .every: true
        case .nth(let n): occurrence == n
        case .from(let n): occurrence >= n
        case .range(let low, let high): (low...max(low, high)).contains(occurrence)
        }
    }
}

/// What the fake does instead of (or to) its normal answer.
public enum FaultAction: Sendable, Hashable {
    /// Answer with this status instead of handling the request (nothing is registered).
    /// `errorCode` defaults to `status × 1000 + 1`; `body` replaces the error body when given.
    case respond(status: Int, retryAfter: String?, errorCode: Int?, body: String?)
    /// A recorded answer (`replay:`): this status, retry-after and body, sent `after` the request
    /// as late as the recorded service sent it (clock time: no wall time on a virtual clock).
    case replay(status: Int, retryAfter: String?, body: String, after: Duration)
    /// Handle the request, then change the answer.
    case modify(ResponseModification)
    /// Answer after this much clock time (no wall time on a virtual clock).
    case delay(Duration)
    /// Handle the request but never answer.
    case noResponse
    /// Close the connection, before or after acknowledging the request (MQTT PUBACK).
    case dropConnection(afterAcknowledging: Bool)
    /// Never send this acknowledgement (CONNACK, SUBACK or PUBACK), and carry on otherwise.
    case withholdAcknowledgement
    /// Refuse the connection with this CONNACK return code (1-5).
    case refuseConnection(returnCode: UInt8)
    /// Answer SUBSCRIBE with the failure return code 0x80.
    case refuseSubscription
}

/// Changes to a normal answer.
public struct ResponseModification: Sendable, Hashable {
    /// Put `$rid` after the other properties in the response topic.
    public var requestIDLast: Bool
    /// Replace (or add, or with "" remove) the retry-after value, e.g. "0", "1.5", "999999".
    public var retryAfter: String?
    /// Remove `operationId` from the body.
    public var omitOperationID: Bool
    /// Add these members to the top-level body object.
    public var extraFields: [String: JSONValue]
    /// Cut the body to this many bytes.
    public var truncateTo: Int?
    /// Replace the body with this text (e.g. not JSON at all).
    public var body: String?
    /// Answer under this `$rid` instead of the request's (MQTT): an answer the device must not take
    /// for the one to its request (Azure/azure-sdk-for-c: `$rid=1` for every request).
    public var requestID: String?
    /// Send the answer twice (MQTT): a device must not act on the second copy.
    public var duplicate: Bool
    /// Before this answer, send the connection's previous answer again, under its old `$rid`
    /// (MQTT): an answer out of order, to a request the device already had answered.
    public var previousAnswerFirst: Bool
    /// Before this answer, send a packet of a type the device does not expect at this point (MQTT).
    public var packetBefore: UnexpectedPacket?

    /// An MQTT packet a service never sends a device in the middle of an exchange.
    public enum UnexpectedPacket: String, Sendable, Hashable, CaseIterable {
        /// A second CONNACK.
        case connack
        /// A SUBACK for a SUBSCRIBE the device never sent.
        case suback
        /// An UNSUBACK for an UNSUBSCRIBE the device never sent.
        case unsuback
        /// A PINGRESP without a PINGREQ.
        case pingresp
        /// A PUBACK for a packet identifier the device never used.
        case puback
        /// A PUBREC (QoS 2 flow, which DPS never uses).
        case pubrec
        /// A PUBREL (QoS 2 flow).
        case pubrel
        /// A PUBCOMP (QoS 2 flow).
        case pubcomp
    }

    public init(requestIDLast: Bool = false, retryAfter: String? = nil, omitOperationID: Bool = false,
                extraFields: [String: JSONValue] = [:], truncateTo: Int? = nil, body: String? = nil,
                requestID: String? = nil, duplicate: Bool = false, previousAnswerFirst: Bool = false,
                packetBefore: UnexpectedPacket? = nil) {
        self.requestID = requestID
        self.duplicate = duplicate
        self.previousAnswerFirst = previousAnswerFirst
        self.packetBefore = packetBefore
        self.requestIDLast = requestIDLast
        self.retryAfter = retryAfter
        self.omitOperationID = omitOperationID
        self.extraFields = extraFields
        self.truncateTo = truncateTo
        self.body = body
    }

    /// Applies the body and retry-after changes to `response`.
    func apply(to response: ServiceResponse) -> ServiceResponse {
        var changed = response
        if let retryAfter { changed.retryAfter = retryAfter.isEmpty ? nil : retryAfter }
        if omitOperationID || !extraFields.isEmpty,
           case .object(var members)? = try? JSONText.decode(JSONValue.self, from: changed.body, what: "body") {
            if omitOperationID { members["operationId"] = nil }
            for (key, value) in extraFields { members[key] = value }
            changed.body = JSONText.encode(JSONValue.object(members))
        }
        if let body { changed.body = Array(body.utf8) }
        if let truncateTo { changed.body = Array(changed.body.prefix(max(0, truncateTo))) }
        return changed
    }
}

/// Occurrence counters of one service's fault plan.
struct FaultCounters: Sendable {
    private var counts: [String: Int] = [:]

    /// Counts one more `target` exchange of `registrationID` and returns the first matching action.
    mutating func next(_ target: FaultTarget, registrationID: String, plan: FaultPlan) -> FaultAction? {
        guard !plan.rules.isEmpty else { return nil }
        let key = "\(target.rawValue)/\(registrationID.lowercased())"
        let occurrence = counts[key, default: 0] + 1
        counts[key] = occurrence
        return plan.rules.first { rule in
            rule.on == target && rule.occurrences.contains(occurrence)
                && (rule.registrationID.map { $0.lowercased() == registrationID.lowercased() } ?? true)
        }?.action
    }
}
