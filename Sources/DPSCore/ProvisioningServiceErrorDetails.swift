/// The body of every 4xx/5xx response (SPEC models.tsp `ProvisioningServiceErrorDetails`).
public struct ProvisioningServiceErrorDetails: Sendable, Hashable, Codable {
    /// Six-digit extended code; `errorCode / 1000` is the HTTP-like status (Microsoft Learn how-to-troubleshoot-dps, error codes).
    public var errorCode: Int?
    public var trackingId: String?
    public var message: String?
    public var timestampUtc: String?
    public var info: [String: String]?

    public init(errorCode: Int?, trackingId: String?, message: String?, timestampUtc: String?, info: [String: String]? = nil) {
        self.errorCode = errorCode
        self.trackingId = trackingId
        self.message = message
        self.timestampUtc = timestampUtc
        self.info = info
    }
}
