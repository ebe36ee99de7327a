import DPSCore

/// One responses case: the fake answers a device with mutated responses (Azure IoT SDK pitfalls:
/// non-integer, negative, huge or missing retry-after; `$rid` moved last or replaced; duplicated
/// answers; an earlier answer again before the current one (out of order); a packet of an
/// unexpected type (a second CONNACK, an unsolicited SUBACK, QoS 2 packets) before it; missing, extra or
/// wrongly typed fields; non-JSON and truncated bodies; unexpected status codes; dropped and
/// withheld answers). Written as fault-plan rules of a scenario (docs/scenarios.md), so the case
/// is its own reproducer.
public struct ResponseCase: Sendable, Hashable, Codable {
    public var index: Int
    public var transport: FuzzTransport
    /// Fault-plan rules, each one line of YAML flow mapping (`{on: poll, occurrence: 1, modify: {...}}`).
    public var rules: [String]

    public var canonicalBytes: [UInt8] { JSONText.encode(self) }

    static let retryAfters: [String?] = [nil, "0", "1", "-1", "abc", "1.5", "99999999999999999999", "", " 3", "3, 4",
                                         "Wed, 21 Oct 2015 07:28:00 GMT", "600", "0x10"]
    static let bodies: [String?] = [
        nil, "not json", "{}", "[]", "null", "\"assigned\"", "{\"status\":\"assigned\"}",
        "{\"operationId\":\"op-1\",\"status\":\"assigned\"}",
        "{\"operationId\":\"op-1\",\"status\":\"assigned\",\"registrationState\":{\"status\":\"assigning\"}}",
        "{\"operationId\":\"op-1\",\"status\":\"assigned\",\"registrationState\":{\"status\":\"assigned\"}}",
        "{\"operationId\":7,\"status\":[]}", "{\"registrationState\":{\"assignedHub\":\"evil.example\",\"status\":\"assigned\"}}",
        "{\"errorCode\":\"x\",\"message\":5}", "{\"operationId\":\"op-1\",\"status\":\"assigning\"", "{\"status\":\"failed\",\"registrationState\":{\"status\":\"failed\",\"errorCode\":\"nope\"}}",
        "{\"operationId\":\"op-1\",\"status\":\"unknownStatus\"}", String(repeating: "[", count: 2_000),
    ]
    static let packetsBefore = ["connack", "suback", "unsuback", "pingresp", "puback", "pubrec", "pubrel", "pubcomp"]
    static let statuses = [200, 201, 202, 204, 302, 400, 401, 403, 404, 409, 412, 429, 500, 503, 599]
    static let errorCodes: [Int?] = [nil, 400004, 401002, 404201, 429001, 500001, 123_456]
    static let extraFields = ["{status: 5}", "{status: assigned}", "{operationId: null}", "{registrationState: x}",
                              "{registrationState: {status: assigned}}", "{status: unknownStatus}", "{operationId: [1, 2]}",
                              "{registrationState: {status: assigned, assignedHub: 17}}"]

    /// Case `index` of the run with `seed`.
    public static func make(seed: UInt64, index: Int, transports: [FuzzTransport]) -> ResponseCase {
        var random = FuzzRandom.forCase(seed: seed, index: index, stream: 5)
        let transport = transports.isEmpty ? .mqtt : transports[index % transports.count]
        let count = random.int(in: 1...2)
        let rules = (0..<count).map { _ in rule(&random) }
        return ResponseCase(index: index, transport: transport, rules: rules)
    }

    static func quoted(_ text: String) -> String { ReproducerScenario.quoted(text) }

    static func rule(_ random: inout FuzzRandom) -> String {
        let on = random.pick(["register", "poll", "poll"])
        let occurrence = random.pick(["1", "2", "1+", "1-3"])
        var head = "{on: \(on), occurrence: \"\(occurrence)\", "
        switch random.int(in: 0...19) {
        case 0...7:
            var fields = ["status: \(random.pick(statuses))"]
            if let retry = random.pick(retryAfters) { fields.append("retryAfter: \(quoted(retry))") }
            if let code = random.pick(errorCodes) { fields.append("errorCode: \(code)") }
            if let body = random.pick(bodies) { fields.append("body: \(quoted(body))") }
            head += "respond: {\(fields.joined(separator: ", "))}"
        case 8...15:
            var fields: [String] = []
            if random.chance(1, in: 3) { fields.append("ridLast: true") }
            if random.chance(1, in: 5) { fields.append("rid: \(quoted(random.pick(["999", "", "1%202", "other-rid"])))") }
            if random.chance(1, in: 5) { fields.append("duplicate: true") }
            if random.chance(1, in: 5) { fields.append("staleFirst: true") }
            if random.chance(1, in: 5) { fields.append("packetBefore: \(random.pick(packetsBefore))") }
            if random.chance(1, in: 2), let retry = random.pick(retryAfters) { fields.append("retryAfter: \(quoted(retry))") }
            if random.chance(1, in: 3) { fields.append("omitOperationId: true") }
            if random.chance(1, in: 3) { fields.append("extraFields: \(random.pick(extraFields))") }
            if random.chance(1, in: 4) { fields.append("truncateTo: \(random.pick([0, 1, 10, 40]))") }
            if random.chance(1, in: 4), let body = random.pick(bodies) { fields.append("body: \(quoted(body))") }
            if fields.isEmpty { fields.append("omitOperationId: true") }
            head += "modify: {\(fields.joined(separator: ", "))}"
        case 16, 17:
            head += "noResponse: true"
        case 18:
            head += "dropConnection: \(random.pick(["beforeAck", "afterAck"]))"
        default:
            head += "delaySeconds: \(random.int(in: 1...20))"
        }
        return head + "}"
    }
}
