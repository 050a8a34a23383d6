#!/usr/bin/env bash
# libFuzzer run of the native MLP file loader (native/fuzz/mlp_file_fuzz.cc) with ASan + UBSan.
# Usage: scripts/fuzz-native.sh [seconds=60]   (installs clang with apt-get when missing)
# Seeds: valid dense, CSR, run-CSR and bf16 (version 3) files written by saveMlp (scripts/fuzz-native-seeds.ts), with and
# without the checksum-fixing mode byte. Crashes land in $out/crash-*; exit status is libFuzzer's.
# The target links runtime/ and core/ only: no Node or N-API headers (those stay in native/napi/).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
secs="${1:-60}"
if ! command -v clang++ > /dev/null; then
  apt-cache policy clang | head -3
  apt-get install -y clang > /dev/null
fi
out="${FUZZ_OUT:-/tmp/cnn2mlp-fuzz-native}"
mkdir -p "$out/corpus"
srcs=(native/fuzz/mlp_file_fuzz.cc native/runtime/mlp_file.cc native/runtime/file_writer.cc native/runtime/mlp.cc native/runtime/xxhash64.cc native/runtime/thread_pool.cc native/runtime/cpu.cc native/runtime/memory.cc)
echo "== building $out/mlp_file_fuzz"
(cd "$repo" && clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I native \
  "${srcs[@]}" -lpthread -o "$out/mlp_file_fuzz")
echo "== seeds"
(cd "$repo" && node --no-expose-wasm --import tsx scripts/fuzz-native-seeds.ts "$out/corpus")
echo "== fuzzing for ${secs}s"
cd "$out"
# -rss_limit_mb: a loader that tries a multi-GB allocation is a finding, not a pass.
./mlp_file_fuzz -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=10 -print_final_stats=1 corpus 2>&1 | tee fuzz.log | grep -E "^#[0-9]+.*(DONE|pulse)|ERROR|SUMMARY|stat::" || true
status=${PIPESTATUS[0]}
ls crash-* leak-* timeout-* oom-* 2> /dev/null && status=1 || true
echo "== fuzz-native exit $status (log: $out/fuzz.log)"
exit $status
