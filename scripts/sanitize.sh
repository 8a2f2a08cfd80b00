#!/usr/bin/env bash
# sanitize.sh - builds engram with AddressSanitizer + UndefinedBehaviorSanitizer
# (every UBSan report fatal) into build-asan/ and runs the tests there.
#
#   scripts/sanitize.sh            every ctest and the lit suite but its two
#                                  whole-test-set accuracy runs
#   scripts/sanitize.sh --ci       every ctest and the lit tests of bad input
#                                  (the part CI runs, see docs/testing.md)
#   scripts/sanitize.sh --thread   ThreadSanitizer in build-tsan/: the tests of
#                                  the threaded engram_run (CPU artifacts)
#
# Same clang-22/lld toolchain as the normal build; GPU tests skip as usual.
# The sanitizers' options are in test/sanitizers/ (LeakSanitizer's
# suppressions say why each one is there). Exits 1 on any report.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-full}

case "$mode" in
  full | --ci) sanitizers="address;undefined" build=${ENGRAM_ASAN_BUILD_DIR:-$root/build-asan} ;;
  --thread) sanitizers="thread" build=${ENGRAM_TSAN_BUILD_DIR:-$root/build-tsan} ;;
  *) echo "usage: scripts/sanitize.sh [--ci|--thread]" >&2; exit 2 ;;
esac

ENGRAM_BUILD_DIR=$build ENGRAM_CMAKE_ARGS="-DENGRAM_SANITIZE=$sanitizers" \
  "$root/scripts/setup.sh"

source "$root/test/sanitizers/env.sh"

status=0
lit=/usr/lib/llvm-22/bin/lit
if [[ $mode == --thread ]]; then
  echo "== ThreadSanitizer: the lit tests that run CPU artifacts on threads"
  "$lit" -sv "$build/test" \
    --filter 'Tools/engram-run-artifact|Numerics/(pooling-last|heads)' || status=1
  exit $status
fi
echo "== sanitized unit tests (ctest, ASan + UBSan)"
ctest --test-dir "$build" --output-on-failure -j2 || status=1
if [[ $mode == --ci ]]; then
  echo "== sanitized lit tests of bad input"
  "$lit" -sv "$build/test" --filter "$(cat "$root/test/sanitizers/ci-lit-filter")" || status=1
else
  # The whole-test-set accuracy runs repeat, on 10,000 images, code the
  # other lit tests run on small inputs; sanitized they would take half of
  # CI's time. The unsanitized suite runs them.
  echo "== sanitized lit suite (without the whole-test-set accuracy runs)"
  "$lit" -sv "$build/test" \
    --filter-out 'Examples/(fashion|spiking)-accuracy\.test' || status=1
fi
exit $status
