#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer in a temporary copy of the
# repository (the normal build/ is untouched) and runs the vitest suite against it.
# Usage: scripts/sanitize.sh [vitest args...]   e.g. scripts/sanitize.sh test/kernels
# Env: KEEP=1 keeps the temp copy; SANITIZE_DIR=/path reuses an existing sanitized copy (no rebuild).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
libasan="$(gcc -print-file-name=libasan.so)"
[ -f "$libasan" ] || { echo "libasan.so not found (gcc -print-file-name=libasan.so)"; exit 2; }

if [ -n "${SANITIZE_DIR:-}" ]; then
  work="$SANITIZE_DIR"
else
  work="$(mktemp -d /tmp/cnn2mlp-sanitize.XXXXXX)"
  [ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
  # Copy the sources only (no build/, no node_modules: the latter is linked, resolved to its real path).
  tar -C "$repo" --exclude=./build --exclude=./node_modules --exclude=./.git -cf - . | tar -C "$work" -xf -
  ln -s "$(readlink -f "$repo/node_modules")" "$work/node_modules"
  echo "== building sanitized addon in $work"
  # The sanitizer flags reach node-gyp's make through the environment (CXXFLAGS/LDFLAGS): the one
  # build definition stays binding.gyp, with no second configuration to drift.
  (cd "$work" && CXXFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g" \
     LDFLAGS="-fsanitize=address,undefined" npm run build:native > "$work/sanitize-build.log" 2>&1) || { tail -30 "$work/sanitize-build.log"; exit 1; }
  # Prove the build is instrumented before trusting a green run.
  nm -D "$work/build/Release/cnn2mlp.node" | grep -c __asan_ > /dev/null || { echo "addon is not ASan-instrumented"; exit 1; }
  nm -D "$work/build/Release/cnn2mlp.node" | grep -c __ubsan_ > /dev/null || { echo "addon is not UBSan-instrumented"; exit 1; }
fi

echo "== running vitest under ASan+UBSan (LD_PRELOAD=$libasan)"
cd "$work"
# detect_leaks=0: V8 keeps allocations alive until exit by design. halt_on_error: any report fails the run.
# quarantine_size_mb=16: ASan's default 256 MB quarantine of freed blocks would read as RSS growth
# in the memory tests (use-after-free of recently freed blocks is still caught).
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:allocator_may_return_null=1:detect_odr_violation=0:quarantine_size_mb=16"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export CNN2MLP_SANITIZED=1
set +e
LD_PRELOAD="$libasan" npx vitest run "$@" 2>&1 | tee "$work/sanitize-test.log"
rc=${PIPESTATUS[0]}
set -e
if grep -qE "ERROR: AddressSanitizer|runtime error:" "$work/sanitize-test.log"; then
  echo "== SANITIZER REPORT FOUND (see above)"; rc=1
fi
echo "== sanitize.sh exit $rc"
exit $rc
