import DPSCore
import Foundation
@testable import Fuzzing
import XCTest

/// The mqtt target: deterministic cases, and every malformation refused by the fake with a
/// recorded reason while a well-behaved device still provisions.
final class MQTTPacketFuzzTests: XCTestCase {
    func testCasesRepeatForTheSameSeed() {
        let first = (0..<200).map { MQTTPacketCase.make(seed: 3, index: $0).canonicalBytes }
        XCTAssertEqual(first, (0..<200).map { MQTTPacketCase.make(seed: 3, index: $0).canonicalBytes })
        XCTAssertEqual(Set((0..<400).map { MQTTPacketCase.make(seed: 3, index: $0).malformation }), Set(MQTTPacketCase.Malformation.allCases))
    }

    func testEveryMalformationIsRefusedWithAReason() async throws {
        let fuzzer = try MQTTPacketFuzzer(settings: FuzzSettings(seed: 3, budget: .cases(0), transports: [.mqtt]))
        let destination = try await FakeDestination.start(fuzzer.serviceSetup())
        // The cut-off packet waits for the service's 10 s CONNECT deadline: left to the CLI runs.
        for (index, malformation) in MQTTPacketCase.Malformation.allCases.enumerated() where malformation != .truncatedPacket {
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
