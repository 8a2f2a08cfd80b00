#!/usr/bin/env bash
# setup.sh - installs engram's Debian packages (idempotently) and builds it.
#
#   scripts/setup.sh            install what is missing, configure, build
#   ENGRAM_BUILD_DIR=dir        build somewhere other than build/
#   ENGRAM_SKIP_INSTALL=1       do not touch packages (no root needed)
#   ENGRAM_CMAKE_ARGS="-D..."   extra configure options of a new build dir
#                               (scripts/sanitize.sh, scripts/fuzz.sh)
#   ENGRAM_BUILD_TARGETS="a b"  build only these targets (default: all)
#
# Toolchain: clang-22 + lld + ccache against Debian's libLLVM/libMLIR shared
# libraries: a clean build takes a few minutes on 2 cores, and linking with
# lld is 5-30x faster than with GNU ld.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ENGRAM_BUILD_DIR:-$root/build}

packages=(
  # compiler toolchain and LLVM/MLIR 22
  cmake ninja-build ccache clang-22 lld lld-22 liblld-22-dev llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  # libFuzzer and the sanitizer runtimes (scripts/sanitize.sh, scripts/fuzz.sh)
  libclang-rt-22-dev
  libzstd-dev zlib1g-dev
  # C++ libraries
  libeigen3-dev nlohmann-json3-dev libprotobuf-dev protobuf-compiler libhdf5-dev googletest libgtest-dev
  # Python side (used with /usr/bin/python3) and the example's data
  python3-numpy python3-torch python3-h5py python3-protobuf python3-pynn python3-brian
  python3-matplotlib
  # the Python package (python/engram): its runtime extension, tests and
  # Dask batch runs
  python3-dev pybind11-dev python3-pybind11 python3-pytest python3-distributed
  # what a Lava source tree (ENGRAM_LAVA_SRC, docs/lava.md) imports
  python3-networkx python3-scipy python3-asteval
  dataset-fashion-mnist
)

if [[ "${ENGRAM_SKIP_INSTALL:-0}" != 1 ]]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

read -ra extra_args <<< "${ENGRAM_CMAKE_ARGS:-}"
read -ra targets <<< "${ENGRAM_BUILD_TARGETS:-all}"
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DENGRAM_WERROR=ON \
    "${extra_args[@]}"
fi
cmake --build "$build" --target "${targets[@]}"
