//===- Phases.h - the compiler's phases as pass pipelines --------*- C++ -*-===//
//
// Each phase adds its passes to a pass manager from its part of
// CompilerOptions, as CIRCT's firtool does: engramc chains them, engram-opt
// registers the same chains as `engram-<target>-pipeline` and
// `engram-snn-pipeline`, and `engramc --print-pipeline` prints what would
// run, so that any stage can be reproduced with engram-opt.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_COMPILER_PHASES_H
#define ENGRAM_COMPILER_PHASES_H

#include "compiler/Options.h"

#include "mlir/Pass/PassManager.h"

namespace engram::compiler {

class Target;

/// engram IR → engram IR: hoisting, sparsification, quantization.
void populateCompressionPhase(mlir::OpPassManager &pm,
                              const CompressionOptions &options);

/// The timesteps per model step that the spiking conversion defaults to:
/// 12 for graded events (the deepest chain settles in 11), 14 for graded
/// events on Loihi 2 with a plastic trace (its relays add a timestep to
/// each recall), 32 for rates.
int64_t snnDefaultTimesteps(mlir::engram::SnnEncoding encoding,
                            mlir::snn::Profile profile,
                            mlir::engram::SnnLearning learning);

/// engram IR → snn IR: engram-calibrate-snn, then convert-engram-to-snn,
/// with the snn options; the profile and encoding the options do not set
/// are `target`'s defaults (null: the generic profile, graded events), and
/// unset timesteps the encoding's.
void populateSnnPhase(mlir::OpPassManager &pm, const CompilerOptions &options,
                      const Target *target);

/// Every phase engramc runs on a module for `target` (null: none) up to
/// `stage`: compression; the spiking conversion for spiking targets and the
/// `snn` stage unless `spikingInput` (the input is already a network); the
/// target's own pipeline unless the stage is `engram` or `snn`.
mlir::LogicalResult
populateCompilerPipeline(mlir::OpPassManager &pm, const CompilerOptions &options,
                         const Target *target, llvm::StringRef stage,
                         bool spikingInput,
                         llvm::function_ref<void(const llvm::Twine &)> fail);

/// Registers `engram-snn-pipeline` and `engram-<name>-pipeline` for every
/// registered target with engram-opt's pass registry; their options are
/// engramc's flags of the same names.
void registerCompilerPipelines();

} // namespace engram::compiler

#endif // ENGRAM_COMPILER_PHASES_H
