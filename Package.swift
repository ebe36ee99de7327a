// swift-tools-version:6.0
import PackageDescription

// Module map: see docs/architecture.md. Arrows point one way: the CLI on top,
// DPSCore / MQTTWire / DICE / Verdicts at the bottom; FakeDPS and Device never
// import each other and meet only in ScenarioEngine.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "dpsconform",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dpsconform", targets: ["dpsconform"]),
        // For ci/libfuzzer (its own package, built with -sanitize=fuzzer): the in-process targets.
        .library(name: "DPSConformFuzzing", targets: ["Fuzzing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Shared DPS wire model: JSON models, topics, usernames, SAS, IDs, transcript, clock. No I/O.
        .target(name: "DPSCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        // MQTT 3.1.1 packet codec with strict validation.
        .target(name: "MQTTWire", swiftSettings: strict),
        // DevKit DICE/RIoT derivation, DER builder, map-file reader, nonce-reuse analysis.
        .target(name: "DICE", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        // Verdicts and results of conformance checks: what Reporting reads.
        .target(name: "Verdicts", dependencies: ["DPSCore"], swiftSettings: strict),
        // libmosquitto (Debian libmosquitto-dev) and an async Swift client over it.
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .target(name: "MosquittoClient", dependencies: ["CMosquitto"], swiftSettings: strict),
        // The fake DPS service and its MQTT/TLS front end.
        .target(name: "FakeDPS", dependencies: [
            "DPSCore", "MQTTWire",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            // TLSUserEvent: the end of the handshake starts the next phase's deadline.
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // The device side: reference DPS client and its transports.
        .target(name: "Device", dependencies: [
            "DPSCore", "MosquittoClient", "DICE",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            // A raw TLS connection for the mutant that sends a malformed HTTP message, and for device scripts.
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            // P-256 key and PKCS#10 request for certificate issuance (--csr).
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        // Input files: the YAML reader (located errors, bounded aliases), InputError, enrollment
        // and fault-plan readers, the requirement catalogue. What `serve` and `vectors` need,
        // without the scenario runner.
        .target(name: "Inputs", dependencies: [
            "DPSCore", "Verdicts", "FakeDPS", "MQTTWire",
            .product(name: "Yams", package: "Yams"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        // Scenario model, scenario loader, runner and checks.
        .target(name: "ScenarioEngine", dependencies: [
            "DPSCore", "Verdicts", "FakeDPS", "Device", "MQTTWire", "DICE", "Inputs",
            .product(name: "Yams", package: "Yams"),
            // Certificates for X.509 scenarios, made fresh for every run.
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // Known-answer vector files (Vectors/): the documented format and checking them against the implementation.
        .target(name: "VectorChecks", dependencies: ["DPSCore", "DICE", "Verdicts"], swiftSettings: strict),
        // Fuzzing: seeded case generators (registration IDs, malformed certificates), their oracles,
        // the wire senders that deliver cases over TLS, and the seam for where cases go.
        .target(name: "Fuzzing", dependencies: [
            "DPSCore", "MQTTWire", "DICE", "FakeDPS", "Verdicts", "Inputs",
            // The vector-loader in-process target (InProcessTarget).
            "VectorChecks",
            // The responses target runs a device against the fake through the scenario runner.
            "ScenarioEngine",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        // `bench fleet`: a load client on SwiftNIO (MQTT and HTTPS devices, no thread per device),
        // latency histograms that merge across shards, and the result's JSON form.
        .target(name: "Fleet", dependencies: [
            "DPSCore", "MQTTWire",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            // TLSUserEvent: the handshake's end closes the TCP+TLS phase.
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            // X.509 devices: a certificate per device, issued by the group's CA.
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),
        // JUnit XML, JSON and HTML reports.
        .target(name: "Reporting", dependencies: ["Verdicts", "DPSCore"], swiftSettings: strict),
        .executableTarget(name: "dpsconform", dependencies: [
            "DPSCore", "FakeDPS", "Device", "Inputs", "ScenarioEngine", "Reporting", "Verdicts", "DICE", "VectorChecks", "Fuzzing", "Fleet",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        // One test-support target: the checkout's root and the built tool, for every test target.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "DPSCoreTests", dependencies: ["DPSCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "MQTTWireTests", dependencies: ["MQTTWire"], swiftSettings: strict),
        .testTarget(name: "DICETests", dependencies: ["TestSupport", "DICE"], swiftSettings: strict),
        .testTarget(name: "MosquittoClientTests", dependencies: ["MosquittoClient", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "FakeDPSTests", dependencies: [
            "FakeDPS", "DPSCore", "MQTTWire",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            // Real sockets and TLS clients for the reliability suite (Reliability*.swift).
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        .testTarget(name: "DeviceTests", dependencies: [
            "TestSupport",
            "Device", "FakeDPS", "DPSCore", .product(name: "Logging", package: "swift-log"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        .testTarget(name: "ScenarioEngineTests", dependencies: ["TestSupport", "ScenarioEngine", "Inputs", "Verdicts", "DPSCore", "FakeDPS", "Device", "MQTTWire",
                                                          .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .testTarget(name: "InputsTests", dependencies: ["TestSupport", "Inputs", "FakeDPS", "DPSCore"], swiftSettings: strict),
        .testTarget(name: "VectorChecksTests", dependencies: ["TestSupport", "VectorChecks", "DPSCore", "DICE", "Verdicts"], swiftSettings: strict),
        // Resources/: the Ant JUnit schema, read from the checkout by path (xmllint needs a file).
        .testTarget(name: "ReportingTests", dependencies: ["TestSupport", "Reporting", "Verdicts", "DPSCore"],
                    exclude: ["Resources"], swiftSettings: strict),
        .testTarget(name: "FuzzingTests", dependencies: ["TestSupport", "Fuzzing", "FakeDPS", "DPSCore", "Verdicts", "ScenarioEngine", "Inputs", "DICE", "VectorChecks", "MQTTWire",
                                                     .product(name: "X509", package: "swift-certificates")], swiftSettings: strict),
        .testTarget(name: "FleetTests", dependencies: ["TestSupport", "Fleet", "FakeDPS", "DPSCore",
                                                   .product(name: "NIOPosix", package: "swift-nio"),
                                                   .product(name: "NIOSSL", package: "swift-nio-ssl"),
                                                   .product(name: "X509", package: "swift-certificates")], swiftSettings: strict),
        .testTarget(name: "InteropTests", dependencies: ["TestSupport", "DPSCore"], swiftSettings: strict),
    ]
)
