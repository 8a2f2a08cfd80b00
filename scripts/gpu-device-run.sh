#!/usr/bin/env bash
# gpu-device-run.sh - the GPU half of the CUDA tests, on a machine with a GPU
# but no compiler. Everything is prepared on the build machine by
# scripts/gpu-prepare.sh (runtime-only engram-run and unit tests, CUDA
# artifacts, packages); this runs it:
#
#   1. the runtime's unit tests, GPU tests included (not skipped here);
#   2. test/GPU/check_cases.py: every CUDA artifact of the end-to-end matrix
#      against the float64 reference interpreter (<= 1e-4);
#   3. compute-sanitizer memcheck and racecheck on each launch-plan class;
#   4. bench/cuda_bench.py (with torch.compile unless --no-compile).
#
# usage: bash scripts/gpu-device-run.sh [--no-compile] [--skip-bench] [--only-bench]
# Results go to $OUT (or build-gpu/out).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${OUT:-build-gpu/out}
mkdir -p "$out"
bench_args=() skip_bench=0 only_bench=0
for arg in "$@"; do
  case $arg in
    --no-compile) bench_args+=(--no-compile) ;;
    --skip-bench) skip_bench=1 ;;
    --only-bench) only_bench=1 ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
  esac
done
run=build-gpu/bin/engram-run
py=$(command -v python3)
status=0
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"

if [[ $only_bench == 0 ]]; then
  echo "== unit tests"
  build-gpu/test/unit/RuntimeTests 2>&1 | tee "$out/unit.txt" | tail -4 || status=1
  grep -q "PASSED" "$out/unit.txt" && ! grep -q "FAILED" "$out/unit.txt" || status=1

  echo "== CUDA artifacts vs the reference interpreter"
  "$py" test/GPU/check_cases.py build-gpu/cases --engram-run "$run" > "$out/cases.txt" 2>&1 || status=1
  grep -v "^ok" "$out/cases.txt" | tail -20

  echo "== compute-sanitizer"
  sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
  "$py" - <<'PY'
import numpy as np
rng = np.random.default_rng(1)
for b, s, d in [(2, 5, 28), (203, 5, 28), (1601, 3, 28), (170, 3, 28), (9, 3, 28),
                (170, 4, 5)]:
    np.save(f"build-gpu/san_{b}_{d}.npy", rng.uniform(0, 1, (b, s, d)).astype(np.float32))
PY
  for tool in memcheck racecheck; do
    # artifact:batch:input width. cases/m0_2 is H = 37 (padded, masked layer
    # norms), cases/large H = 1024 (the fallback tiles of 1 and 2).
    for spec in bench/li/A.cuda:2:28 bench/li/A.cuda:203:28 bench/li/A.cuda:1601:28 \
                bench/li/B.cuda:9:28 bench/li/B.cuda:170:28 bench/li/B.cuda:1601:28 \
                cases/m2_1.cuda:203:28 cases/m0_2.cuda:170:5 cases/large.cuda:9:28 \
                cases/large.cuda:170:28; do
      IFS=: read -r artifact batch width <<< "$spec"
      artifact=build-gpu/$artifact
      [[ $tool == racecheck && $artifact == *large* ]] && continue  # minutes each
      log="$out/sanitizer-$tool-$(basename "$artifact" .cuda)-$batch.txt"
      extra=()
      [[ $tool == racecheck ]] && extra=(--racecheck-report all)
      "$sanitizer" --tool "$tool" "${extra[@]}" --error-exitcode 3 \
        "$run" "$artifact" --input "build-gpu/san_${batch}_$width.npy" --output build-gpu/san_y.npy \
        > "$log" 2>&1
      rc=$?
      echo "$tool $spec: exit $rc, $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$log" | tail -1)"
      [[ $rc == 0 ]] || { status=1; grep -m3 -A2 "Error:" "$log"; }
    done
  done
fi

if [[ $skip_bench == 0 ]]; then
  echo "== benchmark"
  # The large model (H = 1024) is the GPU matrix's, unpacked by check_cases.py.
  [[ -f build-gpu/cases/large.cuda && -d build-gpu/cases/large ]] &&
    bench_args+=(--large build-gpu/cases/large)
  "$py" bench/cuda_bench.py --models build-gpu/bench --engram-run "$run" \
    --out "$out/cuda-benchmark.md" "${bench_args[@]}" 2>&1 | tee "$out/bench.txt" || status=1
fi
echo "status $status"
exit $status
