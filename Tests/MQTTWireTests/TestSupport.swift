import MQTTWire

/// The UTF-8 bytes of `text`, for writing packets out by hand.
func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Joins hand-written pieces of a packet (variadic, to spare the type checker long `+` chains).
func bytes(_ parts: [UInt8]...) -> [UInt8] { parts.flatMap { $0 } }

/// The error decoding `input` in one shot throws, or nil if it decodes.
func decodeError(_ input: [UInt8]) -> MQTTWireError? {
    do throws(MQTTWireError) {
        _ = try MQTTPacket.decode(input)
        return nil
    } catch {
        return error
    }
}

/// The error encoding `packet` throws, or nil if it encodes.
func encodeError(_ packet: MQTTPacket) -> MQTTWireError? {
    do throws(MQTTWireError) {
        _ = try packet.encode()
        return nil
    } catch {
        return error
    }
}

/// SplitMix64: a small seeded generator so every random test is repeatable.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// Splits `input` into chunks of random sizes (1...maxChunk).
func randomChunks(_ input: [UInt8], maxChunk: Int, using generator: inout SeededGenerator) -> [[UInt8]] {
    var chunks: [[UInt8]] = []
    var index = 0
    while index < input.count {
        let size = Int.random(in: 1...maxChunk, using: &generator)
        let end = min(index + size, input.count)
        chunks.append(Array(input[index..<end]))
        index = end
    }
    return chunks
}
