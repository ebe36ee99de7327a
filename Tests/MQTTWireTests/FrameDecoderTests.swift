import MQTTWire
import Testing

/// A DPS-like conversation as one byte stream, made from the known-answer packets.
private let streamPackets: [MQTTPacket] = knownPackets.map(\.packet) + roundTripPackets
private func stream() throws -> [UInt8] {
    var bytes: [UInt8] = []
    for packet in streamPackets { bytes += try packet.encode() }
    return bytes
}

private func feedError(_ decoder: inout MQTTFrameDecoder, _ input: [UInt8]) -> MQTTWireError? {
    do throws(MQTTWireError) {
        _ = try decoder.feed(input)
        return nil
    } catch {
        return error
    }
}

@Suite("Streaming frame decoder")
struct FrameDecoderTests {
    @Test("fed one byte at a time, it returns every packet in order")
    func byteByByte() throws {
        var decoder = MQTTFrameDecoder()
        var packets: [MQTTPacket] = []
        for byte in try stream() {
            packets += try decoder.feed([byte])
        }
        #expect(packets == streamPackets)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("fed in seeded random chunks, it returns every packet in order", arguments: [UInt64(1), 2, 3, 42, 0xDEAD_BEEF])
    func randomSplits(seed: UInt64) throws {
        let input = try stream()
        var generator = SeededGenerator(seed: seed)
        for maxChunk in [2, 7, 64, 1500, input.count] {
            var decoder = MQTTFrameDecoder()
            var packets: [MQTTPacket] = []
            for chunk in randomChunks(input, maxChunk: maxChunk, using: &generator) {
                packets += try decoder.feed(chunk)
            }
            #expect(packets == streamPackets)
        }
    }

    @Test("the whole stream in one chunk")
    func oneChunk() throws {
        var decoder = MQTTFrameDecoder()
        #expect(try decoder.feed(try stream()) == streamPackets)
    }

    @Test("append and nextPacket: nil while a packet is partial, the packet once complete")
    func waitsForMore() throws {
        var decoder = MQTTFrameDecoder()
        decoder.append([0x30, 0x07, 0x00, 0x03, 0x61])
        #expect(try decoder.nextPacket() == nil)
        #expect(decoder.bufferedByteCount == 5)
        decoder.append([0x2F, 0x62, 0x68, 0x69, 0xC0])
        #expect(try decoder.nextPacket() == .publish(MQTTPublish(topicName: "a/b", payload: ascii("hi"))))
        #expect(try decoder.nextPacket() == nil)
        #expect(decoder.bufferedByteCount == 1)
        decoder.append([0x00])
        #expect(try decoder.nextPacket() == .pingReq)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("a truncated stream yields the complete packets and keeps waiting on the rest")
    func truncatedStream() throws {
        let last = MQTTPacket.publish(MQTTPublish(topicName: "t", payload: Array(repeating: 7, count: 1000)))
        let input = try stream() + last.encode()
        var decoder = MQTTFrameDecoder()
        #expect(try decoder.feed(input.dropLast(3)) == streamPackets)
        #expect(decoder.bufferedByteCount == 1 + 2 + 1003 - 3) // header 1 + 2 length bytes, content 1003
        #expect(decoder.failure == nil)
        #expect(try decoder.feed(input.suffix(3)) == [last])
    }

    @Test("a declared 300,000-byte packet fails after 4 bytes against the 256 KiB default [MQTT-3.1.1-4.8.0-2]")
    func oversizeFailsFast() throws {
        var decoder = MQTTFrameDecoder()
        #expect(decoder.maximumPacketSize == 262_144)
        // 300,000 = 0x60 + 0x27 * 128 + 0x12 * 16384.
        let error = try #require(feedError(&decoder, [0x30, 0xE0, 0xA7, 0x12]))
        #expect(error.code == .packetTooLarge)
        #expect(error.requirementID == "MQTT-3.1.1-4.8.0-2")
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("a declared 268,435,455-byte packet fails without buffering")
    func largestDeclaredLength() throws {
        var decoder = MQTTFrameDecoder(maximumPacketSize: 1_000_000)
        let error = try #require(feedError(&decoder, [0x30, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x01]))
        #expect(error.code == .packetTooLarge)
        decoder.append(Array(repeating: 0, count: 10_000))
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("the limit counts the whole packet: exactly the maximum passes, one byte more fails")
    func limitIsInclusive() throws {
        // Fixed header 4 bytes (Remaining Length >= 16384 takes 3) + 262,140 = 262,144.
        let fits = MQTTPacket.publish(MQTTPublish(topicName: "t", payload: Array(repeating: 1, count: 262_137)))
        var decoder = MQTTFrameDecoder()
        #expect(try decoder.feed(try fits.encode()) == [fits])

        let over = MQTTPacket.publish(MQTTPublish(topicName: "t", payload: Array(repeating: 1, count: 262_138)))
        var other = MQTTFrameDecoder()
        let error = try #require(feedError(&other, try over.encode()))
        #expect(error.code == .packetTooLarge)
    }

    @Test("a configured smaller limit applies, and silly limits are clamped")
    func configuredLimit() throws {
        var decoder = MQTTFrameDecoder(maximumPacketSize: 10)
        #expect(try decoder.feed([0xC0, 0x00]) == [.pingReq])
        let error = try #require(feedError(&decoder, [0x30, 0x09]))
        #expect(error.code == .packetTooLarge)
        #expect(MQTTFrameDecoder(maximumPacketSize: -5).maximumPacketSize == 2)
        #expect(MQTTFrameDecoder(maximumPacketSize: .max).maximumPacketSize == 268_435_460)
    }

    @Test("a 5-byte Remaining Length fails as soon as the fourth length byte continues")
    func fiveByteRemainingLength() throws {
        var decoder = MQTTFrameDecoder()
        #expect(try decoder.feed([0x30, 0x80, 0x80, 0x80]).isEmpty)
        let error = try #require(feedError(&decoder, [0x80]))
        #expect(error.code == .malformedRemainingLength)
        #expect(error.requirementID == "MQTT-3.1.1-2.2.3")
    }

    @Test("after an error it stays failed and drops further bytes")
    func staysFailed() throws {
        var decoder = MQTTFrameDecoder()
        let first = try #require(feedError(&decoder, [0xF0, 0x00]))
        #expect(first.code == .reservedPacketType)
        #expect(decoder.failure == first)
        let again = try #require(feedError(&decoder, [0xC0, 0x00]))
        #expect(again == first)
        #expect(decoder.bufferedByteCount == 0)
        #expect(throws: first) { try decoder.nextPacket() }
    }

    @Test("packets before a bad one are delivered first; the error comes on the next call")
    func goodPacketsBeforeError() throws {
        var decoder = MQTTFrameDecoder()
        let packets = try decoder.feed([0xC0, 0x00, 0xD0, 0x00, 0xC0, 0x01, 0x00, 0xE0, 0x00])
        #expect(packets == [.pingReq, .pingResp])
        let error = try #require(decoder.failure)
        #expect(error.code == .invalidRemainingLength)
        #expect(error.requirementID == "MQTT-3.1.1-3.12.1")
        #expect(throws: error) { try decoder.feed([]) }
    }

    @Test("a long stream of small packets keeps the buffer small")
    func bufferCompacts() throws {
        var decoder = MQTTFrameDecoder()
        let ping: [UInt8] = [0xC0, 0x00]
        var count = 0
        for _ in 0..<20_000 {
            count += try decoder.feed(ping + [0xC0]).count
            count += try decoder.feed([0x00]).count
        }
        #expect(count == 40_000)
        #expect(decoder.bufferedByteCount == 0)
    }
}
