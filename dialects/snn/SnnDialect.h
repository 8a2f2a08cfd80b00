//===- SnnDialect.h - snn dialect declaration -------------------*- C++ -*-===//
//
// Declares the snn dialect, its population type and enum attributes.
// Include SnnOps.h for the ops.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_DIALECTS_SNN_SNNDIALECT_H
#define ENGRAM_DIALECTS_SNN_SNNDIALECT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "dialects/snn/SnnDialect.h.inc"
#include "dialects/snn/SnnEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/snn/SnnAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/snn/SnnTypes.h.inc"

#endif // ENGRAM_DIALECTS_SNN_SNNDIALECT_H
