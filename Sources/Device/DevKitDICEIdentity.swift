import DICE
import Foundation

/// The MXChip DevKit's DICE identity as the device presents it: the Alias certificate (subject CN
/// = registration ID, DICE-CERT-CN-001) and the Alias private key, derived from the UDS and the
/// measured firmware regions exactly as `dps_cert_gen` and the firmware do (dps_cert_gen, microsoft/devkit-sdk AZ3166/tools/dice_device_enrollment).
public enum DevKitDICEIdentity {
    /// Derives the Alias certificate and key and writes them as private PEM files. With
    /// `constantNonce` (the mutant `dice-other-constant-nonce`) the certificates are signed with
    /// that nonce instead of the DevKit's, and the DeviceID certificate follows the Alias one in
    /// the certificate file, so both signatures are presented.
    static func materialise(udsHex: String, firmwareFile: String, mapFile: String,
                            registrationID: String, constantNonce: [UInt8]? = nil) throws(DeviceError) -> PrivateCredentialFiles {
        let (certificatePEM, keyPEM) = try pem(udsHex: udsHex, firmwareFile: firmwareFile, mapFile: mapFile, registrationID: registrationID,
                                               constantNonce: constantNonce)
        return try PrivateCredentialFiles.write(certificatePEM: certificatePEM, keyPEM: keyPEM)
    }

    /// The certificate chain and key the device presents, as PEM text (a recording proxy
    /// presents the same upstream).
    public static func pem(udsHex: String, firmwareFile: String, mapFile: String, registrationID: String,
                           constantNonce: [UInt8]? = nil) throws(DeviceError) -> (certificatePEM: String, keyPEM: String) {
        let inputs: DiceInputs
        do {
            let uds = try UniqueDeviceSecret(hex: udsHex)
            let firmware = try FirmwareRegions(binary: try read(firmwareFile, what: "firmware"), mapFile: try read(mapFile, what: "linker map"))
            inputs = DiceInputs(uds: uds, firmware: firmware, registrationID: try DevKitRegistrationID(registrationID))
        } catch let error as DeviceError {
            throw error
        } catch let error as DICEError {
            throw DeviceError(.diceDerivationFailed, "DICE inputs: \(error.reason)")
        } catch {
            throw DeviceError(.diceDerivationFailed, "DICE inputs: \(error)")
        }
        let certificates: DevKitCertificateSet
        do throws(DICEError) {
            let derivation = try DevKitRIoTProfile().derive(inputs)
            if let constantNonce {
                certificates = try DevKitRIoTProfile.reissue(derivation, constantNonce: constantNonce)
            } else {
                certificates = try derivation.certificates.get()
            }
        } catch {
            throw DeviceError(.diceDerivationFailed, "no Alias certificate: \(error.reason)")
        }
        let keyDER: [UInt8]
        do {
            guard let block = try OneLinePEM.decodeAll(certificates.aliasKeyPEM, label: .ecPrivateKey).first else {
                throw DeviceError(.diceDerivationFailed, "the Alias key PEM is empty")
            }
            keyDER = block
        } catch let error as DeviceError {
            throw error
        } catch {
            throw DeviceError(.diceDerivationFailed, "the Alias key PEM cannot be read back")
        }
        // Re-wrapped at 64 columns: RIoT's one-line PEM is not read by every TLS library.
        let chain = constantNonce == nil ? [certificates.alias.der] : [certificates.alias.der, certificates.deviceId.der]
        return (chain.map { PEMText.encode($0, label: "CERTIFICATE") }.joined(), PEMText.encode(keyDER, label: "EC PRIVATE KEY"))
    }

    private static func read(_ path: String, what: String) throws(DeviceError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DeviceError(.diceDerivationFailed, "cannot read the \(what) file \(path)")
        }
        return Array(data)
    }
}
