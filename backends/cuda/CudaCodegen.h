//===- CudaCodegen.h - engram IR to a CUDA artifact -------------*- C++ -*-===//
//
// The CUDA backend: recognises the engram cell of a module (EngramToModel.cpp),
// specialises the persistent recurrent kernel of kernels/engram_cell.cuh to
// its sizes and head, compiles the result to PTX with nvcc and to an sm_90
// cubin with ptxas, and packs code, weights and launch plan into one
// `.cuda` file that runtime/CudaArtifact loads (docs/cuda-backend.md).
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_BACKENDS_CUDA_CUDACODEGEN_H
#define ENGRAM_BACKENDS_CUDA_CUDACODEGEN_H

#include "runtime/Model.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/Timing.h"

#include <string>

namespace mlir::engram {

/// What `engramc --target=cuda` stops after.
enum class CudaStage { Source, Ptx, Artifact };

struct CudaTargetOptions {
  /// The GPU architecture, e.g. "sm_90".
  std::string arch = "sm_90";
  /// nvcc to use; empty: $CUDA_HOME/bin/nvcc, /usr/local/cuda/bin/nvcc, PATH.
  std::string nvcc;
  /// Source line information in the PTX and cubin (for compute-sanitizer
  /// and Nsight); about doubles the artifact.
  bool lineInfo = false;
};

/// The CUDA C++ translation unit specialised for `model`, one kernel per
/// batch class of the launch plan; fails, with an error on `module`, when
/// no schedule of some class fits in shared memory.
FailureOr<std::string>
generateCudaSource(ModuleOp module, const ::engram::runtime::Model &model);

/// Compiles `module` to `stage`: the CUDA source, the PTX, or the bytes of a
/// `.cuda` artifact.
FailureOr<std::string> compileForCuda(ModuleOp module,
                                      const CudaTargetOptions &options,
                                      CudaStage stage, TimingScope &timing);

} // namespace mlir::engram

#endif // ENGRAM_BACKENDS_CUDA_CUDACODEGEN_H
