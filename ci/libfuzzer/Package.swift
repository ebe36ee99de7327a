// swift-tools-version:6.0
// libFuzzer driver for dpsconform's in-process fuzz targets (Sources/Fuzzing/InProcess). Its own
// package so that only ci/libfuzzer.sh builds it, with -sanitize=fuzzer,address on every Swift
// module (libFuzzer supplies main); `swift build` and `swift test` at the root never see it.
import Foundation
import PackageDescription

// A path dependency is known by its directory's name, which is whatever the checkout is called.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent().standardized

let package = Package(
    name: "dpsconform-libfuzzer",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: root.path)],
    targets: [
        // The declaration of libFuzzer's LLVMFuzzerRunDriver, which the -sanitize=fuzzer runtime defines.
        .target(name: "CFuzzerDriver"),
        .executableTarget(name: "dpsconform-libfuzzer",
                          dependencies: ["CFuzzerDriver", .product(name: "DPSConformFuzzing", package: root.lastPathComponent)],
                          swiftSettings: [.swiftLanguageMode(.v6)],
                          // gold stops with an internal error on this link (SwiftPM's own `main`
                          // beside the fuzzer runtime's); lld, shipped with the toolchain, links it.
                          linkerSettings: [.unsafeFlags(["-use-ld=lld"])]),
    ]
)
