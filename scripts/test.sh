#!/usr/bin/env bash
# test.sh - sets up, builds and runs every test: the runtime unit tests
# (ctest) and the lit suite (FileCheck tests, numerics against PyTorch, the
# shipped example's accuracy). Both print their counts.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ENGRAM_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"

status=0
echo "== unit tests (ctest)"
ctest --test-dir "$build" --output-on-failure -j2 || status=1
echo "== lit suite"
/usr/lib/llvm-22/bin/lit -sv "$build/test" || status=1
exit $status
