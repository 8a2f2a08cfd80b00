#!/usr/bin/env bash
# test.sh - sets up, builds and runs every test: the runtime unit tests
# (ctest), the lit suite (FileCheck tests, numerics against PyTorch, the
# shipped example's accuracy) and the example regression suite a user copies
# for their own model (examples/regression-suite). All print their counts.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ENGRAM_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"

status=0
echo "== unit tests (ctest)"
ctest --test-dir "$build" --output-on-failure -j2 || status=1
echo "== lit suite"
/usr/lib/llvm-22/bin/lit -sv "$build/test" || status=1
echo "== example regression suite (examples/regression-suite)"
/usr/lib/llvm-22/bin/lit -sv "$root/examples/regression-suite" \
  --param engram_bin="$build/bin" || status=1
exit $status
