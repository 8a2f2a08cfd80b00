//===- EngramTypes.h - engram memory bank and trace types -------*- C++ -*-===//
//
// The two state types of the engram dialect: the learned memory bank
// (!engram.memory) and the Hebbian trace (!engram.trace), plus the enums.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_DIALECTS_ENGRAM_ENGRAMTYPES_H
#define ENGRAM_DIALECTS_ENGRAM_ENGRAMTYPES_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#include "dialects/engram/EngramEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/engram/EngramAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/engram/EngramTypes.h.inc"

namespace mlir::engram {

/// The shape of a ranked tensor, memory bank or trace type; empty otherwise.
ArrayRef<int64_t> getShapeOf(Type type);

/// The element type of a ranked tensor, memory bank or trace type; null
/// otherwise.
Type getElementTypeOf(Type type);

} // namespace mlir::engram

#endif // ENGRAM_DIALECTS_ENGRAM_ENGRAMTYPES_H
