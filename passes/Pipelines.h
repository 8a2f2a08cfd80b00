//===- Pipelines.h - engram pass pipelines ----------------------*- C++ -*-===//
//
// The CPU lowering, built from an options struct; the CPU target
// (backends/cpu/CpuTarget.cpp) chains it after its entry pass, and the
// compiler library registers the chain as `engram-cpu-pipeline`.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PASSES_PIPELINES_H
#define ENGRAM_PASSES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::engram {

/// Options of `engram-cpu-pipeline`.
struct CpuPipelineOptions : public PassPipelineOptions<CpuPipelineOptions> {
  PassOptions::Option<unsigned> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("float32 lanes of a vector register: 4 (SSE), 8 (AVX2), "
                     "16 (AVX-512); 1 disables vectorization"),
      llvm::cl::init(8)};
  PassOptions::Option<unsigned> tileRows{
      *this, "tile-rows",
      llvm::cl::desc("rows of the register tile of a matrix product"),
      llvm::cl::init(4)};
  PassOptions::Option<int64_t> batchTile{
      *this, "batch-tile",
      llvm::cl::desc("sequences per batch tile of a per-sequence model "
                     "(engram-tile-batch); 0 keeps the batch dynamic"),
      llvm::cl::init(8)};
  PassOptions::Option<unsigned> tileVectors{
      *this, "tile-vectors",
      llvm::cl::desc("vectors per row of the register tile of a matrix "
                     "product"),
      llvm::cl::init(2)};
};

/// engram dialect → linalg → (tiled, vectorized) → bufferized → LLVM dialect.
void buildEngramCpuPipeline(OpPassManager &pm,
                            const CpuPipelineOptions &options);

/// The stages of the CPU pipeline, for `engramc --emit`.
void buildEngramToLinalgStage(OpPassManager &pm);
void buildLinalgToLLVMStage(OpPassManager &pm,
                            const CpuPipelineOptions &options);


} // namespace mlir::engram

#endif // ENGRAM_PASSES_PIPELINES_H
