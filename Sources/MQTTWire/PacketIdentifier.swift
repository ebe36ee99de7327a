/// The 16-bit packet identifier that ties an acknowledgement to what it answers (section 2.3.1).
/// Wherever this codec reads or writes one it must be non-zero; `rule` says why in that packet:
/// [MQTT-2.3.1-1] for SUBSCRIBE, UNSUBSCRIBE and PUBLISH, [MQTT-2.3.1-6] and [MQTT-2.3.1-7] for
/// the acknowledgements, which echo an identifier that was non-zero.
func readPacketIdentifier(_ reader: inout PacketReader, rule: MQTTRule) throws(MQTTWireError) -> UInt16 {
    let offset = reader.offset
    let identifier = try reader.readUInt16("Packet Identifier", missing: rule)
    guard identifier != 0 else {
        throw MQTTWireError(.zeroPacketIdentifier, rule, "\(reader.packetName) has Packet Identifier 0 at offset \(offset)")
    }
    return identifier
}

func writePacketIdentifier(
    _ identifier: UInt16, into writer: inout PacketWriter, rule: MQTTRule
) throws(MQTTWireError) {
    guard identifier != 0 else {
        throw MQTTWireError(.zeroPacketIdentifier, rule, "\(writer.packetName) has Packet Identifier 0")
    }
    writer.uint16(identifier)
}
