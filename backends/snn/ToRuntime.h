//===- ToRuntime.h - snn.network → the simulator's network ------*- C++ -*-===//
//
// The simulator in runtime/ knows no MLIR; this translation gives it a
// verified snn.network. The exporters (Lava, PyNN, NIR) start from the same
// form, so that what they write is what the simulator checked.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_BACKENDS_SNN_TORUNTIME_H
#define ENGRAM_BACKENDS_SNN_TORUNTIME_H

#include "dialects/snn/SnnOps.h"
#include "runtime/Snn.h"

namespace mlir::snn {

/// The runtime form of `network` (verified first); a diagnostic on the op
/// that does not translate otherwise.
FailureOr<::engram::runtime::snn::Network> toRuntime(NetworkOp network);

} // namespace mlir::snn

#endif // ENGRAM_BACKENDS_SNN_TORUNTIME_H
