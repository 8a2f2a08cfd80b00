//===- EngramToModel.h - the cell an engram module computes ----*- C++ -*-===//
//
// Reads the engram cell of a module (as the importer builds it, with or
// without compression passes) back into a runtime::Model, for the backends
// that need the cell as a whole (CUDA, the conversion to spiking networks).
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PASSES_ENGRAMTOMODEL_H
#define ENGRAM_PASSES_ENGRAMTOMODEL_H

#include "runtime/Model.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::engram {

/// The model (configuration and weights) that the engram cell of `module`
/// computes; a diagnostic on the offending op, starting with `purpose` (the
/// option or pass that needs it), when it is not one.
FailureOr<::engram::runtime::Model> liftModel(ModuleOp module,
                                              StringRef purpose);

} // namespace mlir::engram

#endif // ENGRAM_PASSES_ENGRAMTOMODEL_H
