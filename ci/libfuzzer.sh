#!/usr/bin/env bash
# In-process fuzzing with libFuzzer: every target of Sources/Fuzzing/InProcess (InProcessTarget),
# each run for a bounded time from its seed corpus, with the executions per second in the output
# and in Reports/libfuzzer.md.
#
#   ci/libfuzzer.sh [SECONDS per target, default 60] [TARGET ...]
#
# The driver is its own package (ci/libfuzzer), built once with -sanitize=fuzzer,address on every
# Swift module (release, so the rates are those of optimised code) into .build/libfuzzer-spm.
# A crash leaves crash-* in .build/libfuzzer/TARGET/ and the script exits 1: add the input to
# Tests/FuzzCorpus/TARGET/ (InProcessTargetTests replays every file there in a normal build),
# then fix the code.
set -euo pipefail
seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build/libfuzzer"
mkdir -p "$out" "$root/Reports"
case "$seconds" in ''|*[!0-9]*) echo "usage: ci/libfuzzer.sh [SECONDS] [TARGET ...]" >&2; exit 2;; esac

echo "== building the libFuzzer driver (release, -sanitize=fuzzer,address)"
swift build --package-path "$root/ci/libfuzzer" --scratch-path "$root/.build/libfuzzer-spm" -c release \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >"$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 3; }
driver="$root/.build/libfuzzer-spm/release/dpsconform-libfuzzer"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    # The target names, from the corpus folders (InProcessTargetTests checks each target has one).
    for dir in "$root"/Tests/FuzzCorpus/*/; do targets+=("$(basename "$dir")"); done
fi

report="$root/Reports/libfuzzer.md"
{
    echo "# libFuzzer ($(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, ${seconds} s per target)"
    echo
    echo "| target | executions | executions/s | corpus after | crashes |"
    echo "|---|---|---|---|---|"
} >"$report"
found=0
for name in "${targets[@]}"; do
    work="$out/$name"
    mkdir -p "$work/corpus"
    cp "$root/Tests/FuzzCorpus/$name"/* "$work/corpus/" 2>/dev/null || true
    echo "== $name: $seconds s"
    # -rss_limit_mb: memory that grows without bound is a finding too; -timeout: so is a hang.
    (cd "$work" && DPSCONFORM_FUZZ_TARGET="$name" "$driver" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 corpus >run.log 2>&1) || true
    grep -E "^stat::(number_of_executed_units|average_exec_per_sec)|ERROR|crash-|Test unit written" "$work/run.log" || true
    executions=$(awk '/^stat::number_of_executed_units/ {print $NF}' "$work/run.log")
    rate=$(awk '/^stat::average_exec_per_sec/ {print $NF}' "$work/run.log")
    crashes=$(find "$work" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    echo "| $name | ${executions:-?} | ${rate:-?} | $(ls "$work/corpus" | wc -l) | $crashes |" >>"$report"
    if [ "$crashes" -gt 0 ]; then
        echo "$name: a crash, hang or leak was found (inputs in $work)"
        found=1
    fi
done
cat "$report"
exit "$found"
