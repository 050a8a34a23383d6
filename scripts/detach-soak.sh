#!/usr/bin/env bash
# The long form of test/reliability/detach.test.ts: every async entry point, each takeaway
# (transfer, transfer(), resize(0), SharedArrayBuffer writer thread), RUNS times (default 1000),
# plus the seed-network repro (batch 64 of 80×80×3), in one child process watched for signals.
# Usage: scripts/detach-soak.sh [runs] [function,...]
# Under ASan: SANITIZE_DIR=<a KEEP=1 scripts/sanitize.sh copy> scripts/detach-soak.sh 100
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-1000}"
fns="${2:-runCnn(x),runCnn(options.out),runMlp(x),convert(model weights),compileCnn(model weights),saveMlp,exportOnnx,exportOpenCv,runCnn(seed batch 64)}"
cd "${SANITIZE_DIR:-$repo}"
pre=()
if [ -n "${SANITIZE_DIR:-}" ]; then
  export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:allocator_may_return_null=1:detect_odr_violation=0:quarantine_size_mb=16"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" CNN2MLP_SANITIZED=1
  pre=(env LD_PRELOAD="$(gcc -print-file-name=libasan.so)")
fi
start=$(date +%s)
"${pre[@]}" node --expose-gc --harmony-rab-gsab-transfer --import tsx test/reliability/detach-child.ts "$runs" "$fns"
rc=$?
echo "== $(($(date +%s) - start)) s, exit $rc$([ $rc -gt 128 ] && echo " = signal $((rc - 128))")$([ -n "${SANITIZE_DIR:-}" ] && echo ', under ASan+UBSan')"
exit $rc
