/// What every DICE profile needs from the caller: the device secret, the measured firmware and
/// the registration ID that becomes the Alias certificate's CN.
public struct DiceInputs: Sendable, Hashable {
    /// The Unique Device Secret (secret).
    public let uds: UniqueDeviceSecret
    /// The measured firmware regions.
    public let firmware: FirmwareRegions
    /// The DPS registration ID.
    public let registrationID: DevKitRegistrationID

    public init(uds: UniqueDeviceSecret, firmware: FirmwareRegions, registrationID: DevKitRegistrationID) {
        self.uds = uds
        self.firmware = firmware
        self.registrationID = registrationID
    }
}

/// What any profile's derivation offers to callers that do not know the profile.
public protocol DiceDerivationOutput: Sendable {
    /// Every input and intermediate in vector-file order, secrets flagged.
    var namedValues: [DiceNamedValue] { get }
    /// The PEM of the certificate the device presents to DPS, nil when none could be produced.
    var aliasCertificatePEM: String? { get }
    /// Why no certificate exists, when ``aliasCertificatePEM`` is nil.
    var certificateFailure: DICEError? { get }
}

/// A way of turning UDS + firmware into device keys and certificates.
///
/// Only the DevKit RIoT profile exists; a standardised one (e.g. Open Profile for DICE,
/// TCG DICE specifications) would be a second conformer.
public protocol DiceProfile: Sendable {
    associatedtype Derivation: DiceDerivationOutput
    /// Which profile this is.
    var identifier: DiceProfileIdentifier { get }
    /// Derives every value of the profile from `inputs`.
    func derive(_ inputs: DiceInputs) throws(DICEError) -> Derivation
}

/// The profiles a user can name (e.g. on the command line).
public enum DiceProfileIdentifier: String, Sendable, CaseIterable {
    /// MXChip AZ3166 DevKit RIoT as `dps_cert_gen` and the firmware do it.
    case devKitRIoT = "devkit-riot"

    /// Derives with the named profile.
    public func derive(_ inputs: DiceInputs) throws(DICEError) -> any DiceDerivationOutput {
        switch self {
        case .devKitRIoT: return try DevKitRIoTProfile().derive(inputs)
        }
    }
}
