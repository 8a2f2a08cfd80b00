#!/usr/bin/env bash
# fuzz.sh - coverage-guided fuzzing of engram's readers with libFuzzer.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]     (default: all 60)
#
# Builds the targets of test/fuzz (one per reader of untrusted input: npy,
# package, engram-mlir, snn-mlir, artifact-metadata, cuda-bundle, lava, nir,
# rule) into build-fuzz/ with ASan + UBSan, generates the seed corpus from the
# test inputs (test/fuzz/make_corpus.py, with the tools of build/), then runs
# each target for SECONDS: it first replays its seeds, the inputs it found
# before (build-fuzz/corpus-found/) and the committed regression inputs
# (test/fuzz/regressions/), then fuzzes. The nir target runs with -fork=1
# -ignore_crashes=1, since a crash there may be libhdf5's own: each crash
# input is replayed, and those whose report starts in libhdf5 are moved to
# build-fuzz/crashes/nir/libhdf5/ and counted apart (test/fuzz/third-party/
# says why). A summary table (executions, coverage, crashes, third-party
# crashes) ends the output and is written to build-fuzz/fuzz-summary.txt.
# Exits 1 when any target crashed in engram's code.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
which=${1:-all}
seconds=${2:-60}
all=(npy npz rule artifact-metadata package cuda-bundle lava nir engram-mlir snn-mlir)
build=${ENGRAM_FUZZ_BUILD_DIR:-$root/build-fuzz}
tools=${ENGRAM_BUILD_DIR:-$root/build}

if [[ $which == all ]]; then
  targets=("${all[@]}")
elif [[ " ${all[*]} " == *" $which "* ]]; then
  targets=("$which")
else
  echo "fuzz.sh: unknown target '$which' (valid: all, ${all[*]})" >&2
  exit 2
fi
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be an integer" >&2; exit 2; }

# The seeds come from the normal build's tools; the targets from build-fuzz.
"$root/scripts/setup.sh"
ENGRAM_SKIP_INSTALL=1 ENGRAM_BUILD_DIR=$build \
  ENGRAM_CMAKE_ARGS="-DENGRAM_SANITIZE=address;undefined -DENGRAM_FUZZ=ON" \
  ENGRAM_BUILD_TARGETS=engram-fuzzers "$root/scripts/setup.sh"
source "$root/test/sanitizers/env.sh"
# libhdf5's own leaks on corrupt files are known (test/sanitizers/lsan-fuzz.supp).
export LSAN_OPTIONS="suppressions=$root/test/sanitizers/lsan-fuzz.supp:print_suppressions=0"

echo "== seed corpus"
/usr/bin/python3 "$root/test/fuzz/make_corpus.py" "$tools/bin" "$build/corpus"

# Where a crash input's report starts, replayed alone: "none" when it does
# not crash again, "libhdf5" when its first frame past the sanitizer's and
# libFuzzer's own (and their interceptors of malloc, memcpy, strdup, ...,
# which have no source line) is in libhdf5, "engram" otherwise.
origin() {
  local report status=0
  report=$(timeout 120 "$1" -timeout=25 -rss_limit_mb=8192 -malloc_limit_mb=2048 \
    "$2" 2>&1) || status=$?
  if [[ $status -eq 0 ]]; then
    echo none
  elif grep -E '^ +#[0-9]+ 0x' <<< "$report" |
     grep -vE ' in (__sanitizer|__asan|__interceptor|__lsan|fuzzer::)|crtstuff|libc\.so|engram-fuzz-[a-z-]+\+0x' |
     head -1 | grep -q 'libhdf5'; then
    echo libhdf5
  else
    echo engram
  fi
}

summary="$build/fuzz-summary.txt"
printf "%-18s %8s %12s %8s %8s %8s %s\n" target seconds executions cov ft crashes \
  "third-party" > "$summary"
status=0
for t in "${targets[@]}"; do
  echo "== fuzzing $t for $seconds s"
  found="$build/corpus-found/$t" crashes="$build/crashes/$t"
  # What this run finds, not what an earlier one did.
  rm -rf "$crashes"
  mkdir -p "$found" "$crashes"
  dirs=("$found" "$build/corpus/$t")
  [[ -d $root/test/fuzz/regressions/$t ]] && dirs+=("$root/test/fuzz/regressions/$t")
  flags=(-max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096
         -print_final_stats=1 -artifact_prefix="$crashes/")
  # nir: libhdf5 allocates gigabytes for corrupt files; a malloc limit
  # under the RSS limit reports them with the allocation's stack.
  [[ $t == nir ]] && flags+=(-fork=1 -ignore_crashes=1 -rss_limit_mb=8192
                             -malloc_limit_mb=2048)
  [[ $t == package || $t == engram-mlir || $t == snn-mlir ]] && flags+=(-max_len=65536)
  log="$build/fuzz-$t.log"
  rc=0
  "$build/test/fuzz/engram-fuzz-$t" "${flags[@]}" "${dirs[@]}" > "$log" 2>&1 || rc=$?
  execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  # The nir target goes on after a crash (-fork=1 -ignore_crashes=1): its
  # inputs that crash inside libhdf5 are kept apart (test/fuzz/third-party).
  if [[ $t == nir ]]; then
    mkdir -p "$crashes/libhdf5" "$crashes/none"
    for input in $(find "$crashes" -maxdepth 1 -type f); do
      where=$(origin "$build/test/fuzz/engram-fuzz-$t" "$input")
      [[ $where != engram ]] && mv "$input" "$crashes/$where/"
    done
    [[ $rc -ne 0 && -z $(find "$crashes" -maxdepth 1 -type f) ]] && rc=0
  fi
  ncrash=$(find "$crashes" -maxdepth 1 -type f | wc -l)
  nthird=0
  [[ -d $crashes/libhdf5 ]] && nthird=$(find "$crashes/libhdf5" -type f | wc -l)
  printf "%-18s %8s %12s %8s %8s %8s %s\n" "$t" "$seconds" "${execs:-0}" \
    "${cov:-?}" "${ft:-?}" "$ncrash" "$nthird" >> "$summary"
  if [[ $rc -ne 0 || $ncrash -ne 0 ]]; then
    status=1
    echo "fuzz.sh: $t failed (exit $rc); log: $log; crash inputs:" >&2
    find "$crashes" -type f >&2
    grep -m1 -A12 'ERROR: \|runtime error' "$log" >&2 || tail -20 "$log" >&2
  fi
done
echo "== fuzz summary"
cat "$summary"
exit $status
