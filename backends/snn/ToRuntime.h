//===- ToRuntime.h - snn.network → the simulator's network ------*- C++ -*-===//
//
// The simulator in runtime/ knows no MLIR; this translation gives it a
// verified snn.network, and translates imported networks back. The exporters (Lava, PyNN, NIR) start from the same
// form, so that what they write is what the simulator checked.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_BACKENDS_SNN_TORUNTIME_H
#define ENGRAM_BACKENDS_SNN_TORUNTIME_H

#include "dialects/snn/SnnOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "runtime/Snn.h"

namespace mlir::snn {

/// The runtime form of `network` (verified first); a diagnostic on the op
/// that does not translate otherwise.
FailureOr<::engram::runtime::snn::Network> toRuntime(NetworkOp network);

/// The inverse: an snn.network (profile generic) for a runtime network, such
/// as one read from a Lava graph or a NIR file, inserted at `builder`'s
/// insertion point and verified. Projections with at most a quarter of
/// their weights non-zero become snn.sparse.
FailureOr<NetworkOp>
fromRuntime(OpBuilder &builder, Location loc,
            const ::engram::runtime::snn::Network &network);

/// The runtime form of the module's first snn.network; an error on the
/// module if it has none.
FailureOr<::engram::runtime::snn::Network> toRuntime(ModuleOp module);

/// A new module holding `network` as an snn.network located at `path` (an
/// imported spiking network); null after diagnostics.
OwningOpRef<ModuleOp>
wrapNetwork(MLIRContext &context,
            const ::engram::runtime::snn::Network &network, StringRef path);

} // namespace mlir::snn

#endif // ENGRAM_BACKENDS_SNN_TORUNTIME_H
