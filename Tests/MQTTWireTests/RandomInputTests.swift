import MQTTWire
import Testing

/// What one input did to the one-shot decoder.
private enum Outcome {
    case packet(MQTTPacket)
    case error(MQTTWireError)
}

private func decodeOutcome(_ input: [UInt8]) -> Outcome {
    do throws(MQTTWireError) {
        return .packet(try MQTTPacket.decode(input))
    } catch {
        return .error(error)
    }
}

/// Valid packets to mutate, so random inputs reach deep into the decoder, not just byte 1.
private let seeds: [[UInt8]] = knownPackets.map(\.bytes) + malformedCases.map(\.bytes)

@Suite("Seeded random inputs never trap and always terminate")
struct RandomInputTests {
    @Test("20,000 random and mutated inputs: one-shot and streaming decoders agree", .timeLimit(.minutes(2)))
    func smoke() throws {
        var generator = SeededGenerator(seed: 0x00C0_FFEE)
        var decodedCount = 0
        var codes: Set<MQTTWireError.Code> = []
        for round in 0..<20_000 {
            let input = round.isMultiple(of: 2) ? randomBytes(&generator) : mutated(&generator)
            switch decodeOutcome(input) {
            case .packet(let packet):
                decodedCount += 1
                try checkCanonical(packet, from: input)
                var decoder = MQTTFrameDecoder(maximumPacketSize: 1 << 20)
                let streamed = try randomChunks(input, maxChunk: 8, using: &generator).flatMap { try decoder.feed($0) }
                #expect(streamed == [packet])
                #expect(decoder.bufferedByteCount == 0)
            case .error(let error):
                codes.insert(error.code)
                #expect(MQTTRule.all.contains(error.rule))
                guard error.code != .incompletePacket, error.code != .bytesAfterPacket else { continue }
                // The stream decoder must refuse the same first packet for the same reason.
                var decoder = MQTTFrameDecoder(maximumPacketSize: 1 << 20)
                for chunk in randomChunks(input, maxChunk: 8, using: &generator) {
                    decoder.append(chunk)
                    while decoder.failure == nil, (try? decoder.nextPacket()) != nil {}
                }
                #expect(decoder.failure?.code == error.code)
            }
        }
        // The generator must reach both outcomes for the smoke test to mean anything.
        #expect(decodedCount > 200)
        #expect(codes.count > 20)
    }

    @Test("a stream of random bytes is refused or waited on, never trapped on", .timeLimit(.minutes(1)))
    func randomStreams() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<500 {
            var decoder = MQTTFrameDecoder()
            for chunk in randomChunks(generator.bytes(count: 2_000), maxChunk: 100, using: &generator) {
                do throws(MQTTWireError) {
                    _ = try decoder.feed(chunk)
                } catch {
                    #expect(decoder.failure == error)
                    break
                }
            }
            #expect(decoder.bufferedByteCount <= MQTTFrameDecoder.defaultMaximumPacketSize)
        }
    }

    private func randomBytes(_ g: inout SeededGenerator) -> [UInt8] {
        var input = g.bytes(count: Int.random(in: 0...48, using: &g))
        // Keep the Remaining Length plausible half the time so bodies get parsed.
        if input.count >= 2, Bool.random(using: &g) { input[1] = UInt8(input.count - 2) }
        return input
    }

    private func mutated(_ g: inout SeededGenerator) -> [UInt8] {
        var input = seeds.randomElement(using: &g) ?? [0xC0, 0x00]
        for _ in 0..<Int.random(in: 1...3, using: &g) {
            switch Int.random(in: 0..<6, using: &g) {
            case 0 where !input.isEmpty: // flip one bit
                let index = Int.random(in: 0..<input.count, using: &g)
                input[index] ^= 1 << UInt8.random(in: 0...7, using: &g)
            case 1 where !input.isEmpty: // replace a byte
                input[Int.random(in: 0..<input.count, using: &g)] = UInt8.random(in: 0...255, using: &g)
            case 2 where !input.isEmpty: // cut the tail
                input.removeLast(Int.random(in: 1...input.count, using: &g))
            case 3: // insert a byte
                input.insert(UInt8.random(in: 0...255, using: &g), at: Int.random(in: 0...input.count, using: &g))
            case 4 where input.count >= 2: // fix up the Remaining Length after edits
                input[1] = UInt8(truncatingIfNeeded: input.count - 2)
            default: // vary the flags nibble
                if !input.isEmpty { input[0] = input[0] & 0xF0 | UInt8.random(in: 0...15, using: &g) }
            }
        }
        return input
    }

    /// A decoded packet re-encodes to the same bytes, except that the input may have used a
    /// longer Remaining Length form than the shortest one the encoder writes.
    private func checkCanonical(_ packet: MQTTPacket, from input: [UInt8]) throws {
        let encoded = try packet.encode()
        #expect(try MQTTPacket.decode(encoded) == packet)
        #expect(encoded.first == input.first)
        #expect(Array(encoded.suffix(from: headerLength(encoded))) == Array(input.suffix(from: headerLength(input))))
    }

    private func headerLength(_ packet: [UInt8]) -> Int {
        var index = 1
        while index < packet.count, packet[index] & 0x80 != 0 { index += 1 }
        return index + 1
    }
}
