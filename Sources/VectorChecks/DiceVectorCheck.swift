import DPSCore
import Crypto
import DICE

/// A DICE vector run through the whole dps_cert_gen pipeline of the DICE module: UDS and
/// registration-ID parsing, `.map` reading, region cutting, derivation, certificates. Every
/// field is pinned by DICE-CERT-BYTES-001.
enum DiceVectorCheck {
    static let requirement = RequirementID.diceCertBytes001

    static func observe(_ input: DiceCase) -> VectorObservations {
        var out = VectorObservations()
        do {
            try run(input, into: &out)
        } catch {
            // A refusal ends the pipeline: the error is observed, everything after it is absent.
            out.set("error", .refusal([error.code.rawValue]), requirement)
            for name in DiceVectorKind.fields.keys where out.fields[name] == nil {
                out.set(name, .notProduced("refused with \(error.code.rawValue)"), requirement, secret: DiceVectorKind.secretFields.contains(name))
            }
        }
        return out
    }

    private static func run(_ input: DiceCase, into out: inout VectorObservations) throws(DICEError) {
        let uds = try UniqueDeviceSecret(hex: input.udsHex)
        let udsHex = VectorHex.string(uds.bytes)
        if let stated = input.udsBytesHex {
            out.checks.append(compare("inputs.udsBytesHex", stated, udsHex, secret: true))
        }
        let standard = VectorHex.string(SHA256.hash(data: uds.bytes))
        out.set("standardSha256OfUds_notUsed", .text(standard), requirement)
        if let length = input.registrationIDLength {
            out.checks.append(compare("inputs.registrationIdLength", String(length), String(input.registrationID.utf8.count)))
        }
        let registrationID = try DevKitRegistrationID(input.registrationID)
        let regions: FirmwareRegions
        switch input.firmware {
        case .image(let pattern, let length, let sha256, let mapInput):
            let image = pattern.image(length: length)
            if let sha256 {
                var check = compare("inputs.firmware.sha256 (the rebuilt .bin)", sha256, VectorHex.string(SHA256.hash(data: image)))
                check.harnessFault = !check.passed
                out.checks.append(check)
            }
            let map = try LinkerMap(mapText: mapInput.text)
            if let origin = mapInput.flashOrigin {
                out.checks.append(compare("inputs.map.flashOrigin", address(origin), address(map.flashOrigin)))
            }
            checkAddresses(input.riotCore, map.riotCore, name: "riotCore", into: &out)
            checkAddresses(input.riotFw, map.riotFw, name: "riotFw", into: &out)
            regions = try FirmwareRegions(binary: image, map: map)
            checkRegion(input.riotCore, regions.riotCore, offset: map.riotCore.start - map.flashOrigin, name: "riotCore", into: &out)
            checkRegion(input.riotFw, regions.riotFw, offset: map.riotFw.start - map.flashOrigin, name: "riotFw", into: &out)
        case .regions(let core, let fw):
            regions = try FirmwareRegions(riotCore: core, riotFw: fw)
            checkRegion(input.riotCore, regions.riotCore, offset: nil, name: "riotCore", into: &out)
            checkRegion(input.riotFw, regions.riotFw, offset: nil, name: "riotFw", into: &out)
        }
        let derivation = try DevKitRIoTProfile().derive(DiceInputs(uds: uds, firmware: regions, registrationID: registrationID))
        for value in derivation.namedValues where DiceVectorKind.fields[value.name] != nil {
            let secret = value.isSecret || DiceVectorKind.secretFields.contains(value.name)
            if DiceVectorKind.fields[value.name] == .integer, let number = Int64(value.value) {
                out.set(value.name, .integer(number), requirement, secret: secret)
            } else {
                out.set(value.name, .text(value.value), requirement, secret: secret)
            }
        }
        if let failure = derivation.certificateFailure {
            out.set("error", .refusal([failure.code.rawValue]), requirement)
        } else {
            out.set("error", .accepted, requirement)
        }
        for name in DiceVectorKind.fields.keys where out.fields[name] == nil {
            out.set(name, .notProduced(derivation.certificateFailure.map { "no certificate: \($0.code.rawValue)" } ?? "not derived"),
                    requirement, secret: DiceVectorKind.secretFields.contains(name))
        }
        // The DICE layer's hash is not standard SHA-256 (byte-order quirk); equal values mean the quirk was lost.
        if let digest = derivation.namedValues.value(named: "udsDigest") {
            out.checks.append(AdditionalCheck(requirement: requirement, passed: digest != standard,
                                              expected: "udsDigest differs from the standard SHA-256 of the UDS",
                                              observed: digest == standard ? "they are equal" : "they differ"))
        }
    }

    /// The addresses the map reader found, against those the vector states.
    private static func checkAddresses(_ stated: DiceCase.RegionDescription?, _ range: LinkerMap.ClosedOpenAddressRange,
                                       name: String, into out: inout VectorObservations) {
        guard let stated else { return }
        if let start = stated.startAddress {
            out.checks.append(compare("inputs.\(name).startAddress", address(start), address(range.start)))
        }
        if let end = stated.endAddress {
            out.checks.append(compare("inputs.\(name).endAddress", address(end), address(range.stop)))
        }
    }

    /// The bytes cut out of the image, against the offset, length, hash and bytes the vector states.
    private static func checkRegion(_ stated: DiceCase.RegionDescription?, _ bytes: [UInt8], offset: UInt64?,
                                    name: String, into out: inout VectorObservations) {
        guard let stated else { return }
        if let want = stated.offset, let offset {
            out.checks.append(compare("inputs.\(name).offset", String(want), String(offset)))
        }
        if let want = stated.length {
            out.checks.append(compare("inputs.\(name).length", String(want), String(bytes.count)))
        }
        if let want = stated.sha256 {
            out.checks.append(compare("inputs.\(name).sha256", want, VectorHex.string(SHA256.hash(data: bytes))))
        }
        if let want = stated.hex {
            out.checks.append(compare("inputs.\(name).hex", want, VectorHex.string(bytes)))
        }
    }

    private static func compare(_ name: String, _ expected: String, _ observed: String, secret: Bool = false) -> AdditionalCheck {
        AdditionalCheck(requirement: requirement, passed: expected == observed,
                        expected: "\(name) = \(SecretText.render(expected, field: name, secret: secret))",
                        observed: "\(name) = \(SecretText.render(observed, field: name, secret: secret))")
    }

    private static func address(_ value: UInt64) -> String {
        let hex = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }
}
