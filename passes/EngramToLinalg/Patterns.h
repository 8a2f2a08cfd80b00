//===- Patterns.h - engram to linalg conversion patterns --------*- C++ -*-===//
//
// The conversion is split by op family: the step ops (encode, layer_norm,
// recall, integrate, hebbian_update) in StepOps.cpp, state and heads in
// EngramToLinalg.cpp, which also holds the pass.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PASSES_ENGRAMTOLINALG_PATTERNS_H
#define ENGRAM_PASSES_ENGRAMTOLINALG_PATTERNS_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::engram {

/// Patterns lowering encode, layer_norm, recall, integrate, hebbian_update.
void populateStepOpsToLinalgPatterns(const TypeConverter &converter,
                                     RewritePatternSet &patterns);

} // namespace mlir::engram

#endif // ENGRAM_PASSES_ENGRAMTOLINALG_PATTERNS_H
