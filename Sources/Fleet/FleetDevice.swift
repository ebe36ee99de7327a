import NIOSSL

/// One simulated device: its place in the fleet, registration ID, and either a SAS token (never
/// printed) or a TLS context presenting its own certificate.
struct FleetDevice: Sendable {
    let index: Int
    let registrationID: String
    let sasToken: String?
    /// The context its connections use: the run's shared one, or one with the device's certificate.
    let tls: NIOSSLContext
}
