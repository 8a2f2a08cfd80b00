//===- CpuCodegen.h - engram IR to a native shared object -------*- C++ -*-===//
//
// The CPU backend: builds engram-cpu-pipeline for a CPU, translates the
// LLVM dialect it produces to LLVM IR, links the artifact shim (the C ABI of
// runtime/engram_artifact.h), optimizes and compiles it for a CPU with
// LLVM's TargetMachine and links a shared object with lld, all in process.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_BACKENDS_CPU_CPUCODEGEN_H
#define ENGRAM_BACKENDS_CPU_CPUCODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
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
  /// Rows of a matrix product's register tile; 0 picks it from the width.
  unsigned tileRows = 0;
  /// Vectors per row of the register tile.
  unsigned tileVectors = 2;
  /// Sequences per batch tile of a per-sequence model; 0: dynamic batch.
  int64_t batchTile = 8;
};

/// The stage to stop after, for `engramc --emit`.
enum class CpuStage { Linalg, LLVMDialect, LLVMIR, Assembly, SharedObject };

/// Adds the passes from engram IR to the LLVM dialect for the CPU of
/// `options` (to linalg only for CpuStage::Linalg); an unknown CPU is
/// reported through `fail`.
LogicalResult buildCpuPipeline(OpPassManager &pm,
                               const CpuTargetOptions &options, CpuStage stage,
                               llvm::function_ref<void(const Twine &)> fail);

/// The bytes of `stage` from the module buildCpuPipeline produced: its text
/// for the IR stages, else LLVM IR, assembly or the shared object. Errors
/// are diagnostics on `module`.
FailureOr<std::string> translateForCpu(ModuleOp module,
                                       const CpuTargetOptions &options,
                                       CpuStage stage, TimingScope &timing);

} // namespace mlir::engram

#endif // ENGRAM_BACKENDS_CPU_CPUCODEGEN_H
