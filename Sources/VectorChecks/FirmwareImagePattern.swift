import DPSCore
import Crypto
import DICE

/// How a DICE vector describes its `.bin` image instead of shipping megabytes
/// (the file's `firmwarePatterns`, docs/vectors.md "DICE inputs").
enum FirmwareImagePattern: Sendable, Hashable {
    /// byte[i] = i mod 256.
    case counter
    /// Every byte the same.
    case fill(UInt8)
    /// SHA-256(seed || uint32_be(j)) for j = 0, 1, … concatenated and cut to length.
    case sha256Stream(seed: String)
    /// The bytes themselves.
    case literal([UInt8])

    /// A DevKit's flash is 1 MiB; the bound only keeps a hostile file from exhausting memory.
    static let maximumLength = 16 * 1024 * 1024

    /// The image of `length` bytes.
    func image(length: Int) -> [UInt8] {
        switch self {
        case .counter:
            return (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        case .fill(let byte):
            return [UInt8](repeating: byte, count: length)
        case .sha256Stream(let seed):
            let seedBytes = Array(seed.utf8)
            var out: [UInt8] = []
            out.reserveCapacity(length + 32)
            var counter: UInt32 = 0
            while out.count < length {
                let suffix: [UInt8] = [UInt8(truncatingIfNeeded: counter >> 24), UInt8(truncatingIfNeeded: counter >> 16),
                                       UInt8(truncatingIfNeeded: counter >> 8), UInt8(truncatingIfNeeded: counter)]
                out.append(contentsOf: SHA256.hash(data: seedBytes + suffix))
                counter &+= 1
            }
            return Array(out.prefix(length))
        case .literal(let bytes):
            return bytes
        }
    }
}

/// Lower-case hex, the form every DICE vector uses.
enum VectorHex {
    static func string(_ bytes: some Sequence<UInt8>) -> String {
        Hex.string(Array(bytes))
    }

    /// Bytes of an even-length hex string (either case), or nil.
    static func bytes(_ text: String) -> [UInt8]? {
        Hex.bytes(text)
    }

    /// `0x`-prefixed hex address, e.g. `0x0800c000`.
    static func address(_ text: String) -> UInt64? {
        guard text.hasPrefix("0x") || text.hasPrefix("0X") else { return nil }
        let digits = text.dropFirst(2)
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        return UInt64(digits, radix: 16)
    }
}
