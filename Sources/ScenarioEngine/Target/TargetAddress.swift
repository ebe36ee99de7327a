import DPSCore
import FakeDPS

/// A `--target` (or `--upstream`): `mqtts://HOST[:PORT]` (MQTT over TLS, port 8883 by default),
/// `https://HOST[:PORT]` (port 443 by default), or `azure` (the global device endpoint, both).
/// Given more than once, the addresses must name one host and give one port per transport.
public struct TargetAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var mqttPort: Int?
    public var httpsPort: Int?

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(parsing texts: [String]) throws(ParseError) {
        var host: String?
        var mqtt: Int?
        var https: Int?
        for text in texts {
            let (name, mqttPort, httpsPort) = try Self.one(text)
            if let host, host.lowercased() != name.lowercased() {
                throw ParseError(description: "'\(text)' names another host than \(host); give one target host")
            }
            host = name
            if let mqttPort {
                if mqtt != nil { throw ParseError(description: "two MQTT targets; give one") }
                mqtt = mqttPort
            }
            if let httpsPort {
                if https != nil { throw ParseError(description: "two HTTPS targets; give one") }
                https = httpsPort
            }
        }
        guard let host else { throw ParseError(description: "no target given") }
        self.host = host
        self.mqttPort = mqtt
        self.httpsPort = https
    }

    private static func one(_ text: String) throws(ParseError) -> (String, Int?, Int?) {
        if text.lowercased() == "azure" { return (ServiceEndpoint.globalHost, 8883, 443) }
        let schemes = ["mqtts://": 8883, "https://": 443]
        guard let scheme = schemes.keys.first(where: { text.lowercased().hasPrefix($0) }) else {
            throw ParseError(description: "'\(text)' is not mqtts://HOST[:PORT], https://HOST[:PORT] or azure (DPS speaks TLS only)")
        }
        var rest = String(text.dropFirst(scheme.count))
        if rest.hasSuffix("/") { rest.removeLast() }
        var host = rest
        var port = schemes[scheme] ?? 0
        if rest.hasPrefix("[") {
            // [IPv6]:port
            guard let close = rest.firstIndex(of: "]") else { throw ParseError(description: "'\(text)': unclosed '['") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else { throw ParseError(description: "'\(text)': bad port") }
                port = value
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let value = Int(rest[rest.index(after: colon)...]), (1...65535).contains(value) else {
                throw ParseError(description: "'\(text)': the port must be 1...65535")
            }
            port = value
        }
        guard !host.isEmpty, !host.contains("/"), !host.contains("@") else { throw ParseError(description: "'\(text)': no host name") }
        return scheme == "mqtts://" ? (host, port, nil) : (host, nil, port)
    }

    public var description: String {
        [mqttPort.map { "mqtts://\(host):\($0)" }, httpsPort.map { "https://\(host):\($0)" }].compactMap { $0 }.joined(separator: " ")
    }

    /// The upstream of a proxy to this address, trusting and pacing as the configuration says.
    public func upstream(configuration: TargetConfiguration) -> ProxyUpstream {
        ProxyUpstream(host: host, mqttPort: mqttPort, httpsPort: httpsPort, trust: configuration.trust, serverName: configuration.serverName,
                      pacing: UpstreamPacing(requestsPerSecond: configuration.requestsPerSecond, honoursRetryAfter: true))
    }
}
