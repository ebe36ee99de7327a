import DPSCore
import DICE

/// A DICE vector's inputs, typed (docs/vectors.md "DICE inputs"). The UDS and registration ID
/// stay text: refusing them is part of what a vector may check.
struct DiceCase: Sendable {
    /// The firmware as dps_cert_gen reads it (`.bin` + `.map`), or the two regions directly.
    enum Firmware: Sendable {
        case image(pattern: FirmwareImagePattern, length: Int, sha256: String?, map: MapInput)
        case regions(riotCore: [UInt8], riotFw: [UInt8])
    }

    struct MapInput: Sendable {
        let flashOrigin: UInt64?
        let text: String
    }

    /// What a vector states about one region; each stated value is recomputed and compared.
    struct RegionDescription: Sendable {
        var offset: Int64?
        var length: Int64?
        var startAddress: UInt64?
        var endAddress: UInt64?
        var sha256: String?
        var hex: String?
    }

    let udsHex: String
    let udsBytesHex: String?
    let registrationID: String
    let registrationIDLength: Int64?
    let firmware: Firmware
    let riotCore: RegionDescription?
    let riotFw: RegionDescription?
}

/// The one DICE kind: the DevKit RIoT derivation, and its expected fields.
enum DiceVectorKind {
    static let kind = "devkit-riot"

    /// Every expected field a `devkit-riot` vector may state, with whether it is an integer.
    static let fields: [String: ExpectedFieldType] = {
        var fields: [String: ExpectedFieldType] = [:]
        for name in ["udsDigest", "riotCoreDigest", "cdi", "deviceIdSeed", "fwid", "aliasSeed", "deviceIdKdfOutput",
                     "aliasKdfOutput", "deviceIdPrivate", "deviceIdPublic", "aliasPrivate", "aliasPublic", "kdfFixedIdentity",
                     "kdfFixedAlias", "standardSha256OfUds_notUsed", "aliasTbsHex", "aliasCertPem", "aliasCertDerSha256",
                     "deviceIdTbsHex", "deviceIdCertPem", "deviceIdCertDerSha256", "deviceIdPublicPem", "aliasKeyPem",
                     "aliasCertSignatureR", "aliasCertSignatureS", "deviceIdCertSignatureR", "deviceIdCertSignatureS",
                     "dpsCertGenPemFile", "error"] {
            fields[name] = .text
        }
        fields["aliasCertDerLength"] = .integer
        fields["deviceIdCertDerLength"] = .integer
        return fields
    }()

    /// Values that let anyone impersonate the device; reports show only their fingerprints.
    static let secretFields: Set<String> = ["udsBytesHex", "udsDigest", "cdi", "deviceIdSeed", "aliasSeed", "deviceIdKdfOutput",
                                            "aliasKdfOutput", "deviceIdPrivate", "aliasPrivate", "aliasKeyPem"]

    static func decode(_ inputs: VectorNode) throws(VectorFileError) -> DiceCase {
        try inputs.refuseUnknownMembers(allowed: ["udsHex", "udsBytesHex", "registrationId", "registrationIdLength", "firmware",
                                                  "map", "riotCore", "riotFw"])
        let core = try inputs.member("riotCore").map { node throws(VectorFileError) in try region(node) }
        let fw = try inputs.member("riotFw").map { node throws(VectorFileError) in try region(node) }
        let firmware: DiceCase.Firmware
        switch (inputs.member("firmware"), inputs.member("map")) {
        case (let image?, let map?):
            firmware = try self.image(image, map: map)
        case (nil, nil):
            // Regions given directly: both need their bytes.
            guard let coreHex = core?.hex, let fwHex = fw?.hex else {
                throw inputs.error(.missingMember, "without firmware and map, riotCore.hex and riotFw.hex are required")
            }
            firmware = .regions(riotCore: VectorHex.bytes(coreHex) ?? [], riotFw: VectorHex.bytes(fwHex) ?? [])
        case (_?, nil):
            throw inputs.error(.missingMember, "firmware needs a map beside it (the .map says where the regions are)")
        case (nil, _?):
            throw inputs.error(.missingMember, "map needs a firmware beside it (the .bin the map describes)")
        }
        return DiceCase(udsHex: try inputs.string("udsHex"), udsBytesHex: try hexString(inputs.member("udsBytesHex")),
                        registrationID: try inputs.string("registrationId"),
                        registrationIDLength: try inputs.member("registrationIdLength")?.integer(in: 0...1_000_000),
                        firmware: firmware, riotCore: core, riotFw: fw)
    }

    private static func image(_ node: VectorNode, map: VectorNode) throws(VectorFileError) -> DiceCase.Firmware {
        try node.refuseUnknownMembers(allowed: ["pattern", "length", "sha256", "byte", "seed", "hex"])
        let length = Int(try node.integer("length", in: 0...Int64(FirmwareImagePattern.maximumLength)))
        let patternNode = try node.require("pattern")
        let pattern: FirmwareImagePattern
        switch try patternNode.string() {
        case "counter": pattern = .counter
        case "fill": pattern = .fill(UInt8(try node.integer("byte", in: 0...255)))
        case "sha256stream": pattern = .sha256Stream(seed: try node.string("seed"))
        case "hex":
            let bytes = try hexBytes(node.require("hex"))
            guard bytes.count == length else {
                throw try node.require("length").error(.invalidValue, "length \(length) differs from the \(bytes.count) bytes of hex")
            }
            pattern = .literal(bytes)
        case let other:
            throw patternNode.error(.invalidValue, "unknown firmware pattern \"\(other)\" (counter, fill, sha256stream, hex)")
        }
        try map.refuseUnknownMembers(allowed: ["flashOrigin", "mapFileText"])
        let origin = try map.member("flashOrigin").map { node throws(VectorFileError) in try address(node) }
        return .image(pattern: pattern, length: length, sha256: try hexString(node.member("sha256")),
                      map: DiceCase.MapInput(flashOrigin: origin, text: try map.string("mapFileText")))
    }

    private static func region(_ node: VectorNode) throws(VectorFileError) -> DiceCase.RegionDescription {
        try node.refuseUnknownMembers(allowed: ["offset", "length", "startAddress", "endAddress", "sha256", "hex"])
        var region = DiceCase.RegionDescription()
        region.offset = try node.member("offset")?.integer(in: 0...Int64(FirmwareImagePattern.maximumLength))
        region.length = try node.member("length")?.integer(in: 0...Int64(FirmwareImagePattern.maximumLength))
        region.startAddress = try node.member("startAddress").map { node throws(VectorFileError) in try address(node) }
        region.endAddress = try node.member("endAddress").map { node throws(VectorFileError) in try address(node) }
        region.sha256 = try hexString(node.member("sha256"))
        if let hex = node.member("hex") {
            _ = try hexBytes(hex)
            region.hex = try hex.string().lowercased()
        }
        return region
    }

    private static func address(_ node: VectorNode) throws(VectorFileError) -> UInt64 {
        guard let value = VectorHex.address(try node.string()) else {
            throw node.error(.invalidValue, "expected a 0x-prefixed hex address")
        }
        return value
    }

    private static func hexBytes(_ node: VectorNode) throws(VectorFileError) -> [UInt8] {
        guard let bytes = VectorHex.bytes(try node.string()) else { throw node.error(.invalidValue, "expected an even number of hex digits") }
        return bytes
    }

    /// A hex string member (compared as lower-case text), or nil when absent.
    private static func hexString(_ node: VectorNode?) throws(VectorFileError) -> String? {
        guard let node else { return nil }
        _ = try hexBytes(node)
        return try node.string().lowercased()
    }

    /// An `error` value must name a DICE refusal this build can observe.
    static func isKnownRefusal(_ name: String) -> Bool { DICEError.Code(rawValue: name) != nil }
}
