//===- Interpreter.h - execute engram IR with the reference kernels -*- C++ -*-===//
//
// The reference backend: walks a function of engram IR and evaluates each op
// with the runtime's kernels (runtime/Kernels.h), in float32 or float64. It
// is how engram-run executes engram MLIR, so that the importer and every
// engram-level pass can be checked numerically against the PyTorch module.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_BACKENDS_REFERENCE_INTERPRETER_H
#define ENGRAM_BACKENDS_REFERENCE_INTERPRETER_H

#include "runtime/Tensor.h"
#include "runtime/TraceRecording.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

namespace mlir::engram {

/// Runs `func` on `arguments`; returns its results, or failure after an error
/// has been emitted at the offending op. Supports the engram ops and the
/// arith / tensor / func ops the importer emits. `recording`, when given, is
/// filled by the time loop at every step (its trace values, recall weights
/// and hidden state).
template <typename T>
FailureOr<SmallVector<::engram::runtime::Tensor<T>>>
interpretFunction(func::FuncOp func,
                  ArrayRef<::engram::runtime::Tensor<T>> arguments,
                  ::engram::runtime::TraceRecording<T> *recording = nullptr);

} // namespace mlir::engram

#endif // ENGRAM_BACKENDS_REFERENCE_INTERPRETER_H
