/// The addresses dps_cert_gen reads from a GNU ld `.map` file (dps_cert_gen, microsoft/devkit-sdk AZ3166/tools/dice_device_enrollment).
///
/// The reading copies `findAddressInMapFile` of the tool: the file is read in `fgets` chunks of at
/// most 127 bytes; among the chunks that contain both the search string and `0x`, the last one
/// wins, and its address is parsed with `strtoul(…, 16)` starting at its first `0x`.
public struct LinkerMap: Sendable, Hashable {
    /// Search strings of the tool (TOOL `flashStartname`, `startRiotCoreName`, …).
    public enum Symbol: String, Sendable, CaseIterable {
        /// The *Memory Configuration* line of the FLASH region (FLASH plus 12 spaces).
        case flashOrigin = "FLASH            0x"
        case startRiotCore = "__start_riot_core = ."
        case stopRiotCore = "__stop_riot_core = ."
        case startRiotFw = "__start_riot_fw = ."
        case stopRiotFw = "__stop_riot_fw = ."
    }

    /// Origin of FLASH: the `.bin` starts at this address.
    public let flashOrigin: UInt64
    /// `__start_riot_core` .. `__stop_riot_core`.
    public let riotCore: ClosedOpenAddressRange
    /// `__start_riot_fw` .. `__stop_riot_fw`.
    public let riotFw: ClosedOpenAddressRange

    /// An address range `[start, stop)` as the linker symbols give it.
    public struct ClosedOpenAddressRange: Sendable, Hashable {
        public let start: UInt64
        public let stop: UInt64
    }

    /// `fgets(str, 128, …)` reads at most 127 bytes per call.
    static let chunkLimit = 127

    /// Reads the five addresses from the map file's bytes (any line endings).
    public init(mapFile bytes: [UInt8]) throws(DICEError) {
        let chunks = Self.fgetsChunks(bytes)
        flashOrigin = try Self.address(of: .flashOrigin, in: chunks)
        let coreStart = try Self.address(of: .startRiotCore, in: chunks)
        let coreStop = try Self.address(of: .stopRiotCore, in: chunks)
        let fwStart = try Self.address(of: .startRiotFw, in: chunks)
        let fwStop = try Self.address(of: .stopRiotFw, in: chunks)
        riotCore = try Self.range(coreStart, coreStop, name: "riot_core")
        riotFw = try Self.range(fwStart, fwStop, name: "riot_fw")
    }

    /// Reads the map file from text.
    public init(mapText: String) throws(DICEError) {
        try self.init(mapFile: Array(mapText.utf8))
    }

    private static func range(_ start: UInt64, _ stop: UInt64, name: String) throws(DICEError) -> ClosedOpenAddressRange {
        guard stop >= start else {
            throw DICEError(.regionStopBeforeStart,
                            "\(name): stop address 0x\(String(stop, radix: 16)) is before start 0x\(String(start, radix: 16))")
        }
        return ClosedOpenAddressRange(start: start, stop: stop)
    }

    /// Splits like repeated `fgets` with a 128-byte buffer: after each newline, or after 127 bytes.
    static func fgetsChunks(_ bytes: [UInt8]) -> [(line: Int, bytes: ArraySlice<UInt8>)] {
        var chunks: [(line: Int, bytes: ArraySlice<UInt8>)] = []
        var line = 1
        var start = 0
        var i = 0
        while i < bytes.count {
            let isNewline = bytes[i] == UInt8(ascii: "\n")
            if isNewline || i - start + 1 == chunkLimit {
                chunks.append((line, bytes[start...i]))
                start = i + 1
                if isNewline { line += 1 }
            }
            i += 1
        }
        if start < bytes.count { chunks.append((line, bytes[start...])) }
        return chunks
    }

    /// The tool's `findAddressInMapFile`: last matching chunk, parsed from its first `0x`.
    static func address(of symbol: Symbol, in chunks: [(line: Int, bytes: ArraySlice<UInt8>)]) throws(DICEError) -> UInt64 {
        let needle = Array(symbol.rawValue.utf8)
        let hexPrefix: [UInt8] = [UInt8(ascii: "0"), UInt8(ascii: "x")]
        // fgets/strstr stop at a NUL byte, so only the bytes before one are searched.
        var last: (line: Int, text: ArraySlice<UInt8>, at: Int)?
        for chunk in chunks {
            let text = chunk.bytes.prefix { $0 != 0 }
            guard firstIndex(of: needle, in: text) != nil, let at = firstIndex(of: hexPrefix, in: text) else { continue }
            last = (chunk.line, text, at)
        }
        guard let match = last else {
            throw DICEError(.mapSymbolMissing, "map file has no line containing '\(symbol.rawValue)' and '0x'")
        }
        // strtoul(base 16) skips the 0x prefix and reads hex digits until the first other byte.
        var value: UInt64 = 0
        var digits = 0
        var index = match.at + 2
        while index < match.text.endIndex, let d = hexDigitValue(match.text[index]) {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 16)
            guard !overflow else {
                throw DICEError(.mapAddressUnparsable, "map line \(match.line): address for '\(symbol.rawValue)' overflows")
            }
            value = shifted | UInt64(d)
            digits += 1
            index += 1
        }
        // The tool treats a result of 0 as "no matching keyword"; no digits also parses as 0.
        guard digits > 0, value != 0 else {
            throw DICEError(.mapAddressUnparsable,
                            "map line \(match.line): no non-zero hex address after '0x' for '\(symbol.rawValue)'")
        }
        return value
    }

    private static func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var i = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while i <= last {
            if haystack[i] == needle[0] {
                var j = 1
                while j < needle.count, haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
