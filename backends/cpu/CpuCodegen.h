//===- CpuCodegen.h - engram IR to a native shared object -------*- C++ -*-===//
//
// The CPU backend: runs engram-cpu-pipeline on an engram module, translates
// it to LLVM IR, links the artifact shim (the C ABI of
// runtime/engram_artifact.h), optimizes and compiles it for a CPU with
// LLVM's TargetMachine and links a shared object with lld, all in process.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_BACKENDS_CPU_CPUCODEGEN_H
#define ENGRAM_BACKENDS_CPU_CPUCODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/Timing.h"

#include <string>

namespace mlir::engram {

struct CpuTargetOptions {
  /// An LLVM CPU name (`x86-64-v3`, `skylake-avx512`, …) or `native` for the
  /// host CPU with all its features.
  std::string cpu = "native";
  /// Extra LLVM target features, e.g. `+avx2,-avx512f`.
  std::string features;
  /// float32 lanes to vectorize for; 0 picks it from the CPU's features.
  unsigned vectorWidth = 0;
};

/// The stage to stop after, for `engramc --emit`.
enum class CpuStage { Linalg, LLVMDialect, LLVMIR, Assembly, SharedObject };

/// Compiles the engram module (its `func.func @forward`) and returns the
/// bytes of the requested stage: MLIR or LLVM IR text, assembly, or the
/// shared object. Errors are emitted as diagnostics on `module`.
FailureOr<std::string> compileForCpu(ModuleOp module,
                                     const CpuTargetOptions &options,
                                     CpuStage stage, TimingScope &timing);

} // namespace mlir::engram

#endif // ENGRAM_BACKENDS_CPU_CPUCODEGEN_H
