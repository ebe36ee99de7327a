import MQTTWire
import Testing

@Suite("The rule catalogue")
struct RuleCatalogueTests {
    @Test("IDs are unique and shaped MQTT-3.1.1-<section>[-<n>]")
    func idShape() {
        let ids = MQTTRule.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        for rule in MQTTRule.all {
            #expect(rule.id.hasPrefix("MQTT-3.1.1-"))
            let number = rule.id.dropFirst("MQTT-3.1.1-".count)
            #expect(number.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" })
            #expect(number.first?.isNumber == true)
            #expect(!rule.statement.isEmpty)
            #expect(!rule.statement.contains("\n"))
        }
    }

    @Test("statement IDs follow the standard's numbering, spot-checked")
    func knownIDs() {
        let ids = Set(MQTTRule.all.map(\.id))
        for expected in ["MQTT-3.1.1-3.1.2-3", "MQTT-3.1.1-2.2.3", "MQTT-3.1.1-1.5.3-1", "MQTT-3.1.1-3.8.3-4",
                         "MQTT-3.1.1-4.7.1-2", "MQTT-3.1.1-3.14.1-1", "MQTT-3.1.1-3.1.2-2"] {
            #expect(ids.contains(expected))
        }
    }

    @Test("every rule in the catalogue has a test that triggers it, and every code is exercised")
    func everyRuleTested() {
        // 1.5.3-3 is a keeping rule, tested by KnownBytesTests.byteOrderMarkKept. The session rules
        // (CONNECT first, a second CONNECT, keepalive) are the fake's: FakeDPSTests' MQTTSessionTests
        // trigger each and read the rule from the recorded close.
        let sessionRules = [MQTTRule.connectFirst, .secondConnect, .keepAliveExpired].map(\.id)
        let tested = Set(malformedCases.map(\.requirementID) + invalidValues.map(\.requirementID) + ["MQTT-3.1.1-1.5.3-3"] + sessionRules)
        let tableIDs = Set(MQTTRule.all.map(\.id))
        #expect(tested.subtracting(["MQTT-3.1.1-4.8.0-2"]) == tableIDs.subtracting(["MQTT-3.1.1-4.8.0-2"]))
        #expect(tableIDs.contains("MQTT-3.1.1-4.8.0-2")) // tested by FrameDecoderTests.oversizeFailsFast

        let codes = Set(malformedCases.map(\.code) + invalidValues.map(\.code) + [.packetTooLarge])
        #expect(codes == Set(MQTTWireError.Code.allCases))
    }
}
