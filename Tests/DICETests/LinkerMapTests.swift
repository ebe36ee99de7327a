import Foundation
import Testing
@testable import DICE

@Suite("Linker map reader (dps_cert_gen findAddressInMapFile)")
struct LinkerMapTests {
    static func map(origin: String = "0x0800c000", coreStart: String = "0x0800c010", coreStop: String = "0x0800c020",
                    fwStart: String = "0x0800c020", fwStop: String = "0x0800c030", newline: String = "\n") -> String {
        [
            "Memory Configuration", "",
            "Name             Origin             Length             Attributes",
            "FLASH            \(origin)         0x000f4000         xr",
            "RAM              0x200001c4         0x0003fe3c         xrw", "",
            "                \(coreStart)                        __start_riot_core = .",
            " *(.riot_core)",
            "                \(coreStop)                        __stop_riot_core = .",
            "                \(fwStart)                        __start_riot_fw = .",
            " *(.riot_fw)",
            "                \(fwStop)                        __stop_riot_fw = .", "",
        ].joined(separator: newline)
    }

    static let image: [UInt8] = (0..<256).map { UInt8($0) }

    static func code(_ body: () throws -> Void) -> DICEError.Code? {
        do { try body(); return nil } catch let error as DICEError { return error.code } catch { return nil }
    }

    @Test("addresses and regions are read as the tool reads them")
    func readsRegions() throws {
        let map = try LinkerMap(mapText: Self.map())
        #expect(map.flashOrigin == 0x0800_c000)
        #expect(map.riotCore == .init(start: 0x0800_c010, stop: 0x0800_c020))
        #expect(map.riotFw == .init(start: 0x0800_c020, stop: 0x0800_c030))
        let regions = try FirmwareRegions(binary: Self.image, map: map)
        #expect(regions.riotCore == Array(0x10..<0x20))
        #expect(regions.riotFw == Array(0x20..<0x30))
    }

    @Test("CRLF line endings read the same")
    func crlf() throws {
        #expect(try LinkerMap(mapText: Self.map(newline: "\r\n")) == LinkerMap(mapText: Self.map()))
    }

    @Test("every vector map with CRLF gives the vector's regions", arguments: DiceVectorFile.all)
    func vectorMapsWithCRLF(_ vector: DiceVector) throws {
        let text = vector.inputs.map.mapFileText.replacingOccurrences(of: "\n", with: "\r\n")
        let image = try FirmwareImageSynthesis.image(for: vector.inputs.firmware)
        let regions = try FirmwareRegions(binary: image, mapFile: Array(text.utf8))
        #expect(regions.riotCore.count == vector.inputs.riotCore.length)
        #expect(regions.riotFw.count == vector.inputs.riotFw.length)
    }

    @Test("the last matching line wins")
    func lastLineWins() throws {
        let text = Self.map() + "                0x0800c018                        __stop_riot_core = .\n"
        #expect(try LinkerMap(mapText: text).riotCore.stop == 0x0800_c018)
    }

    @Test("a line without 0x does not count, and strtoul stops at the first non-hex byte")
    func strtoulSemantics() throws {
        let text = Self.map(coreStart: "0x0800c010zz") + "__start_riot_core = . (no address here)\n"
        #expect(try LinkerMap(mapText: text).riotCore.start == 0x0800_c010)
    }

    @Test("lines are read in 127-byte fgets chunks")
    func fgetsChunks() throws {
        // The symbol lands in the second chunk of a long line, whose first 0x is in that chunk.
        let padding = String(repeating: " ", count: 130)
        let text = Self.map() + padding + "0x0800c011 __start_riot_core = .\n"
        #expect(try LinkerMap(mapText: text).riotCore.start == 0x0800_c011)
        // A symbol split across two chunks is not found there (the earlier line still counts).
        let split = String(repeating: " ", count: 110) + "0x0800c012 __start_riot_core = .\n"
        #expect(try LinkerMap(mapText: Self.map() + split).riotCore.start == 0x0800_c010)
    }

    @Test("a missing symbol is an error", arguments: LinkerMap.Symbol.allCases)
    func missingSymbol(_ symbol: LinkerMap.Symbol) {
        let text = Self.map().split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains(symbol.rawValue) }.joined(separator: "\n")
        #expect(Self.code { _ = try LinkerMap(mapText: text) } == .mapSymbolMissing)
    }

    @Test("an empty file is an error")
    func emptyFile() {
        #expect(Self.code { _ = try LinkerMap(mapFile: []) } == .mapSymbolMissing)
        #expect(Self.code { _ = try FirmwareRegions(binary: Self.image, mapFile: []) } == .mapSymbolMissing)
    }

    @Test("garbage, zero or overflowing addresses are errors",
          arguments: ["0xZZZZ", "0x", "0x00000000", "0x1234567890abcdef01"])
    func garbageAddress(_ address: String) {
        #expect(Self.code { _ = try LinkerMap(mapText: Self.map(fwStop: address)) } == .mapAddressUnparsable)
    }

    @Test("stop before start is an error")
    func stopBeforeStart() {
        #expect(Self.code { _ = try LinkerMap(mapText: Self.map(coreStart: "0x0800c020", coreStop: "0x0800c010")) }
            == .regionStopBeforeStart)
    }

    @Test("regions outside the binary are errors", arguments: [
        (core: "0x0800b000", stop: "0x0800c010"),  // before the FLASH origin
        (core: "0x0800c0f8", stop: "0x0800c108"),  // runs past the 256-byte image
        (core: "0x0900c000", stop: "0x0900c010"),  // far beyond it
    ])
    func outsideBinary(_ region: (core: String, stop: String)) throws {
        let map = try LinkerMap(mapText: Self.map(coreStart: region.core, coreStop: region.stop))
        #expect(Self.code { _ = try FirmwareRegions(binary: Self.image, map: map) } == .regionOutsideBinary)
    }

    @Test("riot_core under 8 bytes from the map is an error")
    func shortCoreFromMap() {
        #expect(Self.code { _ = try FirmwareRegions(binary: Self.image, mapFile: Array(Self.map(coreStop: "0x0800c017").utf8)) }
            == .riotCoreTooShort)
    }

    @Test("an empty riot_fw at the end of the image is fine")
    func emptyFirmwareRegion() throws {
        let regions = try FirmwareRegions(binary: Self.image, mapFile: Array(Self.map(
            coreStart: "0x0800c0f0", coreStop: "0x0800c100", fwStart: "0x0800c100", fwStop: "0x0800c100").utf8))
        #expect(regions.riotFw.isEmpty)
        #expect(regions.riotCore.count == 16)
    }
}
