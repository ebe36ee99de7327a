#!/bin/sh
# In-process fuzzing with libFuzzer (swiftc -sanitize=fuzzer,address), bounded in time.
# Usage: ci/libfuzzer.sh [SECONDS per target, default 60]
# Each target is compiled into the module it fuzzes (internal API reachable), outside SwiftPM.
# A crash leaves crash-* in .build/libfuzzer/TARGET/ and exits non-zero; turn it into a
# regression test and add the input to Tests/FuzzCorpus/TARGET/.
set -eu
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build/libfuzzer"
mkdir -p "$out"

run_target() {
    name="$1"; module="$2"; shift 2
    mkdir -p "$out/$name/corpus"
    cp "$root/Tests/FuzzCorpus/$name"/* "$out/$name/corpus/" 2>/dev/null || true
    swiftc -sanitize=fuzzer,address -parse-as-library -module-name "$module" -O -Xfrontend -import-module -Xfrontend Foundation \
        "$@" -o "$out/$name/fuzzer" 2>"$out/$name/build.log" || {
        cat "$out/$name/build.log"; exit 3; }
    echo "== $name: $seconds s"
    (cd "$out/$name" && ./fuzzer -max_total_time="$seconds" -print_final_stats=1 corpus 2>&1 | tee run.log | grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|#[0-9]+ +DONE)|ERROR|crash-" || true)
    if ls "$out/$name"/crash-* >/dev/null 2>&1; then echo "$name: crash found (see $out/$name)"; exit 1; fi
}

run_target mqtt-decoder MQTTWire "$root"/Sources/MQTTWire/*.swift "$root/ci/libfuzzer/MQTTDecoderFuzz.swift"
run_target dps-topics DPSCore "$root"/Sources/DPSCore/MQTTTopics.swift "$root"/Sources/DPSCore/TopicProperties.swift \
    "$root"/Sources/DPSCore/MQTTUsername.swift "$root"/Sources/DPSCore/PercentEncoding.swift "$root"/Sources/DPSCore/DPSCoreError.swift \
    "$root"/Sources/DPSCore/RequirementID.swift "$root"/Sources/DPSCore/RequirementIDCatalogue.swift "$root"/Sources/DPSCore/RegistrationID.swift \
    "$root/ci/libfuzzer/DPSTopicsFuzz.swift"
