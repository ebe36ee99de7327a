/// A timed step of one device's provisioning exchange.
public enum FleetPhase: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// TCP connect and the TLS handshake, to the handshake's end.
    case tcpTLS
    /// MQTT: CONNECT to CONNACK.
    case connect
    /// MQTT: SUBSCRIBE to SUBACK.
    case subscribe
    /// The register request to its response (over HTTPS this is the connection's first request).
    case register
    /// Each operation-status poll to its response (the retry-after wait before it is not counted).
    case poll
    /// From the start of the TCP connect to the response that says `assigned`, waits included.
    case total

    /// The phases a transport's exchange has; a merge refuses results with different sets.
    public static func phases(of transport: FleetTransport) -> [FleetPhase] {
        switch transport {
        case .mqtt, .mqttBroker: [.tcpTLS, .connect, .subscribe, .register, .poll, .total]
        case .https: [.tcpTLS, .register, .poll, .total]
        }
    }

    public static func < (lhs: FleetPhase, rhs: FleetPhase) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// How the simulated devices talk to the service.
public enum FleetTransport: String, Sendable, Hashable, Codable, CaseIterable {
    /// DPS over MQTT 3.1.1 on TLS (port 8883).
    case mqtt
    /// DPS over HTTPS, one kept-alive connection per device.
    case https
    /// Plain MQTT publish/subscribe with any broker (mosquitto): the same shape of exchange as
    /// `mqtt` (TLS, CONNECT, SUBSCRIBE, two PUBLISH round trips), the device answering itself
    /// through the broker, for a side-by-side figure.
    case mqttBroker = "mqtt-broker"
}
