import DICE
import Foundation
import Inputs

/// A DevKit DICE identity named in a scenario: a UDS and a firmware release (.bin and .map),
/// files relative to the scenario file. The UDS is a secret; it is never echoed in errors.
struct DiceRelease: Sendable {
    let udsHex: String
    let firmwareFile: String
    let mapFile: String

    /// Reads `{uds, firmware, map}`, plus `registrationId`: required when `withRegistrationID`,
    /// allowed when `registrationIDAllowed`.
    static func read(_ node: YAMLNode, withRegistrationID: Bool = false, registrationIDAllowed: Bool = false) throws -> (DiceRelease, String?) {
        var allowed: Set<String> = ["uds", "firmware", "map"]
        if withRegistrationID || registrationIDAllowed { allowed.insert("registrationId") }
        let fields = try node.mapping(allowed: allowed)
        guard let uds = fields["uds"], let firmware = fields["firmware"], let map = fields["map"] else {
            throw node.error(.missingField, "a DICE identity needs uds, firmware (.bin) and map (.map)")
        }
        let base = (node.file as NSString).deletingLastPathComponent
        func resolve(_ file: YAMLNode) throws -> String {
            let relative = try file.string()
            let path = relative.hasPrefix("/") ? relative : (base as NSString).appendingPathComponent(relative)
            guard FileManager.default.isReadableFile(atPath: path) else { throw file.error(.unreadableFile, "cannot read \(path)") }
            return path
        }
        let release = DiceRelease(udsHex: try uds.string(), firmwareFile: try resolve(firmware), mapFile: try resolve(map))
        do {
            _ = try UniqueDeviceSecret(hex: release.udsHex)
        } catch {
            throw uds.error(.invalidValue, "not a 64-hex-digit UDS (\(error.code.rawValue))")
        }
        var registrationID = try fields["registrationId"]?.string()
        if withRegistrationID {
            guard let idNode = fields["registrationId"] else { throw node.error(.missingField, "a DICE certificate needs registrationId") }
            registrationID = try idNode.string()
        }
        return (release, registrationID)
    }

    /// The inputs of the derivation for `registrationID`.
    func inputs(registrationID: String, at node: YAMLNode) throws -> DiceInputs {
        do {
            let binary = try Array(Data(contentsOf: URL(fileURLWithPath: firmwareFile)))
            let map = try Array(Data(contentsOf: URL(fileURLWithPath: mapFile)))
            return DiceInputs(uds: try UniqueDeviceSecret(hex: udsHex), firmware: try FirmwareRegions(binary: binary, mapFile: map),
                              registrationID: try DevKitRegistrationID(registrationID))
        } catch let error as DICEError {
            throw node.error(.invalidValue, "DICE inputs unusable: \(error.reason)")
        } catch {
            throw node.error(.unreadableFile, "cannot read the firmware release: \(error)")
        }
    }
}
