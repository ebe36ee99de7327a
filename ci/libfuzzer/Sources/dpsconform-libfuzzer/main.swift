// The libFuzzer entry point: one binary for every in-process target, the target named by
// DPSCONFORM_FUZZ_TARGET (ci/libfuzzer.sh sets it). A property that breaks is a crash, so
// libFuzzer keeps the input; the unit tests replay Tests/FuzzCorpus through the same function.
// Compiled with -parse-as-library: libFuzzer's main runs, not this file's top level.
import Foundation
import Fuzzing

let selectedTarget: InProcessTarget = {
    let name = ProcessInfo.processInfo.environment[InProcessTarget.environmentVariable] ?? ""
    guard let target = InProcessTarget(rawValue: name) else {
        let names = InProcessTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("set \(InProcessTarget.environmentVariable) to one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func dpsconformFuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let broken = selectedTarget.run(bytes) { fatalError("\(selectedTarget.rawValue): \(broken)") }
    return 0
}
