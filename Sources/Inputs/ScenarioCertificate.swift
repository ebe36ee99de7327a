import X509

/// A certificate a scenario asked for, made when the scenario is loaded: nothing is committed
/// and every run has its own keys.
package struct ScenarioCertificate: Sendable {
    package let name: String
    package let certificate: Certificate
    package let der: [UInt8]
    package let pem: String
    /// PKCS#8 PEM of the private key. A secret: written only to a private file for the device.
    package let keyPEM: String
    package let isCA: Bool

    package init(name: String, certificate: Certificate, der: [UInt8], pem: String, keyPEM: String, isCA: Bool) {
        self.name = name
        self.certificate = certificate
        self.der = der
        self.pem = pem
        self.keyPEM = keyPEM
        self.isCA = isCA
    }
}
