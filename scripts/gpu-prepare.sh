#!/usr/bin/env bash
# gpu-prepare.sh - build what scripts/gpu-device-run.sh runs on a GPU machine
# that has no LLVM: a runtime-only build (engram-run and the unit tests,
# no MLIR) in build-gpu/, the CUDA artifacts of the end-to-end matrix
# (test/GPU/make_cases.py) in build-gpu/cases, and models A and B of
# bench/cuda_bench.py in build-gpu/bench (and, with line information for
# compute-sanitizer's reports, in build-gpu/bench/li). Needs the compiler
# build (build/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/build/bin:$PATH" PYTHONPATH="$root/python"
if [[ ! -f build-gpu/build.ninja ]]; then
  cmake -G Ninja -S . -B build-gpu -DENGRAM_BUILD_COMPILER=OFF -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
fi
ninja -C build-gpu engram-run RuntimeTests
rm -rf build-gpu/cases build-gpu/bench
/usr/bin/python3 test/GPU/make_cases.py --out build-gpu/cases --compress
mkdir -p build-gpu/bench
cp -r examples/fashion/model build-gpu/bench/A
/usr/bin/python3 - <<'PY'
import engram_torch
config = {"input_dim": 28,
          "cell": {"hidden_dim": 256, "memory_size": 128, "hebbian_lr": 0.05,
                   "scale_factor": 0.5, "temperature": 1.5, "sparsity_strength": 0.1,
                   "use_layer_norm": True},
          "trace_batching": "per_sequence",
          "head": {"pooling": "last", "units": 10, "activation": "softmax"}}
engram_torch.save_package(engram_torch.random_network(config, 7), "build-gpu/bench/B")
PY
mkdir -p build-gpu/bench/li
for m in A B; do
  engramc build-gpu/bench/$m --target=cuda -o build-gpu/bench/$m.cuda
  engramc build-gpu/bench/$m --target=cuda --cuda-lineinfo -o build-gpu/bench/li/$m.cuda
done
echo "carry: build-gpu/bin build-gpu/test/unit/RuntimeTests build-gpu/cases build-gpu/bench"
