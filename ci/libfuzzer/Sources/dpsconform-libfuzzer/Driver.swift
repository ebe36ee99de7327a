// The libFuzzer driver: one binary for every in-process target, the target named by
// DPSCONFORM_FUZZ_TARGET (ci/libfuzzer.sh sets it). SwiftPM gives an executable its own entry
// point, so `main` hands the command line to libFuzzer (LLVMFuzzerRunDriver) instead of linking
// libFuzzer's. A property that breaks is a crash, so libFuzzer keeps the input; the unit tests
// replay Tests/FuzzCorpus through the same function in a normal build.
import CFuzzerDriver
import Foundation
import Fuzzing

@main
enum Driver {
    /// The target, read once, where the C callback (which cannot capture) finds it.
    static let target = InProcessTarget(rawValue: ProcessInfo.processInfo.environment[InProcessTarget.environmentVariable] ?? "")

    static func main() {
        guard target != nil else {
            let names = InProcessTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("set \(InProcessTarget.environmentVariable) to one of: \(names)\n".utf8))
            exit(2)
        }
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            guard let target = Driver.target else { return 0 }
            let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
            if let broken = target.run(bytes) { fatalError("\(target.rawValue): \(broken)") }
            return 0
        })
    }
}
