//===- ModelToEngram.h - model package to engram IR -------------*- C++ -*-===//
//
// Translates a runtime::Model (read from a model package) into an engram
// module whose `func.func @forward` computes the network.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PASSES_MODELTOENGRAM_H
#define ENGRAM_PASSES_MODELTOENGRAM_H

#include "runtime/Model.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir::engram {

/// Name of the function the importer creates.
inline constexpr const char *kEntryName = "forward";

/// Builds the engram module of `model`. The function `@forward` takes the
/// input `B×S×D` and returns (output, final h `B×H`, final trace). Weights
/// become `dense_resource` constants named after their package tensors.
/// `source` names the package in locations.
OwningOpRef<ModuleOp> importModel(MLIRContext *context,
                                  const ::engram::runtime::Model &model,
                                  StringRef source);

} // namespace mlir::engram

#endif // ENGRAM_PASSES_MODELTOENGRAM_H
