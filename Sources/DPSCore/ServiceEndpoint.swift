/// Where a DPS endpoint is and how to trust it: what `dpsconform serve` writes to its endpoint
/// file and what `dpsconform provision` and outside clients read.
public struct ServiceEndpoint: Sendable, Hashable, Codable {
    /// Host name or address to dial (the server certificate names `localhost`, `127.0.0.1`, `::1`).
    public var host: String
    /// MQTT over TLS port (8883 on Azure).
    public var mqttPort: Int?
    /// HTTPS port (443 on Azure).
    public var httpsPort: Int?
    public var idScope: String
    /// PEM file of the CA that issued the server certificate; nil means the system trust store.
    public var caFile: String?

    public init(host: String, mqttPort: Int?, httpsPort: Int?, idScope: String, caFile: String?) {
        self.host = host
        self.mqttPort = mqttPort
        self.httpsPort = httpsPort
        self.idScope = idScope
        self.caFile = caFile
    }

    /// Azure's global device endpoint.
    public static let globalHost = "global.azure-devices-provisioning.net"
}
