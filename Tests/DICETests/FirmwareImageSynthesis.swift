import Crypto

/// Builds a vector's `.bin` image from its `firmwarePatterns` description.
enum FirmwareImageSynthesis {
    struct UnknownPattern: Error { let pattern: String }

    static func image(for firmware: DiceVector.Firmware) throws -> [UInt8] {
        switch firmware.pattern {
        case "counter":
            // byte[i] = i mod 256
            return (0..<firmware.length).map { UInt8(truncatingIfNeeded: $0) }
        case "fill":
            return [UInt8](repeating: UInt8(truncatingIfNeeded: firmware.byte ?? 0), count: firmware.length)
        case "sha256stream":
            // concatenate SHA-256(seed_ascii || uint32_be(j)) for j = 0, 1, … and truncate
            let seed = Array((firmware.seed ?? "").utf8)
            var out: [UInt8] = []
            out.reserveCapacity(firmware.length + 32)
            var j: UInt32 = 0
            while out.count < firmware.length {
                let counter: [UInt8] = [UInt8(j >> 24), UInt8(truncatingIfNeeded: j >> 16),
                                        UInt8(truncatingIfNeeded: j >> 8), UInt8(truncatingIfNeeded: j)]
                out.append(contentsOf: SHA256.hash(data: seed + counter))
                j += 1
            }
            return Array(out.prefix(firmware.length))
        case "hex":
            return hexBytes(firmware.hex ?? "")
        default:
            throw UnknownPattern(pattern: firmware.pattern)
        }
    }
}

/// Test-side hex decoding (independent of the module's own).
func hexBytes(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var pending: UInt8?
    for c in text.utf8 {
        let v: UInt8
        switch c {
        case 48...57: v = c - 48
        case 97...102: v = c - 87
        case 65...70: v = c - 55
        default: continue
        }
        if let hi = pending { out.append(hi << 4 | v); pending = nil } else { pending = v }
    }
    return out
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}
