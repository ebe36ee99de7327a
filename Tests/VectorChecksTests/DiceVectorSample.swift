import Crypto
import Foundation
@testable import VectorChecks

/// A vector of Vectors/dice/dice-vectors.json read with JSONDecoder, independently of the
/// loader under test, plus the `.bin`/`.map` files dps_cert_gen would be given for it.
struct DiceVectorSample: Decodable, Sendable, CustomStringConvertible {
    let id: String
    let inputs: Inputs
    let expected: [String: Value]

    var description: String { id }

    struct Inputs: Decodable, Sendable {
        let udsHex: String
        let registrationId: String
        let firmware: Firmware
        let map: Map
        let riotCore: Region
        let riotFw: Region
    }

    struct Firmware: Decodable, Sendable {
        let pattern: String
        let length: Int
        let sha256: String
        let byte: Int?
        let seed: String?
        let hex: String?
    }

    struct Map: Decodable, Sendable {
        let mapFileText: String
    }

    struct Region: Decodable, Sendable {
        let offset: Int
        let length: Int
    }

    /// A string or integer expected value.
    enum Value: Decodable, Sendable, Equatable {
        case text(String)
        case number(Int)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) { self = .number(number) } else { self = .text(try container.decode(String.self)) }
        }

        var text: String? {
            if case .text(let text) = self { return text }
            return nil
        }
    }

    func text(_ name: String) -> String? { expected[name]?.text }

    private struct File: Decodable { let vectors: [DiceVectorSample] }

    static let all: [DiceVectorSample] = {
        guard let data = try? Data(contentsOf: diceVectorFile), let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.vectors
    }()

    static func named(_ prefix: String) -> DiceVectorSample? { all.first { $0.id.hasPrefix(prefix) } }

    /// The `.bin` image, rebuilt from the vector's pattern and checked against its SHA-256.
    func image() throws -> [UInt8] {
        let bytes = try FirmwareSynthesis.image(for: inputs.firmware)
        guard hexText(SHA256.hash(data: bytes)) == inputs.firmware.sha256 else { throw FirmwareSynthesis.Mismatch(id: id) }
        return bytes
    }

    /// riot_core and riot_fw as cut by offset and length (the vector's own statement).
    func regions() throws -> (core: [UInt8], fw: [UInt8]) {
        let bytes = try image()
        return (Array(bytes[inputs.riotCore.offset..<(inputs.riotCore.offset + inputs.riotCore.length)]),
                Array(bytes[inputs.riotFw.offset..<(inputs.riotFw.offset + inputs.riotFw.length)]))
    }

    /// Writes `<id>.ino.bin` and `<id>.ino.map` into `directory`.
    func writeFirmware(into directory: ScratchDirectory) throws -> (bin: URL, map: URL) {
        (try directory.write("\(id).ino.bin", try image()), try directory.write("\(id).ino.map", inputs.map.mapFileText))
    }
}

/// A vector's `.bin` image, built by the module's own pattern reader; the SHA-256 the vector
/// states is checked, so a wrong synthesis cannot pass unnoticed.
enum FirmwareSynthesis {
    struct UnknownPattern: Error { let pattern: String }
    struct Mismatch: Error { let id: String }

    static func image(for firmware: DiceVectorSample.Firmware) throws -> [UInt8] {
        let pattern: FirmwareImagePattern
        switch firmware.pattern {
        case "counter": pattern = .counter
        case "fill": pattern = .fill(UInt8(truncatingIfNeeded: firmware.byte ?? 0))
        case "sha256stream": pattern = .sha256Stream(seed: firmware.seed ?? "")
        case "hex": pattern = .literal(hexBytes(firmware.hex ?? ""))
        default: throw UnknownPattern(pattern: firmware.pattern)
        }
        return pattern.image(length: firmware.length)
    }
}

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

func hexText(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}
