//===- Passes.h - engram passes and dialect registration --------*- C++ -*-===//
//
// Declarations of every engram pass (generated from Passes.td) and the
// registration helpers shared by engramc and engram-opt.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PASSES_PASSES_H
#define ENGRAM_PASSES_PASSES_H

#include "dialects/engram/EngramDialect.h"
#include "dialects/snn/SnnDialect.h"
#include "passes/OptionEnums.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>

namespace mlir {
class DialectRegistry;

namespace engram {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Makes the initial state of `func` (an @forward as the importer builds
/// it) its arguments 1 (h₀) and 2 (T₀), as engram-state-arguments does;
/// a no-op when it already takes them.
LogicalResult exposeInitialState(func::FuncOp func);

/// Registers the engram dialect and every dialect the passes produce.
void registerDialects(DialectRegistry &registry);

} // namespace engram
} // namespace mlir

#endif // ENGRAM_PASSES_PASSES_H
