/// The two firmware regions the DevKit measures (dps_cert_gen, microsoft/devkit-sdk AZ3166/tools/dice_device_enrollment): riot_core, hashed by
/// DICE into the CDI, and riot_fw, hashed by RIoT into the FWID. Nothing else is measured.
public struct FirmwareRegions: Sendable, Hashable {
    /// Bytes of the `.riot_core` section (RiotStart and RIoTGet*).
    public let riotCore: [UInt8]
    /// Bytes of the `.riot_fw` section (DevkitDPSClientStart); may be empty.
    public let riotFw: [UInt8]

    /// DICE refuses to measure fewer than 8 bytes (`_DiceMeasure`).
    public static let minimumRiotCoreLength = 8

    /// Takes the two regions directly.
    public init(riotCore: [UInt8], riotFw: [UInt8]) throws(DICEError) {
        guard riotCore.count >= Self.minimumRiotCoreLength else {
            throw DICEError(.riotCoreTooShort,
                            "riot_core is \(riotCore.count) bytes; DICE needs at least \(Self.minimumRiotCoreLength)")
        }
        self.riotCore = riotCore
        self.riotFw = riotFw
    }

    /// Cuts the regions out of a `.bin` image the way dps_cert_gen does:
    /// offset = address − FLASH origin, length = stop − start (TOOL `getBinFileWithName`).
    public init(binary: [UInt8], map: LinkerMap) throws(DICEError) {
        let core = try Self.slice(binary, map.riotCore, origin: map.flashOrigin, name: "riot_core")
        let fw = try Self.slice(binary, map.riotFw, origin: map.flashOrigin, name: "riot_fw")
        try self.init(riotCore: core, riotFw: fw)
    }

    /// Reads the map's bytes, then cuts the regions out of `binary`.
    public init(binary: [UInt8], mapFile: [UInt8]) throws(DICEError) {
        try self.init(binary: binary, map: LinkerMap(mapFile: mapFile))
    }

    private static func slice(_ binary: [UInt8], _ range: LinkerMap.ClosedOpenAddressRange,
                              origin: UInt64, name: String) throws(DICEError) -> [UInt8] {
        let hexStart = "0x" + String(range.start, radix: 16)
        guard range.start >= origin else {
            throw DICEError(.regionOutsideBinary,
                            "\(name) starts at \(hexStart), before the FLASH origin 0x\(String(origin, radix: 16))")
        }
        let offset = range.start - origin
        let length = range.stop - range.start
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard !overflow, end <= UInt64(binary.count) else {
            throw DICEError(.regionOutsideBinary,
                            "\(name) at file offset \(offset) with length \(length) ends past the \(binary.count)-byte binary")
        }
        return Array(binary[Int(offset)..<Int(end)])
    }
}
