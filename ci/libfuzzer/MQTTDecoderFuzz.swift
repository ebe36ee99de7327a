// libFuzzer entry for MQTTWire's decoder (issue 13, in-process fuzzing). Built by
// ci/libfuzzer.sh into the MQTTWire module itself (swiftc -sanitize=fuzzer,address), never by
// SwiftPM. Property: any bytes either decode or are refused with an MQTTWireError (no trap, no
// sanitizer report), and every decoded packet that encodes decodes back to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func mqttDecoderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var decoder = MQTTFrameDecoder(maximumPacketSize: 65_536)
    guard let packets = try? decoder.feed(bytes) else { return 0 }
    for packet in packets {
        guard let encoded = try? packet.encode() else { continue }
        guard let again = try? MQTTPacket.decode(encoded), again == packet else {
            fatalError("round trip failed for \(packet)")
        }
    }
    return 0
}
