# env.sh - sanitizer options for the sanitized test runs (sourced by
# scripts/sanitize.sh and scripts/fuzz.sh). Every report fails the run.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs in code
# compiled with ASan (engram's, through LLVM's headers) but not in Debian's
# uninstrumented libMLIR, which then writes to them: a false report
# (use-after-poison in MLIR's parser, seen by the snn-mlir fuzz target).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:allow_user_poisoning=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
