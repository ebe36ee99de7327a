import DPSCore

/// One `http` case: a DPS register request (RFC 9112 HTTP/1.1) with one malformation or abuse of
/// its request line, path or headers that the service must refuse.
public struct HTTPRequestCase: Sendable, Hashable, Codable {
    public enum Malformation: String, Sendable, Hashable, CaseIterable, Codable {
        case requestLineWithoutVersion = "request-line-without-version"
        case unknownVersion = "version-http-9"
        case spaceInTarget = "space-in-target"
        case headerWithoutColon = "header-without-colon"
        case spaceBeforeColon = "space-before-colon"
        case bareLineFeeds = "bare-line-feeds"
        case duplicateContentLength = "duplicate-differing-content-length"
        case contentLengthNotANumber = "content-length-not-a-number"
        case contentLengthAndChunked = "content-length-and-chunked"
        case badChunkSize = "bad-chunk-size"
        case controlCharacterInHeader = "control-character-in-header"
        case hugeHeader = "huge-header"
        case hugeTarget = "huge-target"
        case bodyOverLimit = "body-over-96-kb"
        case pathTraversal = "path-traversal"
        case unknownRoute = "unknown-route"
        case wrongMethod = "wrong-method"
        case missingAPIVersion = "missing-api-version"
        case badPercentEncoding = "bad-percent-encoding"
        case bodyNotJSON = "body-not-json"
        /// A head trickled a byte at a time (slowloris): the request-head deadline ends it.
        case slowHead = "slow-head"
        /// Two requests in one write (pipelining): a well-formed one kept alive, then one with a
        /// request line without a version. The first is answered; the second must be refused.
        case pipelinedMalformed = "pipelined-malformed"
    }

    /// How a slow head is written: two bytes every 200 ms.
    static let trickle = TLSExchange.Trickle(bytesPerWrite: 2, interval: .milliseconds(200))

    public var index: Int
    public var malformation: Malformation
    public var registrationID: String

    public var canonicalBytes: [UInt8] { JSONText.encode(self) }

    public static func make(seed: UInt64, index: Int) -> HTTPRequestCase {
        var random = FuzzRandom.forCase(seed: seed, index: index, stream: 7)
        let id = "http-fuzz-" + RegistrationIDGenerator.validID(length: random.int(in: 4...12), lowercaseOnly: true, &random)
        return HTTPRequestCase(index: index, malformation: random.pick(Malformation.allCases), registrationID: id)
    }

    /// The request bytes, with `Connection: close` so that every answer ends the exchange.
    func bytes(idScope: String, authority: String, token: String?) -> [UInt8] {
        let path = "/\(idScope)/registrations/\(registrationID)/register"
        var method = "PUT"
        var target = path + "?api-version=" + RegistrationRequest.httpsAPIVersion
        var version = " HTTP/1.1"
        var body = Array("{\"registrationId\":\"\(registrationID)\"}".utf8)
        var headers = ["Host: \(authority)", "Content-Type: application/json", "Connection: close"]
        if let token { headers.append("Authorization: \(token)") }
        var lengthHeader = true
        var newline = "\r\n"
        var chunked: String?
        switch malformation {
        case .requestLineWithoutVersion: version = ""
        case .unknownVersion: version = " HTTP/9.9"
        case .spaceInTarget: target = path + " x?api-version=" + RegistrationRequest.httpsAPIVersion
        case .headerWithoutColon: headers.append("X-Fuzz no colon here")
        case .spaceBeforeColon: headers.append("Content-Type : application/json")
        case .bareLineFeeds: newline = "\n"
        case .duplicateContentLength: headers.append("Content-Length: \(body.count + 5)")
        case .contentLengthNotANumber: lengthHeader = false; headers.append("Content-Length: ten")
        case .contentLengthAndChunked: headers.append("Transfer-Encoding: chunked"); chunked = "zz\r\n"
        case .badChunkSize: lengthHeader = false; headers.append("Transfer-Encoding: chunked"); chunked = "fffffffffffffffffffff\r\n"
        case .controlCharacterInHeader: headers.append("X-Fuzz: a\u{1}b")
        case .hugeHeader: headers.append("X-Fuzz: " + String(repeating: "a", count: 200_000))
        case .hugeTarget: target = path + "?api-version=" + RegistrationRequest.httpsAPIVersion + "&x=" + String(repeating: "a", count: 200_000)
        case .bodyOverLimit: body = Array(repeating: 0x20, count: 100_000)
        case .pathTraversal: target = "/\(idScope)/registrations/../../etc/passwd/register?api-version=" + RegistrationRequest.httpsAPIVersion
        case .unknownRoute: target = "/\(idScope)/devices/\(registrationID)?api-version=" + RegistrationRequest.httpsAPIVersion
        case .wrongMethod: method = "DELETE"
        case .missingAPIVersion: target = path
        case .badPercentEncoding: target = "/\(idScope)/registrations/%zz\(registrationID)/register?api-version=" + RegistrationRequest.httpsAPIVersion
        case .bodyNotJSON: body = Array("registrationId=\(registrationID)".utf8)
        case .slowHead: break
        case .pipelinedMalformed:
            // The first request keeps the connection open; the second is the malformed one.
            let first = "PUT \(target) HTTP/1.1\r\n" + headers.filter { $0 != "Connection: close" }.map { $0 + "\r\n" }.joined()
                + "Content-Length: \(body.count)\r\n\r\n"
            let second = "PUT \(target)\r\nHost: \(authority)\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            return Array(first.utf8) + body + Array(second.utf8)
        }
        if lengthHeader { headers.append("Content-Length: \(body.count)") }
        var text = "\(method) \(target)\(version)\(newline)" + headers.map { $0 + newline }.joined() + newline
        if let chunked { text += chunked }
        return Array(text.utf8) + (chunked == nil ? body : [])
    }
}
