import DPSCore
import Foundation
@testable import Fuzzing
import MQTTWire
import XCTest

/// The mqtt target: deterministic cases, and every malformation refused by the fake with a
/// recorded reason while a well-behaved device still provisions.
final class MQTTPacketFuzzTests: XCTestCase {
    func testCasesRepeatForTheSameSeed() {
        let first = (0..<200).map { MQTTPacketCase.make(seed: 3, index: $0).canonicalBytes }
        XCTAssertEqual(first, (0..<200).map { MQTTPacketCase.make(seed: 3, index: $0).canonicalBytes })
        XCTAssertEqual(Set((0..<400).map { MQTTPacketCase.make(seed: 3, index: $0).malformation }), Set(MQTTPacketCase.Malformation.allCases))
    }

    /// The session ends at DISCONNECT and a register with its own `$rid` follows; the oracle
    /// finds an answer to that `$rid`, and only to it, among the service's PUBLISHes.
    func testPacketsAfterDisconnectAndTheAnswerTheOracleLooksFor() throws {
        let fuzzCase = MQTTPacketCase(index: 0, malformation: .packetsAfterDisconnect, registrationID: "mqtt-fuzz-after")
        let bytes = fuzzCase.bytes(idScope: "0ne00FUZZ01", token: "SharedAccessSignature sr=x&sig=y&se=1")
        var decoder = MQTTFrameDecoder()
        let packets = try decoder.feed(bytes)
        XCTAssertEqual(packets.count, 5, "CONNECT, SUBSCRIBE, PUBLISH, DISCONNECT, PUBLISH")
        XCTAssertEqual(packets.dropLast().last, .disconnect)
        guard case .publish(let after)? = packets.last else { return XCTFail("no PUBLISH after DISCONNECT: \(packets)") }
        XCTAssertEqual(after.topicName, DPSTopic.register(requestID: MQTTPacketCase.afterDisconnectRequestID))
        XCTAssertEqual(after.qos, .atLeastOnce)
        func answer(_ rid: String) -> [UInt8] {
            RegistrationRequest.packet(0x30, RegistrationRequest.string("$dps/registrations/res/202/?$rid=\(rid)&retry-after=3") + Array("{}".utf8))
        }
        XCTAssertEqual(MQTTAnswerReader.responseRequestIDs(answer("1") + answer(MQTTPacketCase.afterDisconnectRequestID)),
                       ["1", MQTTPacketCase.afterDisconnectRequestID])
        XCTAssertEqual(MQTTAnswerReader.responseRequestIDs(answer("1")), ["1"])
        XCTAssertEqual(fuzzCase.rule, .dpsMqttDisc001)
    }

    func testEveryMalformationIsRefusedWithAReason() async throws {
        let fuzzer = try MQTTPacketFuzzer(settings: FuzzSettings(seed: 3, budget: .cases(0), transports: [.mqtt]))
        let destination = try await FakeDestination.start(fuzzer.serviceSetup())
        // The cut-off packet and the slow sender wait for the fuzz fake's 3 s CONNECT deadline.
        for (index, malformation) in MQTTPacketCase.Malformation.allCases.enumerated() {
            let fuzzCase = MQTTPacketCase(index: index, malformation: malformation, registrationID: "mqtt-fuzz-test-\(index)")
            let findings = await fuzzer.evaluate(fuzzCase, against: destination)
            XCTAssertEqual(findings.map(\.kind), [], "\(malformation): \(findings.map(\.observed))")
            XCTAssertNotNil(fuzzCase.rule, "\(malformation)")
        }
        let starved = await fuzzer.wellBehaved(99, against: destination)
        XCTAssertNil(starved, starved?.observed ?? "")
        let open = await destination.openConnections(after: .seconds(5))
        await destination.stop()
        XCTAssertEqual(open, 0)
    }
}

/// The http target: deterministic cases, and every malformation refused by the fake.
final class HTTPRequestFuzzTests: XCTestCase {
    func testCasesRepeatForTheSameSeed() {
        let first = (0..<200).map { HTTPRequestCase.make(seed: 3, index: $0).canonicalBytes }
        XCTAssertEqual(first, (0..<200).map { HTTPRequestCase.make(seed: 3, index: $0).canonicalBytes })
    }

    func testAWellBehavedDeviceProvisionsInParallel() async throws {
        let fuzzer = try HTTPRequestFuzzer(settings: FuzzSettings(seed: 4, budget: .cases(40), transports: [.https]))
        let destination = try await FakeDestination.start(fuzzer.serviceSetup())
        let outcome = await fuzzer.run(against: destination)
        await destination.stop()
        XCTAssertEqual(outcome.casesRun, 40)
        XCTAssertEqual(outcome.violations.map(\.observed), [])
        XCTAssertGreaterThan(outcome.wellBehavedRegistrations, 0)
    }

    func testEveryMalformationIsRefused() async throws {
        let fuzzer = try HTTPRequestFuzzer(settings: FuzzSettings(seed: 3, budget: .cases(0), transports: [.https]))
        let destination = try await FakeDestination.start(fuzzer.serviceSetup())
        for (index, malformation) in HTTPRequestCase.Malformation.allCases.enumerated() {
            let fuzzCase = HTTPRequestCase(index: index, malformation: malformation, registrationID: "http-fuzz-test-\(index)")
            let findings = await fuzzer.evaluate(fuzzCase, against: destination)
            XCTAssertEqual(findings.map(\.kind), [], "\(malformation): \(findings.map(\.observed))")
        }
        let open = await destination.openConnections(after: .seconds(5))
        await destination.stop()
        XCTAssertEqual(open, 0)
    }
}

/// The memory oracle of the mqtt and http targets.
final class MemoryBoundTests: XCTestCase {
    func testGrowthWithinTheBoundIsNoFinding() {
        XCTAssertNil(WireFuzzLoop.memoryGrowth(from: 100 << 20, to: (100 << 20) + WireFuzzLoop.memoryBound))
        XCTAssertNil(WireFuzzLoop.memoryGrowth(from: 200 << 20, to: 150 << 20))
        XCTAssertNil(WireFuzzLoop.memoryGrowth(from: nil, to: 900 << 20))
    }

    func testGrowthBeyondTheBoundIsAFindingOfTheGivenRule() throws {
        let finding = try XCTUnwrap(WireFuzzLoop.memoryGrowth(from: 100 << 20, to: (100 << 20) + WireFuzzLoop.memoryBound + 1))(.dpsHttpMsg001)
        XCTAssertEqual(finding.kind, .memoryGrowth)
        XCTAssertEqual(finding.requirement, .dpsHttpMsg001)
        XCTAssertEqual(finding.observed, "it grew from 100 MiB to 164 MiB")
    }

    func testARunReportsTheFakesMemory() async throws {
        let fuzzer = try MQTTPacketFuzzer(settings: FuzzSettings(seed: 3, budget: .cases(WireFuzzLoop.warmUpCases + 2), transports: [.mqtt]))
        let destination = try await FakeDestination.start(fuzzer.serviceSetup())
        let outcome = await fuzzer.run(against: destination)
        await destination.stop()
        XCTAssertNotNil(outcome.residentBytesAfterWarmUp)
        XCTAssertNotNil(outcome.residentBytesAtEnd)
        XCTAssertEqual(outcome.violations.map(\.observed), [])
    }
}
